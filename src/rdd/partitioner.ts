// Partitioners: which reduce partition a key goes to, as Spark's Partitioner.scala. They live on
// the main thread (rdd.partitioner, equals() to skip shuffles); workers get toPlan()'s plain
// data. A RangePartitioner's bounds are computed by the engine from a sample, then set once.
// `Partitioner` is both the type of every partitioner (a union, discriminated by `kind`) and,
// as a value, the class of custom ones: new Partitioner(n, getPartition), as a Spark user
// subclasses Partitioner.
import { errors } from '../shared/errors.js';
import { assertValidKey, compareKeys, hashKey } from '../shared/keys.js';
import {
  checkedPartition,
  rangePartition,
  type PartitionerPlan,
} from '../shared/partitioner-plan.js';
import type { FunctionPlan } from '../shared/protocol.js';
import { FunctionRef } from '../shipping/fn.js';
import { planFunction, type FnOptions, type UserFn } from './user-function.js';
import { checkConstructorArity } from '../method-arity.js';

export type Partitioner =
  HashPartitioner | RangePartitioner | PositionPartitioner | CustomPartitioner<unknown, unknown>;

function checkNumPartitions(numPartitions: unknown): number {
  if (typeof numPartitions !== 'number' || !Number.isInteger(numPartitions) || numPartitions < 1) {
    throw errors.invalidArgument('numPartitions', 'a positive integer', numPartitions);
  }
  return numPartitions;
}

export class HashPartitioner {
  readonly kind = 'hash';
  readonly numPartitions: number;

  constructor(numPartitions: number) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new HashPartitioner', arguments, 1);
    this.numPartitions = checkNumPartitions(numPartitions);
  }

  getPartition(key: unknown): number {
    return hashKey(key) % this.numPartitions;
  }

  equals(other: unknown): boolean {
    return other instanceof HashPartitioner && other.numPartitions === this.numPartitions;
  }

  toPlan(): PartitionerPlan {
    return { kind: 'hash', numPartitions: this.numPartitions };
  }
}

/**
 * What the engine samples: an RDD's handle (this module cannot import the class, which imports
 * it). An array of keys ([1, 2]) was accepted and failed the first job with a raw TypeError.
 */
function isRDDLike(x: unknown): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { getNumPartitions?: unknown }).getNumPartitions === 'function'
  );
}

/** The rdd of a RangePartitioner rebuilt with its bounds (a checkpoint's): nothing to sample. */
const BOUNDS_GIVEN = Object.freeze({});

/**
 * Departs from Spark on purpose: numPartitions stays as requested even when the sample yields
 * fewer bounds (Spark shrinks it to bounds.length + 1); trailing partitions are then empty, and
 * a shuffle's reduce side never changes size after it was planned.
 */
export class RangePartitioner {
  readonly kind = 'range';
  readonly numPartitions: number;
  /** The RDD whose keys are sampled for the bounds; the engine does the sampling. */
  readonly rdd: unknown;
  readonly ascending: boolean;
  #bounds: unknown[] | undefined;

  constructor(numPartitions: number, rdd: unknown, ascending = true) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new RangePartitioner', arguments, 3);
    this.numPartitions = checkNumPartitions(numPartitions);
    if (rdd !== BOUNDS_GIVEN && !isRDDLike(rdd))
      throw errors.invalidArgument('RangePartitioner rdd', 'an RDD', rdd);
    if (typeof ascending !== 'boolean')
      throw errors.invalidArgument('ascending', 'a boolean', ascending);
    this.rdd = rdd;
    this.ascending = ascending;
  }

  /** @internal A partitioner whose bounds are known, as a checkpoint records them. */
  static withBounds(
    numPartitions: number,
    bounds: unknown[],
    ascending: boolean,
  ): RangePartitioner {
    const p = new RangePartitioner(numPartitions, BOUNDS_GIVEN, ascending);
    p.setBounds(bounds);
    return p;
  }

  /** Sorted ascending, whatever `ascending` says; undefined until the engine sets them. */
  get bounds(): unknown[] | undefined {
    return this.#bounds;
  }

  setBounds(bounds: unknown[]): void {
    if (!Array.isArray(bounds) || bounds.length > this.numPartitions - 1) {
      throw errors.invalidArgument(
        'bounds',
        `an array of at most ${this.numPartitions - 1} keys`,
        bounds,
      );
    }
    bounds.forEach((b, i) => {
      assertValidKey(b, 'RangePartitioner.setBounds');
      if (i > 0 && compareKeys(bounds[i - 1], b) >= 0) {
        throw errors.invalidArgument('bounds', 'keys in strictly ascending order', bounds);
      }
    });
    if (this.#bounds !== undefined && !sameKeys(this.#bounds, bounds)) {
      throw errors.unsupported(
        'The bounds of a RangePartitioner are set once; these differ from the ones set',
      );
    }
    this.#bounds = [...bounds];
  }

  getPartition(key: unknown): number {
    return rangePartition(this.requireBounds('getPartition'), this.ascending, key);
  }

  equals(other: unknown): boolean {
    if (other === this) return true;
    if (
      !(other instanceof RangePartitioner) ||
      this.#bounds === undefined ||
      other.#bounds === undefined
    ) {
      return false; // before bounds are known only identity can say two are the same
    }
    return (
      other.numPartitions === this.numPartitions &&
      other.ascending === this.ascending &&
      sameKeys(other.#bounds, this.#bounds)
    );
  }

  toPlan(): PartitionerPlan {
    const bounds = this.requireBounds('toPlan');
    return {
      kind: 'range',
      numPartitions: this.numPartitions,
      bounds: [...bounds],
      ascending: this.ascending,
    };
  }

  /**
   * Spark's RangePartitioner.determineBounds, simplified: sort the sampled keys (weighted, 1
   * each by default) and take up to numPartitions - 1 distinct keys at even steps of weight.
   */
  static computeBounds(
    sampleKeys: unknown[],
    numPartitions: number,
    weights?: number[],
  ): unknown[] {
    checkNumPartitions(numPartitions);
    if (weights !== undefined && weights.length !== sampleKeys.length) {
      throw errors.invalidArgument('weights', `an array of ${sampleKeys.length} numbers`, weights);
    }
    for (const key of sampleKeys) assertValidKey(key, 'RangePartitioner.computeBounds');
    const candidates = sampleKeys.map((key, i) => ({ key, weight: weights?.[i] ?? 1 }));
    candidates.sort((a, b) => compareKeys(a.key, b.key));
    const total = candidates.reduce((sum, c) => sum + c.weight, 0);
    const step = total / numPartitions;
    const bounds: unknown[] = [];
    let cumulative = 0;
    let target = step;
    for (const { key, weight } of candidates) {
      if (bounds.length >= numPartitions - 1) break;
      cumulative += weight;
      if (cumulative < target) continue;
      // Skip duplicates: a bound equal to the previous one would make an empty partition.
      if (bounds.length === 0 || compareKeys(key, bounds[bounds.length - 1]) > 0) {
        bounds.push(key);
        target += step;
      }
    }
    return bounds;
  }

  private requireBounds(what: string): unknown[] {
    if (this.#bounds === undefined) {
      throw errors.unsupported(
        `RangePartitioner.${what}() called before its bounds were computed from a sample`,
      );
    }
    return this.#bounds;
  }
}

