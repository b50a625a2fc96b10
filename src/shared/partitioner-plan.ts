// The plain-data form of a partitioner, as it crosses to workers inside a stage plan, and the
// key -> partition function a worker builds from it. Imports no RDD code: workers load it.
// A custom partitioner's function is checked on every call: a partition number that is not an
// integer in range would otherwise write a bucket no reducer reads, losing records silently.
import { errors } from './errors.js';
import { compareKeys, hashKey } from './keys.js';
import type { FunctionPlan } from './protocol.js';

export type PartitionerPlan =
  | { kind: 'hash'; numPartitions: number }
  | { kind: 'range'; numPartitions: number; bounds: unknown[]; ascending: boolean }
  /** Keys are already partition numbers (repartition's round-robin positions). */
  | { kind: 'position'; numPartitions: number }
  /** new Partitioner(numPartitions, getPartition): `f` is getPartition(key, env). */
  | { kind: 'custom'; numPartitions: number; name: string; f: FunctionPlan };

/** What rebuilds a shipped function in a worker (the task's TaskContext). */
export interface FunctionBinder {
  fn(f: FunctionPlan): (...args: unknown[]) => unknown;
  env(f: FunctionPlan): unknown;
}

export function partitionerFromPlan(
  plan: PartitionerPlan,
  functions?: FunctionBinder,
): (key: unknown) => number {
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
    case 'custom': {
      if (functions === undefined)
        throw errors.internal('a custom partitioner was used without its function');
      const f = functions.fn(plan.f);
      const env = functions.env(plan.f);
      const { numPartitions, name } = plan;
      return (key) => checkedPartition(f(key, env), key, numPartitions, name);
    }
  }
}

/** `p` when it is an integer partition number below numPartitions; else the error naming key. */
export function checkedPartition(
  p: unknown,
  key: unknown,
  numPartitions: number,
  partitioner: string,
): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= numPartitions)
    throw errors.partitionOutOfRange(partitioner, key, p, numPartitions);
  return p;
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
