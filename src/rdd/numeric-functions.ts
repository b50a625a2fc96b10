// Spark's DoubleRDDFunctions on RDD<number>: sum, the StatCounter statistics and histogram.
// Statistics are merged per partition (Welford within a partition, Chan's merge across them),
// so they stay accurate on ill-conditioned data; a record that is not a number fails the job at
// once, naming the method called (the worker checks each record: ResultAction.numbersFor).

import { errors } from '../shared/errors.js';
import { positiveInt } from '../options.js';
import { aggregate } from './actions.js';
import {
  addCounts,
  histogramAdd,
  numberAdd,
  plus,
  statAdd,
  statMerge,
  type StatState,
} from './parity-builtins.js';
import type { RDD } from './rdd.js';

/** Spark's StatCounter: what stats() returns (an empty RDD has count 0 and NaN variances). */
export class StatCounter {
  readonly count: number;
  readonly mean: number;
  readonly sum: number;
  readonly max: number;
  readonly min: number;
  /** Population variance (divides by count), as Spark's variance. */
  readonly variance: number;
  /** Divides by count - 1; NaN below two values. */
  readonly sampleVariance: number;
  readonly stdev: number;
  readonly sampleStdev: number;

  /** @internal Built from the merged per-partition state. */
  constructor(s: StatState) {
    this.count = s.n;
    this.mean = s.mu;
    this.sum = s.n * s.mu;
    this.max = s.max;
    this.min = s.min;
    this.variance = s.n === 0 ? NaN : s.m2 / s.n;
    this.sampleVariance = s.n <= 1 ? NaN : s.m2 / (s.n - 1);
    this.stdev = Math.sqrt(this.variance);
    this.sampleStdev = Math.sqrt(this.sampleVariance);
  }

  toString(): string {
    return `(count: ${this.count}, mean: ${this.mean}, stdev: ${this.stdev}, max: ${this.max}, min: ${this.min})`;
  }
}

const emptyStats = (): StatState => ({ n: 0, mu: 0, m2: 0, max: -Infinity, min: Infinity });

export async function stats(rdd: RDD<number>, method = 'rdd.stats'): Promise<StatCounter> {
  const merged = await aggregate(rdd, emptyStats(), statAdd, statMerge, {}, method, 'numbers');
  return new StatCounter(merged);
}

export function sum(rdd: RDD<number>): Promise<number> {
  return aggregate(rdd, 0, numberAdd, plus, {}, 'rdd.sum', 'numbers');
}

type StatName = 'mean' | 'variance' | 'sampleVariance' | 'stdev' | 'sampleStdev';

export async function stat(rdd: RDD<number>, name: StatName): Promise<number> {
  return (await stats(rdd, `rdd.${name}`))[name];
}

/** Spark's histogram(buckets, evenBuckets): counts per bucket; evenBuckets changes nothing here. */
export async function histogramOf(
  rdd: RDD<number>,
  buckets: unknown,
  evenBuckets: unknown,
): Promise<number[]> {
  const method = 'rdd.histogram';
  if (evenBuckets !== undefined && typeof evenBuckets !== 'boolean')
    throw errors.invalidArgument(`${method} evenBuckets`, 'a boolean', evenBuckets);
  if (
    !Array.isArray(buckets) ||
    buckets.length < 2 ||
    !buckets.every(
      (b, i) => typeof b === 'number' && !Number.isNaN(b) && (i === 0 || b > buckets[i - 1]),
    )
  ) {
    throw errors.invalidArgument(
      `${method} buckets`,
      'at least two numbers in strictly increasing order',
      buckets,
    );
  }
  const zero = new Array<number>(buckets.length - 1).fill(0);
  return aggregate(rdd, zero, histogramAdd, addCounts, { env: { buckets } }, method, 'numbers');
}

/**
 * Spark allocates bucketCount + 1 bounds and a count per bucket, as here; every task also ships
 * and returns a count per bucket, so 1e7 buckets took a minute and 2e8 aborted the process (V8's
 * invalid size error).
 */
const MAX_EVEN_BUCKETS = 1_000_000;

/**
 * Spark's histogram(bucketCount): even buckets from min to max (one [min, min] bucket when they
 * are equal); an empty RDD, or one holding an infinity or NaN, has no such range.
 */
export async function histogramEven(
  rdd: RDD<number>,
  bucketCount: number,
): Promise<[number[], number[]]> {
  const method = 'rdd.histogram';
  if (positiveInt(`${method} bucketCount`, bucketCount) > MAX_EVEN_BUCKETS) {
    const most = MAX_EVEN_BUCKETS.toLocaleString('en-US');
    throw errors.invalidArgument(
      `${method} bucketCount`,
      `a positive integer of at most ${most}`,
      bucketCount,
    );
  }
  const s = await stats(rdd, method);
  if (!Number.isFinite(s.min) || !Number.isFinite(s.max)) {
    throw errors.unsupported(
      `rdd.histogram(${bucketCount}) on RDD ${rdd.id}: histogram on either an empty RDD or an RDD containing +/-Infinity or NaN`,
      { rddId: rdd.id },
    );
  }
  // Spark's [min, min] bucket holds every record (its binary search finds the first bound).
  if (s.min === s.max) return [[s.min, s.min], [s.count]];
  const buckets: number[] = [];
  const span = s.max - s.min;
  for (let i = 0; i < bucketCount; i++) buckets.push(s.min + (i * span) / bucketCount);
  buckets.push(s.max);
  return [buckets, await histogramOf(rdd, buckets, true)];
}
