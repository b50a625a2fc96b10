// The RDD methods added for Spark parity, as thin delegations to the modules that build them.
// RDD extends this class, so the surface stays one class while rdd.ts stays small; methods that
// only make sense on pairs or numbers say so with a `this` type, as rdd.ts's pair methods do.

import type { RDD } from './rdd.js';
import type { PartitionOptions, ShuffleOptions } from './pair-functions.js';
import type { FnOptions, UserFn } from './user-function.js';
import type { KeyOrdering, KeyValue } from './ordering.js';
import * as more from './more-functions.js';
import * as sets from './set-functions.js';
import * as sampling from './sampling.js';
import * as tree from './tree-aggregate.js';
import * as zipped from './zipped-rdds.js';
import * as objectFiles from './object-files.js';
import * as keySampling from './key-sampling.js';
import * as approx from './approx-distinct.js';
import * as approxCount from './approx-count.js';
import type { BoundedDouble } from './approx-count.js';
import * as approxStats from './approx-stats.js';
import * as pairExtra from './pair-extra-functions.js';
import * as numeric from './numeric-functions.js';
import type { StatCounter } from './numeric-functions.js';

export class ExtraMethods<T> {
  /** @internal Phantom field tying T to the instance for type checks. */
  declare readonly __extraRecordType?: T;

  // ---- transformations ---------------------------------------------------------------

  /** Ids k * n + i for the k-th record of partition i of n: unique, no job needed. */
  zipWithUniqueId(this: RDD<T>): RDD<[T, number]> {
    return more.zipWithUniqueId(this);
  }
  groupBy<K, E = undefined>(
    this: RDD<T>,
    f: UserFn<[T, E], K>,
    opts?: number | ShuffleOptions<E>,
  ): RDD<[K, T[]]> {
    return more.groupBy(this, f, opts);
  }
  /** The records in both RDDs, each once (Spark's intersection). */
  intersection(this: RDD<T>, other: RDD<T>, opts?: number | PartitionOptions): RDD<T> {
    return sets.intersection(this, other, opts);
  }
  /** The records of this RDD not in other, duplicates kept (Spark's subtract). */
  subtract(this: RDD<T>, other: RDD<T>, opts?: number | PartitionOptions): RDD<T> {
    return sets.subtract(this, other, opts);
  }
  /** Disjoint random splits with these relative weights; together they hold every record. */
  randomSplit(this: RDD<T>, weights: number[], seed?: number): RDD<T>[] {
    return sampling.randomSplit(this, weights, seed);
  }
  /** Each partition through a child process (no shell): records as lines in, lines out. */
  pipe(this: RDD<T>, command: string | string[]): RDD<string> {
    return more.pipe(this, command);
  }

  /** Pairs the i-th records of the two RDDs (same partitions, same counts in each). */
  zip<U>(this: RDD<T>, other: RDD<U>): RDD<[T, U]> {
    return zipped.zip(this, other);
  }
  /** f receives partition i of this RDD and of each other RDD, as iterators, then env. */
  zipPartitions<U, R, E = undefined>(
    this: RDD<T>,
    other: RDD<U>,
    f: UserFn<[Iterable<T>, Iterable<U>, E], Iterable<R>>,
    opts?: FnOptions<E>,
  ): RDD<R>;
  zipPartitions<U, V, R, E = undefined>(
    this: RDD<T>,
    other1: RDD<U>,
    other2: RDD<V>,
    f: UserFn<[Iterable<T>, Iterable<U>, Iterable<V>, E], Iterable<R>>,
    opts?: FnOptions<E>,
  ): RDD<R>;
  zipPartitions<R>(this: RDD<T>, ...args: unknown[]): RDD<R> {
    return zipped.zipPartitions(this, args);
  }

  // ---- actions -----------------------------------------------------------------------

