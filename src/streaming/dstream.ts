// DStream<T>: a stream of RDDs, one per batch time (Spark's DStream). The user's
// handle; what distinguishes one kind from another lives in a DStreamImpl (as
// RDD/RddImpl). Every DStream has a stable key, its place in the graph or the
// name given by setName, which recovery uses to match checkpointed state to the
// running code (docs/streaming.md, "Checkpoints and recovery"). RDDs are
// generated on demand per time and remembered for as long as windows and state
// need them.

import { errors } from '../shared/errors.js';
import type { RDD } from '../rdd/rdd.js';
import type { FnOptions, UserFn } from '../rdd/user-function.js';
import type { PartitionOptions } from '../rdd/pair-functions.js';
import { StorageLevel } from '../storage/storage-level.js';
import type { StreamingContext } from './streaming-context.js';
import * as ops from './dstream-ops.js';
import { PairDStreamFunctions } from './pair-dstream-functions.js';
import * as pairOps from './pair-dstream-ops.js';
import * as windowOps from './window-ops.js';
import { withArityChecks } from '../method-arity.js';
import { DSTREAM_ARITY } from './stream-arity.js';

/** What one kind of DStream does: its parents, its slide and how it computes an RDD for a time. */
export interface DStreamImpl {
  readonly kind: string;
  readonly parents: DStream<unknown>[];
  readonly slideMs: number;
  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> | undefined;
  /** Extra history the parents must keep (windows). */
  readonly parentRememberExtraMs?: number;
  /** Present on stateful streams: their state must be checkpointed and is restored on recovery. */
  readonly state?: StatefulImpl;
  /** Present on input streams (sources). */
  readonly input?: InputImpl;
  /** Drops what this impl keeps for times <= `timeMs`. */
  clearBefore?(timeMs: number): void;
}

export interface StatefulImpl {
  /** The RDD holding the state after batch `timeMs`, when generated. */
  stateAt(timeMs: number): RDD<unknown> | undefined;
  /** Installs the reopened state; returns the RDD the stream holds for that time. */
  restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown>;
  defaultCheckpointIntervalMs(slideMs: number): number;
}

/** A source's recorded position, plain JSON kept in the metadata checkpoint. */
export type SourcePosition = Record<string, unknown>;

export interface InputImpl {
  /** False for queueStream: a recovered graph that contains one is refused (as Spark's: "queueStream doesn't support checkpointing"). */
  readonly recoverable: boolean;
  /** Called once before the first batch; `recovered` when positions were restored. */
  start(recovered: boolean): void;
  stop(): void;
  position(): SourcePosition | undefined;
  /** What keeps `position`, read from a checkpoint, from being this kind of source's, or undefined. */
  positionProblem?(position: SourcePosition): string | undefined;
  /** Why this source cannot take over `position` (another app's input), or undefined. */
  incompatibility?(position: SourcePosition): string | undefined;
  restore(position: SourcePosition): void;
  /** Forgets per-batch positions of times <= `timeMs`. */
  prune(timeMs: number): void;
  /** Records read by the batch jobs so far (input rate). */
  recordsRead(): number;
}

/** Output operations register here (Spark's ForEachDStream). */
export interface OutputOperation {
  readonly stream: DStream<unknown>;
  readonly kind: 'foreachRDD' | 'print' | 'saveAsTextFiles' | 'saveAsObjectFiles';
  run(rdd: RDD<unknown>, timeMs: number): Promise<void>;
}

export class DStream<T> extends PairDStreamFunctions<T> {
  /** Place in the graph (creation order): the default stable id. */
  readonly index: number;
  name: string | undefined;
  /** @internal */ storageLevel: StorageLevel = StorageLevel.NONE;
  /** @internal */ checkpointIntervalMs: number | undefined;
  /** @internal */ rememberMs = 0;
  /** @internal The least history the user asked this stream to keep (remember(ms)). */
  minRememberMs = 0;
  /** @internal Batch times up to this one are forgotten (cleared, or before this run began). */
  forgottenThroughMs = 0;
  /** @internal The time of the state restored on recovery: nothing earlier is generated. */
  restoredTimeMs: number | undefined;
  /** @internal */ readonly generated = new Map<number, RDD<T>>();
  private readonly persistedHere = new Set<number>();
  /** @internal Phantom field tying T to the instance. */
  declare readonly __recordType?: T;

