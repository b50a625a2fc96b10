// Builders for the shuffle transformations on RDD<[K, V]> (Spark's
// PairRDDFunctions): the aggregator each one ships, the partitioner it picks,
// and the rule that an RDD already partitioned the needed way is not shuffled.

import { errors } from '../shared/errors.js';
import type { AggregatorPlan, JoinHow, SortPlan } from '../shared/protocol.js';
import { positiveInt } from '../options.js';
import { ShuffleDependency } from './dependency.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import {
  HashPartitioner,
  RangePartitioner,
  isUserPartitioner,
  type Partitioner,
} from './partitioner.js';
import type { RDD } from './rdd.js';
import { CoGroupedRDD, ShuffledRDD } from './shuffled-rdds.js';
import { planFunction, type FnOptions, type UserFn } from './user-function.js';
import {
  checkOtherRDD,
  PARTITION_FIELDS,
  SHUFFLE_FN_FIELDS,
  resolveMethodOptions,
  type MethodOptions,
} from './method-options.js';
import * as builtin from './builtin-functions.js';
import { keyfuncOfPair } from './parity-builtins.js';
import { FunctionRef } from '../shipping/fn.js';

/** How a shuffle without user functions picks its partitions (groupByKey, cogroup, joins). */
export interface PartitionOptions {
  numPartitions?: number;
  partitioner?: Partitioner;
}

export interface ShuffleOptions<E> extends FnOptions<E>, PartitionOptions {}

type Pairs = RDD<[unknown, unknown]>;

const JOIN_METHOD: Record<JoinHow, string> = {
  inner: 'rdd.join',
  left: 'rdd.leftOuterJoin',
  right: 'rdd.rightOuterJoin',
  full: 'rdd.fullOuterJoin',
};

/** Options resolved by resolveMethodOptions: their fields are already validated. */
export function defaultPartitioner(opts: MethodOptions, ...rdds: RDD<unknown>[]): Partitioner {
  if (opts.partitioner !== undefined) return opts.partitioner;
  if (opts.numPartitions !== undefined) return new HashPartitioner(opts.numPartitions);
  const widest = Math.max(...rdds.map((r) => r.getNumPartitions()), 1);
  const existing = rdds.find(
    (r) => r.partitioner !== undefined && r.partitioner.numPartitions >= widest,
  );
  return existing?.partitioner ?? new HashPartitioner(widest);
}

export function shuffle<R>(
  rdd: RDD<unknown>,
  partitioner: Partitioner,
  aggregator: AggregatorPlan | undefined,
  mapSideCombine: boolean,
  sort?: SortPlan,
  recordsAreKeys = false,
): RDD<R> {
  const ctx = rdd.context;
  const dep = new ShuffleDependency(
    rdd,
    ctx.newShuffleId(),
    partitioner,
    aggregator,
    mapSideCombine,
    sort,
    recordsAreKeys,
  );
  return rdd.derive<R>(new ShuffledRDD(dep, (p) => ctx.sampleRangeBounds(p)));
}

export function combineWith<R>(
  rdd: Pairs,
  aggregator: AggregatorPlan,
  opts: MethodOptions,
  mapSideCombine = true,
): RDD<R> {
  const partitioner = defaultPartitioner(opts, rdd);
  if (rdd.partitioner?.equals(partitioner) === true) {
    return rdd.derive<R>(new MapPartitionsRDD(rdd, { kind: 'combineByKey', aggregator }, true));
  }
  return shuffle(rdd, partitioner, aggregator, mapSideCombine);
}

export function combineByKey<K, V, C>(
  rdd: RDD<[K, V]>,
  create: unknown,
  mergeValue: unknown,
  mergeCombiners: unknown,
  rawOpts: unknown,
): RDD<[K, C]> {
  const opts = resolveMethodOptions('rdd.combineByKey', rawOpts, SHUFFLE_FN_FIELDS);
  return combineWith(
    rdd,
    {
      createCombiner: planFunction(create, opts, 'rdd.combineByKey'),
      mergeValue: planFunction(mergeValue, opts, 'rdd.combineByKey'),
      mergeCombiners: planFunction(mergeCombiners, opts, 'rdd.combineByKey'),
    },
    opts,
  );
}

