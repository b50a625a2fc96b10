// Builders for the narrow transformations of RDD: each validates its arguments
// at the call (naming the bad one), ships the user function, and wraps a new
// RddImpl in an RDD. No work runs here.

import { errors } from '../shared/errors.js';
import type { NarrowOp } from '../shared/protocol.js';
import { positiveInt } from '../options.js';
import { CartesianRDD, CoalescedRDD, MapPartitionsRDD, ZippedWithIndexRDD } from './narrow-rdds.js';
import { PositionPartitioner } from './partitioner.js';
import { shuffle as shuffleTo } from './pair-functions.js';
import type { RDD } from './rdd.js';
import { planFunction } from './user-function.js';
import { checkOtherRDD, FN_FIELDS, resolveMethodOptions } from './method-options.js';
import { positionKeyed } from './builtin-functions.js';
import { checkFraction } from './sampling.js';

type FnOpKind =
  | 'map'
  | 'filter'
  | 'flatMap'
  | 'keyBy'
  | 'mapValues'
  | 'flatMapValues'
  | 'mapPartitions'
  | 'mapPartitionsWithIndex';

/** Ops that keep keys where they were, so the parent's partitioner still holds. */
const PRESERVING = new Set<string>(['filter', 'mapValues', 'flatMapValues']);

const PARTITIONS_FIELDS = ['env', 'preservesPartitioning'] as const;

/** `method` is what the user called, when another method builds on this op (sortBy on keyBy). */
export function mapOp<R>(
  rdd: RDD<unknown>,
  kind: FnOpKind,
  f: unknown,
  rawOpts: unknown,
  method = `rdd.${kind}`,
): RDD<R> {
  const byPartition = kind === 'mapPartitions' || kind === 'mapPartitionsWithIndex';
  const opts = resolveMethodOptions(method, rawOpts, byPartition ? PARTITIONS_FIELDS : FN_FIELDS);
  const op = { kind, f: planFunction(f, opts, method) } as NarrowOp;
  const preserves = PRESERVING.has(kind) || opts.preservesPartitioning === true;
  return rdd.derive<R>(new MapPartitionsRDD(rdd, op, preserves));
}

export function simpleOp<R>(rdd: RDD<unknown>, kind: 'glom' | 'keys' | 'values'): RDD<R> {
  return rdd.derive<R>(new MapPartitionsRDD(rdd, { kind }, false));
}

export function sample<T>(
  rdd: RDD<T>,
  withReplacement: boolean,
  fraction: number,
  seed?: number,
): RDD<T> {
  if (typeof withReplacement !== 'boolean')
    throw errors.invalidArgument('rdd.sample withReplacement', 'a boolean', withReplacement);
  checkFraction('rdd.sample fraction', fraction, withReplacement);
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    throw errors.invalidArgument('rdd.sample seed', 'an integer', seed);
  }
  const op: NarrowOp = { kind: 'sample', withReplacement, fraction, seed: seed ?? 0x5eed };
  return rdd.derive<T>(new MapPartitionsRDD(rdd, op, true));
}

export function zipWithIndex<T>(rdd: RDD<T>): RDD<[T, number]> {
  const ctx = rdd.context;
  return rdd.derive(
    new ZippedWithIndexRDD(rdd, (parent) => ctx.runJob<number>(parent, { kind: 'count' })),
  );
}

/** repartition is coalesce with a shuffle, and names itself in errors. */
export function coalesce<T>(
  rdd: RDD<T>,
  numPartitions: number,
  shuffle: boolean,
  method: 'rdd.coalesce' | 'rdd.repartition' = 'rdd.coalesce',
): RDD<T> {
  positiveInt(`${method} numPartitions`, numPartitions);
  if (typeof shuffle !== 'boolean')
    throw errors.invalidArgument(`${method} shuffle`, 'a boolean', shuffle);
  if (!shuffle) return rdd.derive<T>(new CoalescedRDD(rdd, numPartitions));
  // Spark's coalesce(shuffle = true): spread records round-robin from a per-partition start.
  const keyed = rdd.mapPartitionsWithIndex<[number, T], { n: number }>(positionKeyed, {
    env: { n: numPartitions },
  });
  return shuffleTo<[number, T]>(
    keyed,
    new PositionPartitioner(numPartitions),
    undefined,
    false,
  ).values();
}

/** rdd.union(other) is ctx.union([rdd, other]), with errors naming rdd.union's argument. */
export function union<T>(rdd: RDD<T>, other: unknown): RDD<T> {
  checkOtherRDD('rdd.union', rdd, other);
  return rdd.context.union([rdd, other as RDD<T>]);
}

export function cartesian<T, U>(rdd: RDD<T>, other: RDD<U>): RDD<[T, U]> {
  checkOtherRDD('rdd.cartesian', rdd, other);
  return rdd.derive(new CartesianRDD(rdd, other));
}
