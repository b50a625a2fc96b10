// Partitions built from several parent partitions: coalesce (Spark's CoalescedRDD, the parents'
// records one parent after the other) and cartesian (every left record with every right
// record; the right side is computed once and held, as Spark's CartesianRDD would re-read it).

import type { PartitionDesc } from '../src/protocol.js';
import { BATCH_SIZE, materialize, type Batches } from './batch.js';
import { computePartition } from './compute.js';
import type { TaskContext } from './task-context.js';

export function* coalescePartition(ctx: TaskContext, parents: PartitionDesc[]): Batches {
  // Each parent is started only when the previous one is done, so take(n) stops early.
  for (const parent of parents) yield* computePartition(ctx, parent);
}

export function* cartesianPartition(
  ctx: TaskContext,
  left: PartitionDesc,
  right: PartitionDesc,
): Batches {
  const rightRecords = materialize(computePartition(ctx, right));
  if (rightRecords.length === 0) return;
  let out: unknown[] = [];
  for (const batch of computePartition(ctx, left)) {
    for (const l of batch) {
      for (const r of rightRecords) {
        out.push([l, r]);
        if (out.length >= BATCH_SIZE) {
          yield out;
          out = [];
        }
      }
    }
  }
  if (out.length > 0) yield out;
}
