// range's partitions (workers/sources.ts): integer ranges in int32 arithmetic, anything else in
// doubles; both must give exactly start, start + step, ... while < end (> end going down).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rangePartition } from '../../workers/sources.js';
import { BATCH_SIZE } from '../../workers/batch.js';

function plainRange(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  if (step === 0) return out;
  const count = Math.max(0, Math.ceil((end - start) / step));
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}

describe('rangePartition', () => {
  it('gives every value of integer, fractional, negative and int32-edge ranges, in batches', () => {
    const cases: [number, number, number][] = [
      [0, 10, 1],
      [5, -5, -2],
      [0, 10_000, 3],
      [2 ** 31 - 5, 2 ** 31 + 5, 1],
      [-(2 ** 31), -(2 ** 31) + 10, 3],
      [2 ** 31 - 10, 2 ** 31 - 1, 4],
      [2 ** 31 - 13, 2 ** 31 - 1, 4],
      [-(2 ** 31) + 9, -(2 ** 31), -3],
      [-3, 2 ** 31 + 3, 2 ** 29],
      [0, 1, 0.25],
      [0.5, 3, 1],
      [0, 10, 0],
      [10, 0, 1],
    ];
    for (const [start, end, step] of cases) {
      const batches = [...rangePartition(start, end, step)];
      for (const b of batches) assert.ok(b.length > 0 && b.length <= BATCH_SIZE);
      assert.deepEqual(
        batches.flat(),
        plainRange(start, end, step),
        `range(${start}, ${end}, ${step})`,
      );
    }
  });
});