  isEmpty(this: RDD<T>): Promise<boolean> {
    return more.isEmpty(this);
  }
  /** The largest record, ordered as top's argument says; fails on an empty RDD. */
  max<E = undefined>(
    this: RDD<T>,
    order?: UserFn<[T, T, E], number> | KeyOrdering<T, E>,
    opts?: FnOptions<E>,
  ): Promise<T>;
  max(this: RDD<T>, key: (record: T) => KeyValue): Promise<T>;
  max(this: RDD<T>, order?: unknown, opts?: unknown): Promise<T> {
    return more.extreme(this, 'max', order, opts);
  }
  /** The smallest record, ordered as takeOrdered's argument says; fails on an empty RDD. */
  min<E = undefined>(
    this: RDD<T>,
    order?: UserFn<[T, T, E], number> | KeyOrdering<T, E>,
    opts?: FnOptions<E>,
  ): Promise<T>;
  min(this: RDD<T>, key: (record: T) => KeyValue): Promise<T>;
  min(this: RDD<T>, order?: unknown, opts?: unknown): Promise<T> {
    return more.extreme(this, 'min', order, opts);
  }
  /** num records drawn at random (seeded: the same for a seed whatever the worker count). */
  takeSample(this: RDD<T>, withReplacement: boolean, num: number, seed?: number): Promise<T[]> {
    return sampling.takeSample(this, withReplacement, num, seed);
  }
  /** aggregate, with the partial results combined in a tree of `depth` levels (default 2). */
  treeAggregate<U, E = undefined>(
    this: RDD<T>,
    zero: U,
    seqOp: UserFn<[U, T, E], U>,
    combOp: UserFn<[U, U, E], U>,
    opts?: number | (FnOptions<E> & { depth?: number }),
  ): Promise<U> {
    return tree.treeAggregate(this, zero, seqOp, combOp, opts);
  }
  treeReduce<E = undefined>(
    this: RDD<T>,
    f: UserFn<[T, T, E], T>,
    opts?: number | (FnOptions<E> & { depth?: number }),
  ): Promise<T> {
    return tree.treeReduce(this, f, opts);
  }
  /** The count if it finishes within timeoutMs (exact), else Spark's estimate from the partitions counted. */
  countApprox(this: RDD<T>, timeoutMs: number, confidence?: number): Promise<BoundedDouble> {
    return approxCount.countApprox(this, timeoutMs, confidence);
  }
  /** The sum if it finishes within timeoutMs (exact), else Spark's SumEvaluator bound. */
  sumApprox(this: RDD<number>, timeoutMs: number, confidence?: number): Promise<BoundedDouble> {
    return approxStats.sumApprox(this, timeoutMs, confidence);
  }
  /** The mean if it finishes within timeoutMs (exact), else Spark's MeanEvaluator bound. */
  meanApprox(this: RDD<number>, timeoutMs: number, confidence?: number): Promise<BoundedDouble> {
    return approxStats.meanApprox(this, timeoutMs, confidence);
  }
  /** HyperLogLog estimate of the number of distinct records (Spark's, default relativeSD 0.05). */
  countApproxDistinct(this: RDD<T>, relativeSD?: number): Promise<number> {
    return approx.countApproxDistinct(this, relativeSD);
  }
  /** The records in order, computing one partition at a time (one job each, when reached). */
  toLocalIterator(this: RDD<T>): AsyncGenerator<T, void, undefined> {
    return more.toLocalIterator(this);
  }

  /** Records as they are, in checksummed part files; read back with ctx.objectFile(path). */
  saveAsObjectFile(this: RDD<T>, path: string | URL): Promise<void> {
    return objectFiles.saveAsObjectFile(this, path);
  }

  // ---- pair transformations ---------------------------------------------------------