  /** @internal DStreams are made by the StreamingContext and by transformations. */
  constructor(
    readonly ssc: StreamingContext,
    /** @internal */ readonly impl: DStreamImpl,
  ) {
    super();
    this.index = ssc.graph.register(this);
    // Input batches are kept in memory while remembered (Spark stores received blocks): several
    // outputs then read a batch's files once, and its records are counted once.
    if (impl.input !== undefined) this.storageLevel = StorageLevel.MEMORY_ONLY;
  }

  /** The stable id recovery matches on: the name given by setName, else kind#place. */
  get key(): string {
    return this.name ?? `${this.impl.kind}#${this.index}`;
  }

  get slideDurationMs(): number {
    return this.impl.slideMs;
  }

  setName(name: string): this {
    if (typeof name !== 'string' || name === '')
      throw errors.invalidArgument('dstream.setName name', 'a non-empty string', name);
    this.ssc.graph.assertNotStarted('setName');
    this.name = name;
    return this;
  }

  override toString(): string {
    return `${this.impl.kind}[${this.key}]`;
  }

  /** @internal A new stream of this one's context, of the given kind (dstream-ops.ts builds
   * through this, so it does not import the class back). */
  derive<U>(impl: DStreamImpl): DStream<U> {
    return new DStream<U>(this.ssc, impl);
  }

  // ---- transformations ---------------------------------------------------------

  map<U, E = undefined>(f: UserFn<[T, E], U>, opts?: FnOptions<E>): DStream<U> {
    return ops.rddOp(this, 'map', f, opts, (rdd) => rdd.map(f, opts));
  }
  /** With a type guard, the record type narrows (as RDD.filter). */
  filter<S extends T, E = undefined>(f: (x: T, env: E) => x is S, opts?: FnOptions<E>): DStream<S>;
  filter<E = undefined>(f: UserFn<[T, E], unknown>, opts?: FnOptions<E>): DStream<T>;
  filter<E = undefined>(f: UserFn<[T, E], unknown>, opts?: FnOptions<E>): DStream<T> {
    return ops.rddOp(this, 'filter', f, opts, (rdd) => rdd.filter(f, opts));
  }
  flatMap<U, E = undefined>(f: UserFn<[T, E], Iterable<U>>, opts?: FnOptions<E>): DStream<U> {
    return ops.rddOp(this, 'flatMap', f, opts, (rdd) => rdd.flatMap(f, opts));
  }
  mapPartitions<U, E = undefined>(
    f: UserFn<[Iterable<T>, E], Iterable<U>>,
    opts?: FnOptions<E> & { preservesPartitioning?: boolean },
  ): DStream<U> {
    return ops.rddOp(this, 'mapPartitions', f, opts, (rdd) => rdd.mapPartitions(f, opts));
  }
  /** Runs on the main thread for every batch; may capture. */
  transform<U>(f: (rdd: RDD<T>, timeMs: number) => RDD<U>): DStream<U> {
    return ops.transform(this, f);
  }
  /** Runs on the main thread for every batch, with both streams' RDDs of that batch; may capture. */
  transformWith<U, R>(
    other: DStream<U>,
    f: (rdd: RDD<T>, otherRdd: RDD<U>, timeMs: number) => RDD<R>,
  ): DStream<R> {
    return ops.transformWith(this, other, f);
  }
  union(other: DStream<T>): DStream<T> {
    return ops.union(this, other);
  }
  /** Each partition of each batch as one array. */
  glom(): DStream<T[]> {
    return ops.glom(this);
  }
  repartition(numPartitions: number): DStream<T> {
    return ops.repartition(this, numPartitions);
  }
  /** One record per batch (none for an empty batch): the batch reduced by `f`. */
  reduce<E = undefined>(f: UserFn<[T, T, E], T>, opts?: FnOptions<E>): DStream<T> {
    return ops.reduce(this, f, opts);
  }
  countByValue(opts?: number | { numPartitions?: number }): DStream<[T, number]> {
    return ops.countByValue(this, opts);
  }
  /** One record per batch: its number of records, 0 for an empty batch. */
  count(): DStream<number> {
    return ops.count(this);
  }

