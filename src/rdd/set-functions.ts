// Spark's set operations on RDDs, built on cogroup as Spark builds them: intersection keeps the
// records present on both sides (once each), subtract keeps this RDD's records absent from the
// other (duplicates kept), subtractByKey keeps the pairs whose key the other lacks.

import { errors } from '../shared/errors.js';
import { toNullValue } from './builtin-functions.js';
import { cogroup } from './pair-functions.js';
import { inBoth, leftOnly } from './parity-builtins.js';
import type { RDD } from './rdd.js';

function checkOther(method: string, rdd: RDD<unknown>, other: unknown): void {
  if (!rdd.isRDD(other)) throw errors.invalidArgument(`${method} other`, 'an RDD', other);
  if (other.context !== rdd.context)
    throw errors.invalidArgument(`${method} other`, 'an RDD of this Context', other);
}

export function intersection<T>(rdd: RDD<T>, other: RDD<T>, rawOpts: unknown): RDD<T> {
  checkOther('rdd.intersection', rdd, other);
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
  checkOther(method, rdd, other);
  const grouped = cogroup<K, V, W>(rdd, other, rawOpts, method);
  return grouped.flatMapValues<K, [V[], W[]], V>(leftOnly as (g: [V[], W[]]) => V[]);
}

export function subtract<T>(rdd: RDD<T>, other: RDD<T>, rawOpts: unknown): RDD<T> {
  checkOther('rdd.subtract', rdd, other);
  return subtractByKey<T, null, null>(
    rdd.map<[T, null]>(toNullValue),
    other.map<[T, null]>(toNullValue),
    rawOpts,
    'rdd.subtract',
  ).keys();
}
