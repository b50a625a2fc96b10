// RDD<T>: the user's handle on a distributed dataset, living on the main thread.
// Transformations only build lineage; actions submit jobs through the Context.
// An RddImpl says how partitions are described to workers and what the plan
// node computes; this class owns naming, persistence, checkpoint marks and the
// public surface (pair methods type-check only on RDD<[K, V]>).

import type { Context } from '../context.js';
import { errors } from '../shared/errors.js';
import type { NodeCompute, PartitionDesc, ShuffleBlockRef } from '../shared/protocol.js';
import { StorageLevel, transformStorageLevel } from '../storage/storage-level.js';
import type { CheckpointData } from '../checkpoint/checkpoint-data.js';
import type { Dependency } from './dependency.js';
import { NarrowDependency } from './dependency.js';
import type { Partitioner } from './partitioner.js';
import type { UserFn, FnOptions } from './user-function.js';
import * as narrow from './narrow-transformations.js';
import * as pair from './pair-functions.js';
import * as actions from './actions.js';
import type { KeyOrdering, KeyValue } from './ordering.js';
import { debugString } from './debug-string.js';
import { captureCallSite, type CallSite } from '../shipping/call-site.js';
import { ExtraMethods } from './extra-methods.js';
import { saveAsText, type SaveTextOptions } from './object-files.js';
import type { SortByKeyOptions } from './pair-extra-functions.js';
import { RDD_ARITY, withArityChecks } from '../method-arity.js';

/** What an RddImpl's describePartition needs from the scheduler. */
export interface PartitionDescriber {
  describe(rdd: RDD<unknown>, index: number): PartitionDesc;
  shuffleBlocks(shuffleId: number, reduceIndex: number): ShuffleBlockRef[];
}

/**
 * What distinguishes one kind of RDD from another (Spark's RDD subclasses):
 * partitions, lineage, and how workers compute it. Kept apart from RDD so that
 * RDD's methods can build any kind without module cycles.
 */
export interface RddImpl {
  readonly kindName: string;
  readonly partitioner?: Partitioner | undefined;
  numPartitions(): number;
  /** The lineage as built, whatever the checkpoint state. */
  dependencies(): Dependency[];
  /** Lineage the scheduler follows but users do not see (a local checkpoint's recompute path). */
  hiddenDependencies?(): Dependency[];
  planCompute(): NodeCompute;
  /** The descriptor of partition `index`; `node` is the owning RDD's id. */
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc;
  /** Work that must run before a job uses this RDD (sampling, counting). */
  prepare?(): Promise<void>;
}

export class RDD<T> extends ExtraMethods<T> {
  readonly id: number;
  name: string | undefined;
  partitioner: Partitioner | undefined;
  /** @internal */ storageLevel: StorageLevel = StorageLevel.NONE;
  /** @internal */ checkpointData: CheckpointData | undefined = undefined;
  /** @internal Where the user's code created this RDD (Spark's creationSite); undefined when
   * no user frame led here (a streaming batch's timer). */
  readonly creationSite: CallSite | undefined = captureCallSite();
  /** @internal Phantom field tying T to the instance for type checks. */
  declare readonly __recordType?: T;

  /** @internal RDDs are made by Context and transformations. */
  constructor(
    readonly context: Context,
    /** @internal */ readonly impl: RddImpl,
  ) {
    super();
    this.id = context.newRddId();
    this.partitioner = impl.partitioner;
    for (const dep of impl.dependencies()) {
      if (dep.kind === 'shuffle') context.registerShuffleOwner(this, dep.shuffleId);
    }
  }

  /** @internal A new RDD of this one's context. The modules behind RDD's methods build
   * through this and check arguments with isRDD, so they never import the class back. */
  derive<U>(impl: RddImpl): RDD<U> {
    return new RDD<U>(this.context, impl);
  }

  /** @internal See derive. */
  isRDD(x: unknown): x is RDD<unknown> {
    return x instanceof RDD;
  }

  getNumPartitions(): number {
    return this.impl.numPartitions();
  }

  setName(name: string): this {
    if (typeof name !== 'string')
      throw errors.invalidArgument('rdd.setName name', 'a string', name);
    this.name = name;
    return this;
  }

