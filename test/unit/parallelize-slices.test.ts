// Spark's ParallelCollectionRDD.slice: parallelize cuts a collection into contiguous slices
// that together hold every element once, in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slicePositions } from '../../src/rdd/source-rdds.js';

test('slicing is contiguous and covers every element, as Spark slices', () => {
  assert.deepEqual(slicePositions(7, 3), [
    [0, 2],
    [2, 4],
    [4, 7],
  ]);
  assert.deepEqual(slicePositions(2, 4), [
    [0, 0],
    [0, 1],
    [1, 1],
    [1, 2],
  ]);
  for (const [len, n] of [
    [0, 3],
    [10, 1],
    [1000, 7],
  ] as const) {
    const s = slicePositions(len, n);
    assert.equal(s.length, n);
    assert.equal(s[0]?.[0], 0);
    assert.equal(s.at(-1)?.[1], len);
    s.forEach(([, end], i) => i + 1 < s.length && assert.equal(end, s[i + 1]?.[0]));
  }
});