/** `method` is what the user called (reduceByKeyLocally builds on this). */
export function reduceByKey<K, V>(
  rdd: RDD<[K, V]>,
  f: unknown,
  rawOpts: unknown,
  method = 'rdd.reduceByKey',
): RDD<[K, V]> {
  const opts = resolveMethodOptions(method, rawOpts, SHUFFLE_FN_FIELDS);
  const merge = planFunction(f, opts, method);
  const create = planFunction(builtin.identity, undefined, method);
  return combineWith(
    rdd,
    { createCombiner: create, mergeValue: merge, mergeCombiners: merge },
    opts,
  );
}

/** foldByKey is aggregateByKey with one function, and is named as such in errors. */
export function aggregateByKey<K, V, U>(
  rdd: RDD<[K, V]>,
  zero: U,
  seqOp: unknown,
  combOp: unknown,
  rawOpts: unknown,
  method: 'rdd.aggregateByKey' | 'rdd.foldByKey' = 'rdd.aggregateByKey',
): RDD<[K, U]> {
  const opts = resolveMethodOptions(method, rawOpts, SHUFFLE_FN_FIELDS);
  try {
    structuredClone(zero);
  } catch {
    throw errors.invalidArgument(`${method} zero`, 'a structured-cloneable value', zero);
  }
  return combineWith(
    rdd,
    {
      zero: { value: zero },
      mergeValue: planFunction(seqOp, opts, method),
      mergeCombiners: planFunction(combOp, opts, method),
    },
    opts,
  );
}

const groupAggregator = (): AggregatorPlan => ({
  createCombiner: planFunction(builtin.toList, undefined, 'rdd.groupByKey'),
  mergeValue: planFunction(builtin.appendToList, undefined, 'rdd.groupByKey'),
  mergeCombiners: planFunction(builtin.concatLists, undefined, 'rdd.groupByKey'),
});

export function groupByKey<K, V>(rdd: RDD<[K, V]>, rawOpts: unknown): RDD<[K, V[]]> {
  const opts = resolveMethodOptions('rdd.groupByKey', rawOpts, PARTITION_FIELDS);
  // Spark groups without map-side combine: it would not shrink the data.
  return combineWith(rdd, groupAggregator(), opts, false);
}

/**
 * Spark's map(x => (x, null)).reduceByKey((x, _) => x).map(_._1), with the map side writing each
 * record as [record, null] itself (recordsAreKeys) rather than after a narrow map building it.
 */
export function distinct<T>(rdd: RDD<T>, rawOpts: unknown): RDD<T> {
  const opts = resolveMethodOptions('rdd.distinct', rawOpts, ['numPartitions']);
  const first = planFunction(builtin.firstArg, undefined, 'rdd.distinct');
  const aggregator: AggregatorPlan = {
    createCombiner: planFunction(builtin.identity, undefined, 'rdd.distinct'),
    mergeValue: first,
    mergeCombiners: first,
  };
  // The records are the keys: a partitioner of rdd (by its pairs' keys) says nothing of them.
  const partitioner = new HashPartitioner(
    opts.numPartitions ?? Math.max(rdd.getNumPartitions(), 1),
  );
  const reduced = shuffle<[T, null]>(rdd, partitioner, aggregator, true, undefined, true);
  return reduced.map<T>(builtin.pairKey);
}

/** A number means a HashPartitioner, as PySpark's partitionBy(numPartitions). */
export function partitionBy<K, V>(
  rdd: RDD<[K, V]>,
  partitionerOrCount: Partitioner | number,
): RDD<[K, V]> {
  const partitioner =
    typeof partitionerOrCount === 'number'
      ? new HashPartitioner(positiveInt('rdd.partitionBy numPartitions', partitionerOrCount))
      : partitionerOrCount;
  if (!isUserPartitioner(partitioner)) {
    throw errors.invalidArgument(
      'rdd.partitionBy partitioner',
      'a HashPartitioner, a RangePartitioner, a new Partitioner(numPartitions, getPartition) or a number of partitions',
      partitioner,
    );
  }
  if (rdd.partitioner?.equals(partitioner) === true) return rdd;
  return shuffle(rdd, partitioner, undefined, false);
}

/**
 * Spark's repartitionAndSortWithinPartitions: the sort runs in the shuffle's reduce side (and
 * spills there), cheaper than partitionBy then sorting each partition. Always shuffles, as Spark.
 */
