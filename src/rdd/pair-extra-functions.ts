// Pair RDD methods added for Spark parity (PairRDDFunctions): cogroup with up to three others
// and groupWith with any number (an argument is never dropped), and sortByKey's keyfunc
// (PySpark). Built on the existing shuffles; join and cogroup internals stay in pair-functions.

import { errors } from '../shared/errors.js';
import { PARTITION_FIELDS, resolveMethodOptions, type MethodOptions } from './method-options.js';
import { defaultPartitioner } from './pair-functions.js';
import type { RDD } from './rdd.js';
import { CoGroupedRDD } from './shuffled-rdds.js';
import type { UserFn } from './user-function.js';

export interface SortByKeyOptions<K, E> {
  numPartitions?: number;
  /** PySpark's keyfunc: records are ordered by keyfunc(key, env) instead of the key. */
  keyfunc?: UserFn<[K, E], unknown>;
  env?: E;
}

/** Spark's cogroup takes at most three other RDDs; groupWith takes any number. */
const COGROUP_MAX_OTHERS = 3;

/**
 * rdd.cogroup(o1, o2?, o3?, opts?) and rdd.groupWith(o1, ...): every RDD argument is grouped;
 * one trailing non-RDD argument is the options (a number of partitions or an object).
 */
export function cogroupAll(
  rdd: RDD<[unknown, unknown]>,
  args: unknown[],
  method: 'rdd.cogroup' | 'rdd.groupWith',
): RDD<[unknown, unknown[][]]> {
  const others: RDD<unknown>[] = [];
  let i = 0;
  for (; i < args.length && rdd.isRDD(args[i]); i++) others.push(args[i] as RDD<unknown>);
  if (others.length === 0)
    throw errors.invalidArgument(`${method} other`, 'an RDD of [key, value] pairs', args[0]);
  if (method === 'rdd.cogroup' && others.length > COGROUP_MAX_OTHERS) {
    throw errors.invalidArgument(
      `${method} others`,
      `at most ${COGROUP_MAX_OTHERS} other RDDs, as Spark's cogroup (rdd.groupWith takes any number)`,
      `${others.length} RDDs`,
    );
  }
  const rest = args.slice(i);
  let opts: MethodOptions = {};
  if (method === 'rdd.cogroup' && rest.length === 1)
    opts = resolveMethodOptions(method, rest[0], PARTITION_FIELDS);
  else if (rest.length > 0) {
    throw errors.invalidArgument(
      `${method} argument ${i + 1}`,
      method === 'rdd.cogroup'
        ? 'an RDD of [key, value] pairs, or the options after the last RDD'
        : 'an RDD of [key, value] pairs',
      rest[0],
    );
  }
  others.forEach((o, n) => {
    if (o.context !== rdd.context)
      throw errors.invalidArgument(`${method} argument ${n + 1}`, 'an RDD of this Context', o);
  });
  const all = [rdd, ...others];
  const partitioner = defaultPartitioner(opts, ...all);
  const ctx = rdd.context;
  return rdd.derive(new CoGroupedRDD(all, partitioner, () => ctx.newShuffleId()));
}
