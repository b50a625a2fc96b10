// Partitions built from several parent partitions: coalesce (Spark's CoalescedRDD, the parents'
// records one parent after the other) and cartesian (every left record with every right
// record; the right side is computed once and held, as Spark's CartesianRDD would re-read it).
// The parents are computed by the function the caller passes (compute.ts's computePartition),
// so this module does not import compute.ts back.

import type { PartitionDesc } from '../src/shared/protocol.js';
import { BATCH_SIZE, materialize, type Batches } from './batch.js';

type Compute = (desc: PartitionDesc) => Batches;

export function* coalescePartition(parents: PartitionDesc[], compute: Compute): Batches {
  // Each parent is started only when the previous one is done, so take(n) stops early.
  for (const parent of parents) yield* compute(parent);
}

export function* cartesianPartition(
  left: PartitionDesc,
  right: PartitionDesc,
  compute: Compute,
): Batches {
  const rightRecords = materialize(compute(right));
  if (rightRecords.length === 0) return;
  let out: unknown[] = [];
  for (const batch of compute(left)) {
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
