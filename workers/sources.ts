// Source partitions: parallelize's slice of data, range's arithmetic progression and the empty
// RDD, generated batch by batch so a large range never exists as one array.

import { BATCH_SIZE, batchesOf, type Batches } from './batch.js';

export function parallelizePartition(data: readonly unknown[]): Batches {
  return batchesOf(data);
}

/** start, start + step, ... while < end (> end for a negative step), as Spark's range. */
export function* rangePartition(start: number, end: number, step: number): Generator<unknown[]> {
  if (step === 0) return;
  const count = Math.max(0, Math.ceil((end - start) / step));
  if (isInt32(start) && isInt32(step) && isInt32(start + count * step)) {
    yield* int32Range(start, step, count);
    return;
  }
  // start + i * step rather than repeated addition, so fractional steps do not drift.
  for (let i = 0; i < count; i += BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, count - i);
    const batch = new Array<unknown>(n);
    for (let j = 0; j < n; j++) batch[j] = start + (i + j) * step;
    yield batch;
  }
}

/**
 * An integer range in int32 arithmetic: its batches hold small integers, not doubles, and so
 * do the arrays V8 builds from them downstream (a shuffle's number column is then copied as
 * int32s rather than converted from doubles).
 */
function* int32Range(start: number, step: number, count: number): Generator<unknown[]> {
  for (let i = 0; i < count; i += BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, count - i);
    const batch: number[] = [];
    let x = (start + i * step) | 0;
    for (let j = 0; j < n; j++) {
      batch.push(x);
      x = (x + step) | 0;
    }
    yield batch;
  }
}

function isInt32(x: number): boolean {
  return (x | 0) === x;
}

export function emptyPartition(): Batches {
  return [];
}
