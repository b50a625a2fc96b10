// Sorting a partition larger than the task's memory (Spark's ExternalSorter, reduce side):
// records are buffered while their estimated size stays under the task's budget; past it the
// buffer is sorted and spilled as a run, and at the end the runs and the last buffer are
// merged as a stream. Stable throughout: Array.prototype.sort is stable, runs are cut in
// arrival order and the merge prefers the earlier run, so equal keys keep arrival order.

import { sortWith } from '../src/shared/keys.js';
import { batchesOf, type Batches } from './batch.js';
import { mergeSorted } from './merge-sorted.js';
import { estimateSize, SizeTracker } from './size-estimator.js';
import { SpillFiles, taskMemory } from './spill-files.js';
import type { TaskContext } from './task-context.js';

const POINTER = 8;
const SAMPLES = 32;

/** The records of `input` in `compare` order, spilling sorted runs past the memory budget. */
export function* sortExternally(
  ctx: TaskContext,
  input: Batches,
  compare: (a: unknown, b: unknown) => number,
): Batches {
  const budget = taskMemory(ctx).budgetBytes;
  let buffer: unknown[] = [];
  const tracker = new SizeTracker(() => estimateBuffer(buffer));
  const spills = new SpillFiles(ctx, 'sort');
  for (const batch of input) {
    for (let i = 0; i < batch.length; i++) buffer.push(batch[i]);
    tracker.afterUpdates(batch.length);
    if (tracker.estimate() > budget) {
      sortWith(buffer, compare);
      spills.write(buffer);
      buffer = [];
      tracker.reset();
    }
  }
  sortWith(buffer, compare);
  if (spills.count === 0) {
    yield* batchesOf(buffer);
    return;
  }
  const runs: Batches[] = spills.all().map((run) => spills.read(run));
  runs.push(batchesOf(buffer));
  buffer = [];
  try {
    yield* mergeSorted(runs, compare);
  } finally {
    spills.removeAll();
  }
}

/** Estimated bytes of a buffer of records, from a sample of them. */
function estimateBuffer(buffer: readonly unknown[]): number {
  const n = buffer.length;
  if (n === 0) return 0;
  const k = Math.min(n, SAMPLES);
  let sum = 0;
  for (let s = 0; s < k; s++) sum += estimateSize(buffer[Math.floor(Math.random() * n)]);
  return n * (POINTER + sum / k);
}