  // ---- windows -----------------------------------------------------------------------

  window(windowMs: number, slideMs: number = this.slideDurationMs): DStream<T> {
    return windowOps.window(this, windowMs, slideMs);
  }
  /** The window reduced by `f`; with `invF`, incrementally (stateful, checkpointed). */
  reduceByWindow<E = undefined>(
    f: UserFn<[T, T, E], T>,
    invF: UserFn<[T, T, E], T> | undefined,
    windowMs: number,
    slideMs: number = this.slideDurationMs,
    opts?: FnOptions<E>,
  ): DStream<T> {
    return windowOps.reduceByWindow(this, f, invF, windowMs, slideMs, opts);
  }
  /** One record per window: its number of records (stateful, checkpointed). */
  countByWindow(windowMs: number, slideMs: number = this.slideDurationMs): DStream<number> {
    return windowOps.countByWindow(this, windowMs, slideMs);
  }
  /** [record, count] in each window (stateful, checkpointed). */
  countByValueAndWindow(
    windowMs: number,
    slideMs: number = this.slideDurationMs,
    opts?: number | PartitionOptions,
  ): DStream<[T, number]> {
    return windowOps.countByValueAndWindow(this, windowMs, slideMs, opts);
  }

  /** On the stream mapWithState returns: every (key, state) after each batch. */
  stateSnapshots<K, S>(): DStream<[K, S]> {
    return pairOps.stateSnapshots<K, S>(this);
  }

  // ---- generated RDDs ----------------------------------------------------------------

  /** Keeps this stream's RDDs (and its parents') for at least `durationMs`, for slice(). */
  remember(durationMs: number): this {
    this.ssc.graph.assertNotStarted('change the remember duration of a DStream');
    this.minRememberMs = ops.rememberDuration('dstream.remember', durationMs);
    return this;
  }
  /** The RDDs of the batches in [fromMs, toMs] generated so far (Spark's slice). */
  slice(fromMs: number, toMs: number): RDD<T>[] {
    return ops.slice(this, fromMs, toMs);
  }

  // ---- persistence and checkpointing -----------------------------------------------

  persist(level: StorageLevel = StorageLevel.MEMORY_ONLY): this {
    if (!(level instanceof StorageLevel))
      throw errors.invalidArgument('dstream.persist level', 'a StorageLevel', level);
    this.ssc.graph.assertNotStarted('change the storage level of a DStream');
    this.storageLevel = level;
    return this;
  }
  cache(): this {
    return this.persist();
  }

  /** Checkpoints this stream's RDDs (its state, for stateful streams) every `intervalMs`. */
  checkpoint(intervalMs: number): this {
    this.ssc.graph.assertNotStarted('change the checkpoint interval of a DStream');
    ops.validateCheckpointInterval(this, intervalMs);
    this.checkpointIntervalMs = intervalMs;
    if (this.storageLevel === StorageLevel.NONE) this.storageLevel = StorageLevel.MEMORY_ONLY;
    return this;
  }

  // ---- output operations -----------------------------------------------------------

