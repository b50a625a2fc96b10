// Spark's treeAggregate and treeReduce: each partition folds to one value, then the partial
// values are combined in levels of about numPartitions^(1/depth) by a shuffle, so the main
// thread merges a few values instead of one per partition. The answer equals aggregate's.

import { errors } from '../shared/errors.js';
import { FN_FIELDS, resolveMethodOptions, type MethodOptions } from './method-options.js';
import {
  combineWithEnv,
  foldPartition,
  keyByLevel,
  mergePartials,
  reduceInto,
  type Partial,
} from './parity-builtins.js';
import { localFunction, planFunction } from './user-function.js';
import type { RDD } from './rdd.js';

const DEFAULT_DEPTH = 2;

/** The options of the tree methods: a depth positionally, or { depth, env }. */
function treeOptions(method: string, raw: unknown): MethodOptions {
  if (typeof raw === 'number') return resolveMethodOptions(method, { depth: raw }, ['depth']);
  return resolveMethodOptions(method, raw, [...FN_FIELDS, 'depth']);
}

export async function treeAggregate<T, U>(
  rdd: RDD<T>,
  zero: U,
  seqOp: unknown,
  combOp: unknown,
  rawOpts: unknown,
  method = 'rdd.treeAggregate',
): Promise<U> {
  const opts = treeOptions(method, rawOpts);
  const depth = opts.depth ?? DEFAULT_DEPTH;
  try {
    structuredClone(zero);
  } catch {
    throw errors.invalidArgument(`${method} zero`, 'a structured-cloneable value', zero);
  }
  // Both travel inside the env of the steps below (seqOp to each partition, combOp to the
  // tree's levels): checked here as functions passed to the method the user called, or a
  // free variable would be blamed on rdd.mapPartitions opts.env.seqOp, and a non-function
  // would fail every task attempt.
  planFunction(seqOp, opts, method);
  planFunction(combOp, opts, method);
  const env = opts.env;
  let partial = rdd.mapPartitions<U, unknown>(foldPartition as (it: Iterable<T>) => U[], {
    env: { zero, seqOp, env },
  });
  let n = partial.getNumPartitions();
  const scale = Math.max(Math.ceil(Math.pow(n, 1 / depth)), 2);
  // Spark's rule: another level only while it cuts the number of values the driver merges.
  while (n > scale + Math.ceil(n / scale)) {
    n = Math.ceil(n / scale);
    partial = partial
      .mapPartitionsWithIndex<[number, U], { n: number }>(keyByLevel as never, { env: { n } })
      .reduceByKey<number, U, unknown>(combineWithEnv as (a: U, b: U) => U, {
        numPartitions: n,
        env: { combOp, env },
      })
      .values();
  }
  const parts = await partial.collect();
  const combine = await localFunction(combOp, `${method} combOp`);
  return parts.reduce<U>((a, b) => combine(a, b, env) as U, structuredClone(zero));
}

export async function treeReduce<T>(rdd: RDD<T>, f: unknown, rawOpts: unknown): Promise<T> {
  const method = 'rdd.treeReduce';
  const opts = treeOptions(method, rawOpts);
  planFunction(f, opts, method);
  const fns = { f, env: opts.env };
  const empty: Partial = { kind: 'empty' };
  const result = await treeAggregate<T, Partial>(
    rdd,
    empty,
    reduceInto,
    mergePartials,
    { env: fns, ...(opts.depth === undefined ? {} : { depth: opts.depth }) },
    method,
  );
  if (result.kind === 'empty')
    throw errors.unsupported(`treeReduce() on an empty collection: RDD ${rdd.id} has no records`, {
      rddId: rdd.id,
    });
  return result.value as T;
}