  /** The pairs whose key is not in other (Spark's subtractByKey). */
  subtractByKey<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | PartitionOptions,
  ): RDD<[K, V]> {
    return sets.subtractByKey(this, other, opts);
  }

  /** Spark's cogroup: up to three other RDDs, then the options; groupWith takes any number. */
  cogroup<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | PartitionOptions,
  ): RDD<[K, [V[], W[]]]>;
  cogroup<K, V, W1, W2>(
    this: RDD<[K, V]>,
    other1: RDD<[K, W1]>,
    other2: RDD<[K, W2]>,
    opts?: number | PartitionOptions,
  ): RDD<[K, [V[], W1[], W2[]]]>;
  cogroup<K, V, W1, W2, W3>(
    this: RDD<[K, V]>,
    other1: RDD<[K, W1]>,
    other2: RDD<[K, W2]>,
    other3: RDD<[K, W3]>,
    opts?: number | PartitionOptions,
  ): RDD<[K, [V[], W1[], W2[], W3[]]]>;
  cogroup(this: RDD<[unknown, unknown]>, ...args: unknown[]): RDD<[unknown, unknown[][]]> {
    return pairExtra.cogroupAll(this, args, 'rdd.cogroup');
  }
  /** Spark's groupWith: cogroup with any number of other RDDs, default partitioning. */
  groupWith<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>): RDD<[K, [V[], W[]]]>;
  groupWith<K, V, W1, W2>(
    this: RDD<[K, V]>,
    other1: RDD<[K, W1]>,
    other2: RDD<[K, W2]>,
  ): RDD<[K, [V[], W1[], W2[]]]>;
  groupWith<K, V, W1, W2, W3>(
    this: RDD<[K, V]>,
    other1: RDD<[K, W1]>,
    other2: RDD<[K, W2]>,
    other3: RDD<[K, W3]>,
  ): RDD<[K, [V[], W1[], W2[], W3[]]]>;
  groupWith<K, V>(this: RDD<[K, V]>, ...others: RDD<[K, unknown]>[]): RDD<[K, unknown[][]]>;
  groupWith(this: RDD<[unknown, unknown]>, ...others: unknown[]): RDD<[unknown, unknown[][]]> {
    return pairExtra.cogroupAll(this, others, 'rdd.groupWith');
  }

  /** Each pair kept with its key's fraction (a Map, or an object for string keys). */
  sampleByKey<K, V>(
    this: RDD<[K, V]>,
    withReplacement: boolean,
    fractions: Map<K, number> | (K extends string ? Record<K, number> : never),
    seed?: number,
  ): RDD<[K, V]> {
    return keySampling.sampleByKey(this, withReplacement, fractions, seed);
  }
  /** The pairs whose key is in [lower, upper], in the engine's key order. */
  filterByRange<K, V>(this: RDD<[K, V]>, lower: K, upper: K): RDD<[K, V]> {
    return keySampling.filterByRange(this, lower, upper);
  }

  // ---- pair actions ------------------------------------------------------------------

  /** One entry per key (by value); a later value of a key replaces an earlier one. */
  collectAsMap<K, V>(this: RDD<[K, V]>): Promise<Map<K, V>> {
    return more.collectAsMap(this);
  }
  reduceByKeyLocally<K, V, E = undefined>(
    this: RDD<[K, V]>,
    f: UserFn<[V, V, E], V>,
    opts?: FnOptions<E>,
  ): Promise<Map<K, V>> {
    return more.reduceByKeyLocally(this, f, opts);
  }

  // ---- numeric actions (RDD<number> only, Spark's DoubleRDDFunctions) ----------------

  sum(this: RDD<number>): Promise<number> {
    return numeric.sum(this);
  }
  /** count, mean, sum, max, min, variance, sampleVariance, stdev, sampleStdev in one pass. */
  stats(this: RDD<number>): Promise<StatCounter> {
    return numeric.stats(this);
  }
  mean(this: RDD<number>): Promise<number> {
    return numeric.stat(this, 'mean');
  }
  variance(this: RDD<number>): Promise<number> {
    return numeric.stat(this, 'variance');
  }
  sampleVariance(this: RDD<number>): Promise<number> {
    return numeric.stat(this, 'sampleVariance');
  }
  stdev(this: RDD<number>): Promise<number> {
    return numeric.stat(this, 'stdev');
  }
  sampleStdev(this: RDD<number>): Promise<number> {
    return numeric.stat(this, 'sampleStdev');
  }
  /** Even buckets from min to max: [bucket bounds, counts]. */
  histogram(this: RDD<number>, bucketCount: number): Promise<[number[], number[]]>;
  /** Counts per bucket [b_i, b_i+1), the last one closed [b_n-1, b_n]. */
  histogram(this: RDD<number>, buckets: number[], evenBuckets?: boolean): Promise<number[]>;
  histogram(
    this: RDD<number>,
    buckets: number | number[],
    evenBuckets?: boolean,
  ): Promise<[number[], number[]] | number[]> {
    return typeof buckets === 'number'
      ? numeric.histogramEven(this, buckets)
      : numeric.histogramOf(this, buckets, evenBuckets);
  }
}