function sameKeys(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => compareKeys(x, b[i]) === 0);
}

/**
 * Internal, for repartition(): keys are positions in [0, numPartitions), dealt
 * round-robin by the map side, so partition = key (Spark relies on Int.hashCode
 * being the identity for the same effect).
 */
export class PositionPartitioner {
  readonly kind = 'position';
  readonly numPartitions: number;

  constructor(numPartitions: number) {
    this.numPartitions = checkNumPartitions(numPartitions);
  }

  getPartition(key: unknown): number {
    return (key as number) % this.numPartitions;
  }

  equals(other: unknown): boolean {
    return other instanceof PositionPartitioner && other.numPartitions === this.numPartitions;
  }

  toPlan(): PartitionerPlan {
    return { kind: 'position', numPartitions: this.numPartitions };
  }
}

// Method-style, so that parameters compare bivariantly (as UserFn's).
type LocalFn<K, E> = { bivarianceHack(key: K, env: E): unknown }['bivarianceHack'];

/**
 * A partitioner of the user's: numPartitions and getPartition(key, env), shipped to workers as
 * source like any user function (or named by fn()). getPartition must return an integer in
 * [0, numPartitions); anything else fails the task naming the partitioner and the key. As a
 * Spark Partitioner without its own equals(), it equals only itself: two RDDs partitioned by
 * the same instance are co-partitioned, and a join of them needs no shuffle.
 */
export class CustomPartitioner<K = unknown, E = undefined> {
  readonly kind = 'custom';
  readonly numPartitions: number;
  readonly #name: string;
  readonly #plan: FunctionPlan;
  readonly #local: LocalFn<K, E | undefined> | undefined;
  readonly #env: E | undefined;

  constructor(numPartitions: number, getPartition: UserFn<[K, E], number>, opts?: FnOptions<E>) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new Partitioner', arguments, 3);
    this.numPartitions = checkNumPartitions(numPartitions);
    this.#plan = planFunction(getPartition, opts, 'new Partitioner');
    this.#name =
      getPartition instanceof FunctionRef
        ? `Partitioner fn(${JSON.stringify(getPartition.module)}, ${JSON.stringify(getPartition.exportName)})`
        : `Partitioner ${getPartition.name || '(anonymous)'}`;
    this.#local = getPartition instanceof FunctionRef ? undefined : getPartition;
    this.#env = opts?.env;
  }

  /** False for fn(module, export): the main thread then cannot call it synchronously. */
  get isLocal(): boolean {
    return this.#local !== undefined;
  }

  /** The partition of `key`, computed on the main thread (lookup uses it). */
  getPartition(key: K): number {
    if (this.#local === undefined) {
      throw errors.unsupported(
        `${this.#name} was given by fn(module, exportName): its getPartition runs in workers only`,
      );
    }
    return checkedPartition(this.#local(key, this.#env), key, this.numPartitions, this.#name);
  }

  equals(other: unknown): boolean {
    return other === this;
  }

  toPlan(): PartitionerPlan {
    return { kind: 'custom', numPartitions: this.numPartitions, name: this.#name, f: this.#plan };
  }

  toString(): string {
    return `${this.#name} (${this.numPartitions} partitions)`;
  }
}

/** The class behind `new Partitioner(numPartitions, getPartition, opts?)` (see the header). */
export const Partitioner = CustomPartitioner;

/** A partitioner a user may pass to partitionBy and the shuffle methods' opts.partitioner. */
export function isUserPartitioner(
  p: unknown,
): p is HashPartitioner | RangePartitioner | CustomPartitioner<unknown, unknown> {
  return (
    p instanceof HashPartitioner || p instanceof RangePartitioner || p instanceof CustomPartitioner
  );
}