  /** The lineage as users see it: a checkpointed RDD depends only on its checkpoint. */
  dependencies(): Dependency[] {
    const cp = this.checkpointData?.checkpointRDD();
    return cp === undefined ? this.impl.dependencies() : [new NarrowDependency(cp)];
  }

  /** @internal The lineage the scheduler follows: none past a reliable checkpoint. */
  getDependenciesForScheduling(): Dependency[] {
    const data = this.checkpointData;
    return data?.kind === 'reliable' && data.state === 'checkpointed'
      ? []
      : (this.impl.hiddenDependencies?.() ?? this.impl.dependencies());
  }

  toDebugString(): string {
    return debugString(this);
  }

  override toString(): string {
    return `${this.impl.kindName}[${this.id}]${this.name === undefined ? '' : ` ${this.name}`}`;
  }

  // ---- narrow transformations -------------------------------------------------

  map<U, E = undefined>(f: UserFn<[T, E], U>, opts?: FnOptions<E>): RDD<U> {
    return narrow.mapOp(this, 'map', f, opts);
  }
  /** A type guard narrows the record type: filter((x): x is Hit => x !== null) is RDD<Hit>. */
  filter<S extends T, E = undefined>(f: (x: T, env: E) => x is S, opts?: FnOptions<E>): RDD<S>;
  filter<E = undefined>(f: UserFn<[T, E], unknown>, opts?: FnOptions<E>): RDD<T>;
  filter(f: unknown, opts?: unknown): RDD<T> {
    return narrow.mapOp(this, 'filter', f, opts);
  }
  flatMap<U, E = undefined>(f: UserFn<[T, E], Iterable<U>>, opts?: FnOptions<E>): RDD<U> {
    return narrow.mapOp(this, 'flatMap', f, opts);
  }
  mapPartitions<U, E = undefined>(
    f: UserFn<[Iterable<T>, E], Iterable<U>>,
    opts?: FnOptions<E> & { preservesPartitioning?: boolean },
  ): RDD<U> {
    return narrow.mapOp(this, 'mapPartitions', f, opts);
  }
  mapPartitionsWithIndex<U, E = undefined>(
    f: UserFn<[number, Iterable<T>, E], Iterable<U>>,
    opts?: FnOptions<E> & { preservesPartitioning?: boolean },
  ): RDD<U> {
    return narrow.mapOp(this, 'mapPartitionsWithIndex', f, opts);
  }
  keyBy<K, E = undefined>(f: UserFn<[T, E], K>, opts?: FnOptions<E>): RDD<[K, T]> {
    return narrow.mapOp(this, 'keyBy', f, opts);
  }
  glom(): RDD<T[]> {
    return narrow.simpleOp(this, 'glom');
  }
  zipWithIndex(): RDD<[T, number]> {
    return narrow.zipWithIndex(this);
  }
  sample(withReplacement: boolean, fraction: number, seed?: number): RDD<T> {
    return narrow.sample(this, withReplacement, fraction, seed);
  }
  union(other: RDD<T>): RDD<T> {
    return narrow.union(this, other);
  }
  coalesce(numPartitions: number, shuffle = false): RDD<T> {
    return narrow.coalesce(this, numPartitions, shuffle);
  }
  repartition(numPartitions: number): RDD<T> {
    return narrow.coalesce(this, numPartitions, true, 'rdd.repartition');
  }
  cartesian<U>(other: RDD<U>): RDD<[T, U]> {
    return narrow.cartesian(this, other);
  }
  distinct(numPartitions?: number | { numPartitions?: number }): RDD<T> {
    return pair.distinct(this, numPartitions);
  }

  // ---- pair transformations (RDD<[K, V]> only) ---------------------------------

