// sampleByKey and filterByRange on pair RDDs (Spark's PairRDDFunctions.sampleByKey and
// OrderedRDDFunctions.filterByRange): arguments checked at the call, the work done by narrow
// worker ops that keep the parent's partitioning.

import { errors } from '../shared/errors.js';
import { assertValidKey } from '../shared/keys.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import type { RDD } from './rdd.js';

const DEFAULT_SEED = 0x5eed;

export function sampleByKey<K, V>(
  rdd: RDD<[K, V]>,
  withReplacement: unknown,
  fractions: unknown,
  seed: unknown,
): RDD<[K, V]> {
  const method = 'rdd.sampleByKey';
  if (typeof withReplacement !== 'boolean')
    throw errors.invalidArgument(`${method} withReplacement`, 'a boolean', withReplacement);
  const entries: [unknown, unknown][] =
    fractions instanceof Map
      ? [...(fractions as Map<unknown, unknown>)]
      : typeof fractions === 'object' && fractions !== null && !Array.isArray(fractions)
        ? Object.entries(fractions)
        : [];
  if (entries.length === 0)
    throw errors.invalidArgument(
      `${method} fractions`,
      'a Map or object of key -> fraction',
      fractions,
    );
  const checked = entries.map(([k, f]): [unknown, number] => {
    assertValidKey(k, method);
    if (typeof f !== 'number' || !(f >= 0) || (!withReplacement && f > 1))
      throw errors.invalidArgument(
        `${method} fractions`,
        withReplacement ? 'fractions >= 0' : 'fractions in [0, 1]',
        f,
      );
    return [k, f];
  });
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed)))
    throw errors.invalidArgument(`${method} seed`, 'an integer', seed);
  const op = {
    kind: 'sampleByKey',
    withReplacement,
    fractions: checked,
    seed: seed ?? DEFAULT_SEED,
  } as const;
  return rdd.derive(new MapPartitionsRDD(rdd, op, true));
}

export function filterByRange<K, V>(rdd: RDD<[K, V]>, lower: unknown, upper: unknown): RDD<[K, V]> {
  assertValidKey(lower, 'rdd.filterByRange lower');
  assertValidKey(upper, 'rdd.filterByRange upper');
  const op = { kind: 'filterByRange', lower, upper } as const;
  return rdd.derive(new MapPartitionsRDD(rdd, op, true));
}
