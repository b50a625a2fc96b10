// Smaller RDD methods added for Spark parity, each in terms of existing operations: isEmpty,
// max/min (top/takeOrdered of one), groupBy (keyBy + groupByKey), zipWithUniqueId (a narrow
// op), pipe, toLocalIterator (one job per partition) and the pair actions collectAsMap and
// reduceByKeyLocally.

import { errors } from '../shared/errors.js';
import { keyOf } from '../shared/keys.js';
import { SHUFFLE_FN_FIELDS, resolveMethodOptions } from './method-options.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import { mapOp } from './narrow-transformations.js';
import { groupByKey, reduceByKey } from './pair-functions.js';
import { uniqueIds } from './parity-builtins.js';
import type { RDD } from './rdd.js';
import { planFunction } from './user-function.js';
import * as actions from './actions.js';

export async function isEmpty(rdd: RDD<unknown>): Promise<boolean> {
  return rdd.getNumPartitions() === 0 || (await rdd.take(1)).length === 0;
}

/** Spark's max/min: the largest/smallest by the ordering top and takeOrdered take. */
export async function extreme<T>(
  rdd: RDD<T>,
  which: 'max' | 'min',
  order: unknown,
  opts: unknown,
): Promise<T> {
  const found = await actions.takeOrdered(rdd, 1, order, opts, which === 'max', `rdd.${which}`);
  if (found.length === 0)
    throw errors.unsupported(`${which}() on an empty collection: RDD ${rdd.id} has no records`, {
      rddId: rdd.id,
    });
  return found[0] as T;
}

export function groupBy<T, K>(rdd: RDD<T>, f: unknown, rawOpts: unknown): RDD<[K, T[]]> {
  const method = 'rdd.groupBy';
  const opts = resolveMethodOptions(method, rawOpts, SHUFFLE_FN_FIELDS);
  const keyed = mapOp<[K, T]>(
    rdd,
    'keyBy',
    f,
    opts.env === undefined ? {} : { env: opts.env },
    method,
  );
  const { numPartitions, partitioner } = opts;
  return groupByKey(keyed, {
    ...(numPartitions === undefined ? {} : { numPartitions }),
    ...(partitioner === undefined ? {} : { partitioner }),
  });
}

export function zipWithUniqueId<T>(rdd: RDD<T>): RDD<[T, number]> {
  const env = { n: Math.max(1, rdd.getNumPartitions()) };
  const op = {
    kind: 'mapPartitionsWithIndex',
    f: planFunction(uniqueIds, { env }, 'rdd.zipWithUniqueId'),
  } as const;
  return rdd.derive(new MapPartitionsRDD(rdd, op, false));
}

/** A string splits on whitespace (Spark's pipe(command: String)); an array is the argv. */
export function pipe(rdd: RDD<unknown>, command: unknown): RDD<string> {
  const argv =
    typeof command === 'string'
      ? command.trim().split(/\s+/)
      : Array.isArray(command) && command.every((a) => typeof a === 'string')
        ? command
        : undefined;
  if (argv === undefined || argv.length === 0 || argv[0] === '')
    throw errors.invalidArgument('rdd.pipe command', 'a command line or an argv array', command);
  return rdd.derive(new MapPartitionsRDD(rdd, { kind: 'pipe', argv }, false));
}

/** One job per partition, run only when the iterator reaches it (Spark's toLocalIterator). */
export async function* toLocalIterator<T>(rdd: RDD<T>): AsyncGenerator<T, void, undefined> {
  for (let i = 0; i < rdd.getNumPartitions(); i++) {
    const [part] = await rdd.context.runJob<T[]>(rdd, { kind: 'collect' }, [i]);
    if (part !== undefined) yield* part;
  }
}

/** Spark's collectAsMap: one entry per key by value; a later value of a key replaces an earlier. */
export async function collectAsMap<K, V>(rdd: RDD<[K, V]>): Promise<Map<K, V>> {
  const byKey = new Map<unknown, [K, V]>();
  for (const record of await rdd.collect()) {
    // Records are checked here, on the main thread: a number destructured as [k, v] threw a TypeError.
    if (!Array.isArray(record) || record.length < 2)
      throw errors.invalidArgument('rdd.collectAsMap record', 'a [key, value] pair', record);
    const [k, v] = record;
    const mk = keyOf(k);
    const seen = byKey.get(mk);
    if (seen === undefined) byKey.set(mk, [k, v]);
    else seen[1] = v;
  }
  return new Map([...byKey.values()]);
}

/** reduceByKey's result as a Map on the main thread (Spark's reduceByKeyLocally). */
export function reduceByKeyLocally<K, V>(
  rdd: RDD<[K, V]>,
  f: unknown,
  opts: unknown,
): Promise<Map<K, V>> {
  const method = 'rdd.reduceByKeyLocally';
  const resolved = resolveMethodOptions(method, opts, ['env']);
  return collectAsMap(reduceByKey(rdd, f, resolved, method));
}
