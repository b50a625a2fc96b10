// RangePartitioner bounds from a sample of the keys (Spark's sketch job in
// RangePartitioner): every partition returns its record count and a reservoir
// sample; each sampled key weighs count / sample size of its partition.

import type { ResultAction } from '../shared/protocol.js';
import { RangePartitioner } from './partitioner.js';
import type { RDD } from './rdd.js';

export type RunJob = <R>(rdd: RDD<unknown>, action: ResultAction) => Promise<R[]>;

export async function sampleRangeBounds(p: RangePartitioner, runJob: RunJob): Promise<void> {
  // One partition has no bounds to find: no sketch job (as Spark), nor its sample of the keys.
  if (p.numPartitions <= 1) {
    p.setBounds([]);
    return;
  }
  const rdd = p.rdd as RDD<[unknown, unknown]>;
  const sampleSize = Math.min(20 * p.numPartitions, 1_000_000);
  const perPartition = Math.ceil((3 * sampleSize) / Math.max(1, rdd.getNumPartitions()));
  const parts = await runJob<{ count: number; sample: unknown[] }>(rdd, {
    kind: 'sampleKeys',
    size: perPartition,
    seed: rdd.id,
  });
  const keys: unknown[] = [];
  const weights: number[] = [];
  for (const { count, sample } of parts) {
    const weight = sample.length === 0 ? 0 : count / sample.length;
    for (const k of sample) {
      keys.push(k);
      weights.push(weight);
    }
  }
  p.setBounds(RangePartitioner.computeBounds(keys, p.numPartitions, weights));
}
