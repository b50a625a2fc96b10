// The RDD methods added for Spark parity, as thin delegations to the modules that build them.
// RDD extends this class, so the surface stays one class while rdd.ts stays small; methods that
// only make sense on pairs or numbers say so with a `this` type, as rdd.ts's pair methods do.

import type { RDD } from './rdd.js';
import type { PartitionOptions } from './pair-functions.js';
import * as pairExtra from './pair-extra-functions.js';
import * as numeric from './numeric-functions.js';
import type { StatCounter } from './numeric-functions.js';

export class ExtraMethods<T> {
  /** @internal Phantom field tying T to the instance for type checks. */
  declare readonly __extraRecordType?: T;

  // ---- pair transformations ---------------------------------------------------------

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
