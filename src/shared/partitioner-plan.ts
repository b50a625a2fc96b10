// The plain-data form of a partitioner, as it crosses to workers inside a stage plan, and the
// key -> partition function a worker builds from it. Imports no RDD code: workers load it.
import { compareKeys, hashKey } from './keys.js';

export type PartitionerPlan =
  | { kind: 'hash'; numPartitions: number }
  | { kind: 'range'; numPartitions: number; bounds: unknown[]; ascending: boolean }
  /** Keys are already partition numbers (repartition's round-robin positions). */
  | { kind: 'position'; numPartitions: number };

export function partitionerFromPlan(plan: PartitionerPlan): (key: unknown) => number {
  switch (plan.kind) {
    case 'hash': {
      const n = plan.numPartitions;
      return (key) => hashPartition(hashKey(key), n);
    }
    case 'range': {
      const { bounds, ascending } = plan;
      return (key) => rangePartition(bounds, ascending, key);
    }
    case 'position': {
      const n = plan.numPartitions;
      return (key) => (key as number) % n;
    }
  }
}

/** A HashPartitioner's partition of a key whose hashKey is `hash` (Spark's nonNegativeMod). */
export function hashPartition(hash: number, numPartitions: number): number {
  return hash % numPartitions;
}

/**
 * The partition of `key` for sorted (ascending) `bounds`: the first i with key <= bounds[i],
 * else bounds.length; mirrored for a descending sort. As Spark's RangePartitioner.getPartition,
 * a linear scan for few bounds and a binary search otherwise.
 */
export function rangePartition(
  bounds: readonly unknown[],
  ascending: boolean,
  key: unknown,
): number {
  let partition = 0;
  if (bounds.length <= 128) {
    while (partition < bounds.length && compareKeys(key, bounds[partition]) > 0) partition++;
  } else {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(key, bounds[mid]) > 0) lo = mid + 1;
      else hi = mid;
    }
    partition = lo;
  }
  return ascending ? partition : bounds.length - partition;
}