  mapValues<K, V, U, E = undefined>(
    this: RDD<[K, V]>,
    f: UserFn<[V, E], U>,
    opts?: FnOptions<E>,
  ): RDD<[K, U]> {
    return narrow.mapOp(this, 'mapValues', f, opts);
  }
  flatMapValues<K, V, U, E = undefined>(
    this: RDD<[K, V]>,
    f: UserFn<[V, E], Iterable<U>>,
    opts?: FnOptions<E>,
  ): RDD<[K, U]> {
    return narrow.mapOp(this, 'flatMapValues', f, opts);
  }
  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return narrow.simpleOp(this, 'keys');
  }
  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return narrow.simpleOp(this, 'values');
  }
  reduceByKey<K, V, E = undefined>(
    this: RDD<[K, V]>,
    f: UserFn<[V, V, E], V>,
    opts?: number | pair.ShuffleOptions<E>,
  ): RDD<[K, V]> {
    return pair.reduceByKey(this, f, opts);
  }
  groupByKey<K, V>(this: RDD<[K, V]>, opts?: number | pair.PartitionOptions): RDD<[K, V[]]> {
    return pair.groupByKey(this, opts);
  }
  combineByKey<K, V, C, E = undefined>(
    this: RDD<[K, V]>,
    createCombiner: UserFn<[V, E], C>,
    mergeValue: UserFn<[C, V, E], C>,
    mergeCombiners: UserFn<[C, C, E], C>,
    opts?: number | pair.ShuffleOptions<E>,
  ): RDD<[K, C]> {
    return pair.combineByKey(this, createCombiner, mergeValue, mergeCombiners, opts);
  }
  aggregateByKey<K, V, U, E = undefined>(
    this: RDD<[K, V]>,
    zero: U,
    seqOp: UserFn<[U, V, E], U>,
    combOp: UserFn<[U, U, E], U>,
    opts?: number | pair.ShuffleOptions<E>,
  ): RDD<[K, U]> {
    return pair.aggregateByKey(this, zero, seqOp, combOp, opts);
  }
  foldByKey<K, V, E = undefined>(
    this: RDD<[K, V]>,
    zero: V,
    f: UserFn<[V, V, E], V>,
    opts?: number | pair.ShuffleOptions<E>,
  ): RDD<[K, V]> {
    return pair.aggregateByKey(this, zero, f, f, opts, 'rdd.foldByKey');
  }
  join<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | pair.PartitionOptions,
  ): RDD<[K, [V, W]]> {
    return pair.join(this, other, 'inner', opts);
  }
  leftOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | pair.PartitionOptions,
  ): RDD<[K, [V, W | undefined]]> {
    return pair.join(this, other, 'left', opts);
  }
  rightOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | pair.PartitionOptions,
  ): RDD<[K, [V | undefined, W]]> {
    return pair.join(this, other, 'right', opts);
  }
  fullOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    opts?: number | pair.PartitionOptions,
  ): RDD<[K, [V | undefined, W | undefined]]> {
    return pair.join(this, other, 'full', opts);
  }
  sortByKey<K, V, E = undefined>(
    this: RDD<[K, V]>,
    ascending = true,
    opts?: number | SortByKeyOptions<K, E>,
  ): RDD<[K, V]> {
    return pair.sortByKey(this, ascending, opts);
  }
  sortBy<K, E = undefined>(
    f: UserFn<[T, E], K>,
    ascending = true,
    opts?: number | (FnOptions<E> & { numPartitions?: number }),
  ): RDD<T> {
    return pair.sortBy(this, f, ascending, opts);
  }
  /** A number means a HashPartitioner of that many partitions (PySpark's partitionBy). */
  partitionBy<K, V>(this: RDD<[K, V]>, partitioner: Partitioner | number): RDD<[K, V]> {
    return pair.partitionBy(this, partitioner);
  }
  /** Shuffles by `partitioner` and sorts each partition by key, ascending, in the shuffle. */
  repartitionAndSortWithinPartitions<K, V>(
    this: RDD<[K, V]>,
    partitioner: Partitioner,
  ): RDD<[K, V]> {
    return pair.repartitionAndSortWithinPartitions(this, partitioner);
  }

  // ---- actions ------------------------------------------------------------------

  collect(): Promise<T[]> {
    return actions.collect(this);
  }
  count(): Promise<number> {
    return actions.count(this);
  }
  first(): Promise<T> {
    return actions.first(this);
  }
  take(n: number): Promise<T[]> {
    return actions.take(this, n);
  }
  /**
   * The n smallest records: by a key function (one parameter, or { key } when it takes env),
   * by a comparator (two parameters, a third for env), or by key order (ordering.ts).
   */
  takeOrdered<E = undefined>(
    n: number,
    order?: UserFn<[T, T, E], number> | KeyOrdering<T, E>,
    opts?: FnOptions<E>,
  ): Promise<T[]>;
  takeOrdered(n: number, key: (record: T) => KeyValue): Promise<T[]>;
  takeOrdered(n: number, order?: unknown, opts?: unknown): Promise<T[]> {
    return actions.takeOrdered(this, n, order, opts, false);
  }
  /** The n largest records, ordered as takeOrdered's argument says, largest first. */
  top<E = undefined>(
    n: number,
    order?: UserFn<[T, T, E], number> | KeyOrdering<T, E>,
    opts?: FnOptions<E>,
  ): Promise<T[]>;
  top(n: number, key: (record: T) => KeyValue): Promise<T[]>;
  top(n: number, order?: unknown, opts?: unknown): Promise<T[]> {
    return actions.takeOrdered(this, n, order, opts, true);
  }
  reduce<E = undefined>(f: UserFn<[T, T, E], T>, opts?: FnOptions<E>): Promise<T> {
    return actions.reduce(this, f, opts);
  }
  fold<E = undefined>(zero: T, f: UserFn<[T, T, E], T>, opts?: FnOptions<E>): Promise<T> {
    return actions.fold(this, zero, f, opts);
  }
  aggregate<U, E = undefined>(
    zero: U,
    seqOp: UserFn<[U, T, E], U>,
    combOp: UserFn<[U, U, E], U>,
    opts?: FnOptions<E>,
  ): Promise<U> {
    return actions.aggregate(this, zero, seqOp, combOp, opts);
  }
  countByKey<K, V>(this: RDD<[K, V]>): Promise<Map<K, number>> {
    return actions.countByValue<K>(this, 'countByKey');
  }
  countByValue(): Promise<Map<T, number>> {
    return actions.countByValue<T>(this);
  }
  lookup<K, V>(this: RDD<[K, V]>, key: K): Promise<V[]> {
    return actions.lookup(this, key);
  }
  foreach<E = undefined>(f: UserFn<[T, E], unknown>, opts?: FnOptions<E>): Promise<void> {
    return actions.foreach(this, 'foreach', f, opts);
  }
  foreachPartition<E = undefined>(
    f: UserFn<[Iterable<T>, E], unknown>,
    opts?: FnOptions<E>,
  ): Promise<void> {
    return actions.foreach(this, 'foreachPartition', f, opts);
  }
  /** { compression: 'gzip' } writes `part-NNNNN.gz` files, as Hadoop's GzipCodec. */
  saveAsTextFile(path: string | URL, opts?: SaveTextOptions): Promise<void> {
    return saveAsText(this, path, opts);
  }

  // ---- persistence --------------------------------------------------------------

  persist(level: StorageLevel = StorageLevel.MEMORY_ONLY): this {
    if (!(level instanceof StorageLevel))
      throw errors.invalidArgument('rdd.persist level', 'a StorageLevel', level);
    const local = this.checkpointData?.kind === 'local';
    const target = local ? transformStorageLevel(level) : level;
    if (this.storageLevel !== StorageLevel.NONE && this.storageLevel !== target && !local) {
      throw errors.unsupported(
        `Cannot change the storage level of RDD ${this.id} from ${this.storageLevel.name} to ${level.name} ` +
          'after it was already assigned a level',
        { rddId: this.id },
      );
    }
    this.storageLevel = target;
    this.context.markPersisted();
    return this;
  }
  cache(): this {
    return this.persist(StorageLevel.MEMORY_ONLY);
  }
  unpersist(): this {
    this.storageLevel = StorageLevel.NONE;
    this.context.unpersist(this);
    return this;
  }
  getStorageLevel(): StorageLevel {
    return this.storageLevel;
  }

  // ---- checkpointing ----------------------------------------------------------------

  checkpoint(): void {
    this.context.markForCheckpoint(this);
  }
  localCheckpoint(): this {
    this.context.markForLocalCheckpoint(this);
    return this;
  }
  isCheckpointed(): boolean {
    return this.checkpointData?.state === 'checkpointed';
  }
  /** True once marked by localCheckpoint(), as Spark's (a LocalRDDCheckpointData is set then). */
  isLocallyCheckpointed(): boolean {
    return this.checkpointData?.kind === 'local';
  }
  getCheckpointFile(): string | undefined {
    const data = this.checkpointData;
    return data?.kind === 'reliable' && data.state === 'checkpointed' ? data.dir : undefined;
  }
}

// Every public method refuses an argument past its own (method-arity.ts).
withArityChecks(RDD.prototype, 'rdd', RDD_ARITY);
