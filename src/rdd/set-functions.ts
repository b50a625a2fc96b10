// Spark's set operations on RDDs, built on cogroup as Spark builds them: intersection keeps the
// records present on both sides (once each), subtract keeps this RDD's records absent from the
// other (duplicates kept), subtractByKey keeps the pairs whose key the other lacks.

import { toNullValue } from './builtin-functions.js';
import { checkOtherRDD } from './method-options.js';
import { cogroup } from './pair-functions.js';
import { inBoth, leftOnly } from './parity-builtins.js';
import type { RDD } from './rdd.js';

export function intersection<T>(rdd: RDD<T>, other: RDD<T>, rawOpts: unknown): RDD<T> {
  checkOtherRDD('rdd.intersection', rdd, other);
  const grouped = cogroup(
    rdd.map(toNullValue),
    other.map(toNullValue),
    rawOpts,
    'rdd.intersection',
  ) as RDD<[T, [unknown[], unknown[]]]>;
  return grouped.filter(inBoth).keys();
}

export function subtractByKey<K, V, W>(
  rdd: RDD<[K, V]>,
  other: RDD<[K, W]>,
  rawOpts: unknown,
  method = 'rdd.subtractByKey',
): RDD<[K, V]> {
  checkOtherRDD(method, rdd, other);
  const grouped = cogroup<K, V, W>(rdd, other, rawOpts, method);
  return grouped.flatMapValues<K, [V[], W[]], V>(leftOnly as (g: [V[], W[]]) => V[]);
}

export function subtract<T>(rdd: RDD<T>, other: RDD<T>, rawOpts: unknown): RDD<T> {
  checkOtherRDD('rdd.subtract', rdd, other);
  return subtractByKey<T, null, null>(
    rdd.map<[T, null]>(toNullValue),
    other.map<[T, null]>(toNullValue),
    rawOpts,
    'rdd.subtract',
  ).keys();
}
