// The options argument of every RDD method, resolved in one place: a number where Spark takes
// numPartitions positionally, or an options object whose every key is known to the method
// called. A typo ({ numPartitons: 3 }) is refused naming the key and the method, never ignored.

import { errors } from '../shared/errors.js';
import { positiveInt } from '../options.js';
import { isUserPartitioner, type Partitioner } from './partitioner.js';
import type { RDD } from './rdd.js';

// filterFunc and initialRDD (streaming's window and state options) are checked by their callers.
export type OptionField =
  | 'env'
  | 'numPartitions'
  | 'partitioner'
  | 'preservesPartitioning'
  | 'key'
  | 'keyfunc'
  | 'depth'
  | 'filterFunc'
  | 'initialRDD';

export interface MethodOptions {
  env?: unknown;
  numPartitions?: number;
  partitioner?: Partitioner;
  preservesPartitioning?: boolean;
  key?: unknown;
  keyfunc?: unknown;
  depth?: number;
}

/** The fields each kind of method accepts (Spark's parameters, plus env for user functions). */
export const FN_FIELDS: readonly OptionField[] = ['env'];
export const PARTITION_FIELDS: readonly OptionField[] = ['numPartitions', 'partitioner'];
export const SHUFFLE_FN_FIELDS: readonly OptionField[] = ['numPartitions', 'partitioner', 'env'];

/**
 * Validates `arg` for `method` (as the user wrote it, e.g. 'rdd.sortBy'): undefined, a number
 * when the method takes numPartitions, or a plain options object with only `fields`.
 */
export function resolveMethodOptions(
  method: string,
  arg: unknown,
  fields: readonly OptionField[],
  argName = 'opts',
): MethodOptions {
  if (arg === undefined) return {};
  const takesCount = fields.includes('numPartitions');
  if (typeof arg === 'number' && takesCount) {
    return { numPartitions: positiveInt(`${method} numPartitions`, arg) };
  }
  // Scala's reduceByKey(partitioner, f): API.md takes a number or the options object here, so
  // say where a partitioner goes (it read as an options object with an unknown key 'kind').
  if (isUserPartitioner(arg)) {
    const accepted = takesCount
      ? 'a number of partitions or an options object'
      : 'an options object';
    const expected = fields.includes('partitioner')
      ? `${accepted}; pass a partitioner as { partitioner }: ${method}(..., { partitioner })`
      : `${accepted} { ${fields.join(', ')} }; ${method} takes no partitioner`;
    throw errors.invalidArgument(`${method} ${argName}`, expected, arg);
  }
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
    const expected = takesCount
      ? `a number of partitions or an options object { ${fields.join(', ')} }`
      : `an options object { ${fields.join(', ')} }`;
    throw errors.invalidArgument(`${method} ${argName}`, expected, arg);
  }
  const given = arg as Record<string, unknown>;
  refuseUnknownKeys(method, given, fields, argName);
  const out: MethodOptions = {};
  if (given.env !== undefined) out.env = given.env;
  if (given.key !== undefined) out.key = given.key;
  if (given.keyfunc !== undefined) out.keyfunc = given.keyfunc;
  if (given.depth !== undefined) out.depth = positiveInt(`${method} opts.depth`, given.depth);
  if (given.numPartitions !== undefined)
    out.numPartitions = positiveInt(`${method} opts.numPartitions`, given.numPartitions);
  if (given.partitioner !== undefined) out.partitioner = partitioner(method, given.partitioner);
  // Spark's methods take one or the other; with both, one was silently ignored.
  if (out.numPartitions !== undefined && out.partitioner !== undefined) {
    throw errors.invalidArgument(
      `${method} ${argName}`,
      'opts.numPartitions or opts.partitioner, not both',
      `numPartitions ${out.numPartitions} and a partitioner of ${out.partitioner.numPartitions}`,
    );
  }
  if (given.preservesPartitioning !== undefined) {
    const p = given.preservesPartitioning;
    if (typeof p !== 'boolean')
      throw errors.invalidArgument(`${method} opts.preservesPartitioning`, 'a boolean', p);
    out.preservesPartitioning = p;
  }
  return out;
}

/**
 * Refuses any key of an options object `given` that is not in `fields`: for options objects
 * whose fields their method validates itself (ssc.stop, StateSpec.function).
 */
export function refuseUnknownKeys(
  method: string,
  given: unknown,
  fields: readonly string[],
  argName = 'opts',
): void {
  if (given === undefined) return;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw errors.invalidArgument(
      `${method} ${argName}`,
      `an options object { ${fields.join(', ')} }`,
      given,
    );
  }
  for (const key of Object.keys(given)) {
    if (!fields.includes(key)) {
      throw errors.invalidArgument(
        `${method} ${argName}.${key}`,
        `one of the options of ${method}: ${fields.join(', ')}`,
        key,
      );
    }
  }
}

/**
 * The other RDD of a two-RDD method (joins, cartesian, set operations): an RDD of `rdd`'s
 * Context, since a job runs on one context's pool and scratch (another may be stopped).
 */
export function checkOtherRDD(
  method: string,
  rdd: RDD<unknown>,
  other: unknown,
  expected = 'an RDD',
): asserts other is RDD<unknown> {
  if (!rdd.isRDD(other)) throw errors.invalidArgument(`${method} other`, expected, other);
  if (other.context !== rdd.context)
    throw errors.invalidArgument(`${method} other`, 'an RDD of this Context', other);
}

function partitioner(method: string, p: unknown): Partitioner {
  if (!isUserPartitioner(p)) {
    throw errors.invalidArgument(
      `${method} opts.partitioner`,
      'a HashPartitioner, RangePartitioner or new Partitioner(numPartitions, getPartition)',
      p,
    );
  }
  return p;
}
