// Builders for the shuffle transformations on RDD<[K, V]> (Spark's
// PairRDDFunctions): the aggregator each one ships, the partitioner it picks,
// and the rule that an RDD already partitioned the needed way is not shuffled.

import { errors } from '../errors.js';
import type { AggregatorPlan, SortPlan } from '../protocol.js';
import { positiveInt } from '../options.js';
import { ShuffleDependency } from './dependency.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import { HashPartitioner, RangePartitioner, type Partitioner } from './partitioner.js';
import { RDD } from './rdd.js';
import { CoGroupedRDD, ShuffledRDD } from './shuffled-rdds.js';
import { planFunction, type FnOptions, type UserFn } from './user-function.js';
import * as builtin from './builtin-functions.js';

export interface ShuffleOptions<E> extends FnOptions<E> {
  numPartitions?: number;
  partitioner?: Partitioner;
}

type Pairs = RDD<[unknown, unknown]>;

export function defaultPartitioner(
  opts: ShuffleOptions<unknown> | undefined,
  ...rdds: RDD<unknown>[]
): Partitioner {
  if (opts?.partitioner !== undefined) {
    const p = opts.partitioner;
    if (!(p instanceof HashPartitioner) && !(p instanceof RangePartitioner)) {
      throw errors.invalidArgument('opts.partitioner', 'a HashPartitioner or RangePartitioner', p);
    }
    return p;
  }
  if (opts?.numPartitions !== undefined)
    return new HashPartitioner(positiveInt('opts.numPartitions', opts.numPartitions));
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
): RDD<R> {
  const ctx = rdd.context;
  const dep = new ShuffleDependency(
    rdd,
    ctx.newShuffleId(),
    partitioner,
    aggregator,
    mapSideCombine,
    sort,
  );
  return new RDD<R>(ctx, new ShuffledRDD(dep, (p) => ctx.sampleRangeBounds(p)));
}

export function combineWith<R>(
  rdd: Pairs,
  aggregator: AggregatorPlan,
  opts: ShuffleOptions<unknown> | undefined,
  mapSideCombine = true,
): RDD<R> {
  const partitioner = defaultPartitioner(opts, rdd);
  if (rdd.partitioner?.equals(partitioner) === true) {
    return new RDD<R>(
      rdd.context,
      new MapPartitionsRDD(rdd, { kind: 'combineByKey', aggregator }, true),
    );
  }
  return shuffle(rdd, partitioner, aggregator, mapSideCombine);
}

export function combineByKey<K, V, C>(
  rdd: RDD<[K, V]>,
  create: unknown,
  mergeValue: unknown,
  mergeCombiners: unknown,
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, C]> {
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

export function reduceByKey<K, V>(
  rdd: RDD<[K, V]>,
  f: unknown,
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, V]> {
  const merge = planFunction(f, opts, 'rdd.reduceByKey');
  const create = planFunction(builtin.identity, undefined, 'rdd.reduceByKey');
  return combineWith(
    rdd,
    { createCombiner: create, mergeValue: merge, mergeCombiners: merge },
    opts,
  );
}

export function aggregateByKey<K, V, U>(
  rdd: RDD<[K, V]>,
  zero: U,
  seqOp: unknown,
  combOp: unknown,
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, U]> {
  try {
    structuredClone(zero);
  } catch {
    throw errors.invalidArgument('zero', 'a structured-cloneable value', zero);
  }
  return combineWith(
    rdd,
    {
      zero: { value: zero },
      mergeValue: planFunction(seqOp, opts, 'rdd.aggregateByKey'),
      mergeCombiners: planFunction(combOp, opts, 'rdd.aggregateByKey'),
    },
    opts,
  );
}

const groupAggregator = (): AggregatorPlan => ({
  createCombiner: planFunction(builtin.toList, undefined, 'rdd.groupByKey'),
  mergeValue: planFunction(builtin.appendToList, undefined, 'rdd.groupByKey'),
  mergeCombiners: planFunction(builtin.concatLists, undefined, 'rdd.groupByKey'),
});

export function groupByKey<K, V>(
  rdd: RDD<[K, V]>,
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, V[]]> {
  // Spark groups without map-side combine: it would not shrink the data.
  return combineWith(rdd, groupAggregator(), opts, false);
}

export function distinct<T>(rdd: RDD<T>, numPartitions: number | undefined): RDD<T> {
  const opts = numPartitions === undefined ? undefined : { numPartitions };
  const first = planFunction(builtin.firstArg, undefined, 'rdd.distinct');
  const pairs = rdd.map(builtin.toNullValue) as Pairs;
  const reduced = combineWith<[T, null]>(
    pairs,
    {
      createCombiner: planFunction(builtin.identity, undefined, 'rdd.distinct'),
      mergeValue: first,
      mergeCombiners: first,
    },
    opts,
  );
  return reduced.map<T>(builtin.pairKey);
}

export function partitionBy<K, V>(rdd: RDD<[K, V]>, partitioner: Partitioner): RDD<[K, V]> {
  if (!(partitioner instanceof HashPartitioner) && !(partitioner instanceof RangePartitioner)) {
    throw errors.invalidArgument(
      'partitioner',
      'a HashPartitioner or RangePartitioner',
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
  if (!(partitioner instanceof HashPartitioner) && !(partitioner instanceof RangePartitioner)) {
    throw errors.invalidArgument(
      'partitioner',
      'a HashPartitioner or RangePartitioner',
      partitioner,
    );
  }
  return shuffle(rdd, partitioner, undefined, false, { ascending: true });
}

export function sortByKey<K, V>(
  rdd: RDD<[K, V]>,
  ascending: boolean,
  numPartitions: number | undefined,
): RDD<[K, V]> {
  if (typeof ascending !== 'boolean')
    throw errors.invalidArgument('ascending', 'a boolean', ascending);
  const n =
    numPartitions === undefined
      ? rdd.getNumPartitions()
      : positiveInt('numPartitions', numPartitions);
  const partitioner = new RangePartitioner(Math.max(1, n), rdd, ascending);
  return shuffle(rdd, partitioner, undefined, false, { ascending });
}

export function cogroup<K, V, W>(
  rdd: RDD<[K, V]>,
  other: RDD<[K, W]>,
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, [V[], W[]]]> {
  if (!(other instanceof RDD))
    throw errors.invalidArgument('other', 'an RDD of [key, value] pairs', other);
  const partitioner = defaultPartitioner(opts, rdd, other);
  const ctx = rdd.context;
  return new RDD(ctx, new CoGroupedRDD([rdd, other], partitioner, () => ctx.newShuffleId()));
}

export function join<K, V, W, R>(
  rdd: RDD<[K, V]>,
  other: RDD<[K, W]>,
  how: 'inner' | 'left' | 'right' | 'full',
  opts: ShuffleOptions<unknown> | undefined,
): RDD<[K, R]> {
  const grouped = cogroup(rdd, other, opts) as RDD<[K, [unknown[], unknown[]]]>;
  return grouped.flatMapValues(builtin.joinValues, { env: { how } }) as RDD<[K, R]>;
}

export type { UserFn };
