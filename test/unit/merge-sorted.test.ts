// The k-way merge behind every spill, and the size estimates that decide when to spill:
// merged output is sorted and stable (earlier stream first among equals), and estimates are
// of the right order for the records the engine holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeSorted } from '../../workers/merge-sorted.js';
import { estimateSize } from '../../workers/size-estimator.js';

const byKey = (a: unknown, b: unknown): number => (a as [number])[0] - (b as [number])[0];

describe('mergeSorted', () => {
  it('merges sorted streams into one sorted stream, equal keys in stream order', () => {
    const streams = [0, 1, 2].map((s) => {
      const records = Array.from({ length: 5000 }, (_, i) => [(i * 7 + s) % 100, `s${s}-${i}`]);
      records.sort(byKey);
      // Frames of uneven sizes, as spill runs are read.
      return [records.slice(0, 1), records.slice(1, 4097), records.slice(4097)];
    });
    const merged = [...mergeSorted(streams, byKey)].flat() as [number, string][];
    assert.equal(merged.length, 15_000);
    const expected = streams.flatMap((frames) => frames.flat() as [number, string][]).sort(byKey); // Array.prototype.sort is stable: stream 0's records first among equals.
    assert.deepEqual(merged, expected);
  });

  it('closes every stream when the consumer stops early', () => {
    let closed = 0;
    function* stream(): Generator<unknown[]> {
      try {
        yield Array.from({ length: 5000 }, (_, i) => [i]);
      } finally {
        closed++;
      }
    }
    for (const batch of mergeSorted([stream(), stream()], byKey)) {
      assert.ok(batch.length > 0);
      break;
    }
    assert.equal(closed, 2);
  });
});

describe('estimateSize', () => {
  it('estimates a [number, string] pair at about its V8 size and samples long arrays', () => {
    const pair = estimateSize([123_456, 'value-123456']);
    assert.ok(pair >= 64 && pair <= 160, `pair estimated at ${pair} bytes`);
    const many = Array.from({ length: 100_000 }, (_, i) => 'value-' + i);
    const est = estimateSize(many);
    // 8-byte slot + ~32-byte string each: within a factor of 2 of 4 MB.
    assert.ok(est > 2e6 && est < 8e6, `array estimated at ${est} bytes`);
  });
});