  /** Runs on the main thread after each batch's RDD is generated; may capture. */
  foreachRDD(f: (rdd: RDD<T>, timeMs: number) => void | Promise<void>): void {
    ops.foreachRDD(this, f);
  }
  print(n = 10): void {
    ops.print(this, n);
  }
  /** One directory `prefix-<timeMs>[.suffix]` per batch, complete with _SUCCESS, rewritten when replayed. */
  saveAsTextFiles(prefix: string | URL, suffix?: string): void {
    ops.saveFiles('saveAsTextFiles', this, prefix, suffix);
  }
  /** As saveAsTextFiles, in saveAsObjectFile's format: read a batch back with ctx.objectFile(dir). */
  saveAsObjectFiles(prefix: string | URL, suffix?: string): void {
    ops.saveFiles('saveAsObjectFiles', this, prefix, suffix);
  }

  // ---- internal ----------------------------------------------------------------------

  /** @internal A batch time of this stream: after the zero time, on its slide. */
  isTimeValid(timeMs: number): boolean {
    const zero = this.ssc.graph.zeroTimeMs;
    return zero !== undefined && timeMs > zero && (timeMs - zero) % this.impl.slideMs === 0;
  }

  /** @internal Spark's getOrCompute: the RDD for `timeMs`, generated once and remembered. */
  getOrCompute(timeMs: number): RDD<T> | undefined {
    if (!this.isTimeValid(timeMs)) return undefined;
    const have = this.generated.get(timeMs);
    if (have !== undefined) return have;
    if (this.restoredTimeMs !== undefined && timeMs <= this.restoredTimeMs) return undefined;
    const firstId = this.ssc.sparkContext.peekRddId();
    const rdd = this.impl.compute(timeMs, this) as RDD<T> | undefined;
    if (rdd === undefined) return undefined;
    nameCreated(rdd, firstId, `${this.key} @ ${timeMs} ms`);
    if (this.storageLevel !== StorageLevel.NONE && rdd.getStorageLevel() === StorageLevel.NONE) {
      rdd.persist(this.storageLevel);
      this.persistedHere.add(rdd.id);
    }
    this.markCheckpointIfDue(timeMs, rdd);
    this.generated.set(timeMs, rdd);
    return rdd;
  }

  private markCheckpointIfDue(timeMs: number, rdd: RDD<unknown>): void {
    const graph = this.ssc.graph;
    const interval = this.checkpointIntervalMs;
    if (interval === undefined || graph.zeroTimeMs === undefined) return;
    if ((timeMs - graph.zeroTimeMs) % interval !== 0 || timeMs < graph.markFromMs) return;
    const target = this.impl.state?.stateAt(timeMs) ?? rdd;
    if (target.checkpointData === undefined) target.checkpoint();
  }

  /** @internal Forgets RDDs older than the remember duration (Spark's clearMetadata). */
  clearMetadata(timeMs: number): void {
    const before = timeMs - this.rememberMs;
    this.forgottenThroughMs = Math.max(this.forgottenThroughMs, before);
    for (const [t, rdd] of this.generated) {
      if (t > before) continue;
      this.generated.delete(t);
      if (this.persistedHere.delete(rdd.id)) rdd.unpersist();
    }
    this.impl.clearBefore?.(before);
  }
}

withArityChecks(DStream.prototype, 'dstream', DSTREAM_ARITY);

/**
 * Names the RDDs a stream's compute made for a batch (Spark's DStream scope, "updateStateByKey @
 * time"), so that a task failure names the operator and the batch. The walk stops at RDDs made
 * before (the user's, earlier batches') and at named ones (a parent stream's, the user's).
 */
function nameCreated(rdd: RDD<unknown>, firstId: number, label: string): void {
  const todo = [rdd];
  for (let r = todo.pop(); r !== undefined; r = todo.pop()) {
    if (r.id < firstId || r.name !== undefined) continue;
    r.setName(label);
    for (const dep of r.dependencies()) todo.push(dep.rdd);
  }
}

/** The stream mapWithState returns: the mapped values, plus the state as a stream. */
export interface MapWithStateDStream<K, S, R> extends DStream<R> {
  stateSnapshots<K2 = K, S2 = S>(): DStream<[K2, S2]>;
}