export function repartitionAndSortWithinPartitions<K, V>(
  rdd: RDD<[K, V]>,
  partitioner: Partitioner,
): RDD<[K, V]> {
  if (!isUserPartitioner(partitioner)) {
    throw errors.invalidArgument(
      'rdd.repartitionAndSortWithinPartitions partitioner',
      'a HashPartitioner, RangePartitioner or new Partitioner(numPartitions, getPartition)',
      partitioner,
    );
  }
  return shuffle(rdd, partitioner, undefined, false, { ascending: true });
}

export function sortByKey<K, V>(
  rdd: RDD<[K, V]>,
  ascending: unknown,
  rawOpts: unknown,
): RDD<[K, V]> {
  const opts = resolveMethodOptions('rdd.sortByKey', rawOpts, ['numPartitions', 'keyfunc', 'env']);
  if (opts.keyfunc !== undefined) return sortByKeyFunc(rdd, ascending, opts);
  return sortByKeyResolved(rdd, ascending, opts, 'rdd.sortByKey');
}

/** Spark's sortBy: keyBy(f), sortByKey, values; errors name sortBy, not the steps. */
export function sortBy<T>(
  rdd: RDD<T>,
  f: unknown,
  ascending: unknown,
  rawOpts: unknown,
  method = 'rdd.sortBy',
): RDD<T> {
  const opts = resolveMethodOptions(method, rawOpts, ['numPartitions', 'env']);
  const keyBy = { kind: 'keyBy', f: planFunction(f, opts, method) } as const;
  const keyed = rdd.derive<[unknown, T]>(new MapPartitionsRDD(rdd, keyBy, false));
  return sortByKeyResolved(keyed, ascending, opts, method).values();
}

function sortByKeyResolved<K, V>(
  rdd: RDD<[K, V]>,
  ascending: unknown,
  opts: MethodOptions,
  method: string,
): RDD<[K, V]> {
  if (typeof ascending !== 'boolean')
    throw errors.invalidArgument(`${method} ascending`, 'a boolean', ascending);
  const n = opts.numPartitions ?? rdd.getNumPartitions();
  const partitioner = new RangePartitioner(Math.max(1, n), rdd, ascending);
  return shuffle(rdd, partitioner, undefined, false, { ascending });
}

export function cogroup<K, V, W>(
  rdd: RDD<[K, V]>,
  other: RDD<[K, W]>,
  rawOpts: unknown,
  method = 'rdd.cogroup',
): RDD<[K, [V[], W[]]]> {
  return coGrouped(rdd, other, rawOpts, method, undefined);
}

/** Spark's join family, read as a shuffled hash join (workers/hash-join.ts), not cogroup + pairs. */
export function join<K, V, W, R>(
  rdd: RDD<[K, V]>,
  other: RDD<[K, W]>,
  how: JoinHow,
  rawOpts: unknown,
): RDD<[K, R]> {
  return coGrouped(rdd, other, rawOpts, JOIN_METHOD[how], how);
}

function coGrouped<R>(
  rdd: RDD<unknown>,
  other: unknown,
  rawOpts: unknown,
  method: string,
  how: JoinHow | undefined,
): RDD<R> {
  checkOtherRDD(method, rdd, other, 'an RDD of [key, value] pairs');
  const opts = resolveMethodOptions(method, rawOpts, PARTITION_FIELDS);
  const partitioner = defaultPartitioner(opts, rdd, other);
  const ctx = rdd.context;
  return rdd.derive(new CoGroupedRDD([rdd, other], partitioner, () => ctx.newShuffleId(), how));
}

export type { UserFn };

/** sortByKey with PySpark's keyfunc: sortBy on keyfunc(key), named sortByKey in errors. */
export function sortByKeyFunc<K, V>(
  rdd: RDD<[K, V]>,
  ascending: unknown,
  opts: MethodOptions,
): RDD<[K, V]> {
  const keyfunc = opts.keyfunc;
  if (typeof keyfunc !== 'function' && !(keyfunc instanceof FunctionRef))
    throw errors.invalidArgument(
      'rdd.sortByKey opts.keyfunc',
      'a function or fn(module, exportName)',
      keyfunc,
    );
  // It travels in the env of keyfuncOfPair: checked as the function passed to sortByKey (it
  // receives env), not as an env function under rdd.sortByKey opts.env.keyfunc.
  planFunction(keyfunc, opts, 'rdd.sortByKey');
  const sortOpts = {
    env: { keyfunc, env: opts.env },
    ...(opts.numPartitions === undefined ? {} : { numPartitions: opts.numPartitions }),
  };
  return sortBy(rdd, keyfuncOfPair, ascending, sortOpts, 'rdd.sortByKey');
}
