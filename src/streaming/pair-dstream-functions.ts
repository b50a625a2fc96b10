// Spark's PairDStreamFunctions: the methods of a DStream of [key, value] pairs. DStream
// extends this class, so the surface stays one class; each method's `this: DStream<[K, V]>`
// makes it a type error on any other stream, as the pair methods of RDD are. Keyed results
// are hash-partitioned by defaultParallelism unless numPartitions or a partitioner is given
// (a number where Spark takes numPartitions positionally, as on RDDs).

import type { FnOptions, UserFn } from '../rdd/user-function.js';
import type { PartitionOptions, ShuffleOptions } from '../rdd/pair-functions.js';
import type { DStream, MapWithStateDStream } from './dstream.js';
import type { StateSpec } from './state-spec.js';
import * as ops from './dstream-ops.js';
import * as pairOps from './pair-dstream-ops.js';
import * as windowOps from './window-ops.js';

export class PairDStreamFunctions<T> {
  /** @internal Phantom field tying T to the instance for type checks. */
  declare readonly __pairRecordType?: T;

  mapValues<K, V, U, E = undefined>(
    this: DStream<[K, V]>,
    f: UserFn<[V, E], U>,
    opts?: FnOptions<E>,
  ): DStream<[K, U]> {
    return ops.rddOp(this, 'mapValues', f, opts, (rdd) => rdd.mapValues(f, opts));
  }
  flatMapValues<K, V, U, E = undefined>(
    this: DStream<[K, V]>,
    f: UserFn<[V, E], Iterable<U>>,
    opts?: FnOptions<E>,
  ): DStream<[K, U]> {
    return ops.rddOp(this, 'flatMapValues', f, opts, (rdd) => rdd.flatMapValues(f, opts));
  }
  groupByKey<K, V>(this: DStream<[K, V]>, opts?: number | PartitionOptions): DStream<[K, V[]]> {
    return pairOps.groupByKey(this, opts);
  }
  reduceByKey<K, V, E = undefined>(
    this: DStream<[K, V]>,
    f: UserFn<[V, V, E], V>,
    opts?: number | ShuffleOptions<E>,
  ): DStream<[K, V]> {
    return pairOps.reduceByKey(this, f, opts);
  }
  combineByKey<K, V, C, E = undefined>(
    this: DStream<[K, V]>,
    createCombiner: UserFn<[V, E], C>,
    mergeValue: UserFn<[C, V, E], C>,
    mergeCombiners: UserFn<[C, C, E], C>,
    opts?: number | ShuffleOptions<E>,
  ): DStream<[K, C]> {
    return pairOps.combineByKey(this, createCombiner, mergeValue, mergeCombiners, opts);
  }

  // ---- two streams, batch by batch ----------------------------------------------------------

  join<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    opts?: number | PartitionOptions,
  ): DStream<[K, [V, W]]> {
    return pairOps.join(this, other, 'inner', opts);
  }
  leftOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    opts?: number | PartitionOptions,
  ): DStream<[K, [V, W | undefined]]> {
    return pairOps.join(this, other, 'left', opts);
  }
  rightOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    opts?: number | PartitionOptions,
  ): DStream<[K, [V | undefined, W]]> {
    return pairOps.join(this, other, 'right', opts);
  }
  fullOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    opts?: number | PartitionOptions,
  ): DStream<[K, [V | undefined, W | undefined]]> {
    return pairOps.join(this, other, 'full', opts);
  }
  cogroup<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    opts?: number | PartitionOptions,
  ): DStream<[K, [V[], W[]]]> {
    return pairOps.cogroup(this, other, opts);
  }

  // ---- windows ------------------------------------------------------------------------------

  reduceByKeyAndWindow<K, V, E = undefined>(
    this: DStream<[K, V]>,
    f: UserFn<[V, V, E], V>,
    invF: UserFn<[V, V, E], V> | undefined,
    windowMs: number,
    slideMs: number = this.slideDurationMs,
    opts?: windowOps.ReduceWindowOptions<K, V, E>,
  ): DStream<[K, V]> {
    return windowOps.reduceByKeyAndWindow(this, f, invF, windowMs, slideMs, opts);
  }
  groupByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    windowMs: number,
    slideMs: number = this.slideDurationMs,
    opts?: number | PartitionOptions,
  ): DStream<[K, V[]]> {
    return windowOps.groupByKeyAndWindow(this, windowMs, slideMs, opts);
  }

  // ---- state --------------------------------------------------------------------------------

  updateStateByKey<K, V, S, E = undefined>(
    this: DStream<[K, V]>,
    f: UserFn<[V[], S | undefined, E], S | undefined>,
    opts?: pairOps.UpdateStateOptions<K, S, E>,
  ): DStream<[K, S]> {
    return pairOps.updateStateByKey(this, f, opts);
  }
  mapWithState<K, V, S, R, E = undefined>(
    this: DStream<[K, V]>,
    spec: StateSpec<K, V, S, R, E>,
  ): MapWithStateDStream<K, S, R> {
    return pairOps.mapWithState(this, spec);
  }
}
