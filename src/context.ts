// Context: the entry point (Spark's SparkContext). It owns the options, the
// sources of RDDs, the scheduler and its worker pool (started lazily by the
// first action), the block and checkpoint managers, listeners and lifecycle.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { errors } from './errors.js';
import { assertPlainRecords } from './format/record-check.js';
import { decodeRecords } from './format/record-codec.js';
import { spillBlock } from './storage/block-spill.js';
import {
  resolveContextOptions,
  positiveInt,
  type ContextOptions,
  type ResolvedContextOptions,
} from './options.js';
import type { ResultAction, StagePlan, TaskRequest, TaskSideOutputs } from './protocol.js';
import { RDD } from './rdd/rdd.js';
import { EmptyRDD, ParallelCollectionRDD, RangeRDD, TextFileRDD } from './rdd/source-rdds.js';
import { UnionRDD } from './rdd/narrow-rdds.js';
import { listObjectFiles, ObjectFileRDD } from './rdd/object-files.js';
import { binaryFiles, binaryRecords, wholeTextFiles } from './rdd/whole-files.js';
import { computeSplits, listInputFiles } from './rdd/text-file-splits.js';
import type { RangePartitioner } from './rdd/partitioner.js';
import { sampleRangeBounds } from './rdd/range-bounds.js';
import { Broadcast } from './shared/broadcast.js';
import { Accumulator } from './shared/accumulator.js';
import { CheckpointManager, type CheckpointWrittenEvent } from './checkpoint/checkpoint-manager.js';
import { openCheckpoint } from './checkpoint/checkpoint-reader.js';
import { DAGScheduler } from './scheduler/dag-scheduler.js';
import { lineage } from './scheduler/lineage.js';
import { PiscinaTaskRunner } from './scheduler/piscina-runner.js';
import { TaskDescriber } from './scheduler/plan-builder.js';
import { ProgressBar } from './scheduler/progress-bar.js';
import { cleanAttemptTempFiles } from './scheduler/attempt-cleanup.js';
import type {
  JobEndEvent,
  JobStartEvent,
  SchedulerListener,
  StageCompletedEvent,
  StageSubmittedEvent,
  TaskEndEvent,
} from './scheduler/scheduler-listener.js';
import { MapOutputTracker } from './shuffle/map-output-tracker.js';
import { BlockManager } from './storage/block-manager.js';

export type { ContextOptions } from './options.js';

export interface ContextEvents {
  jobStart: JobStartEvent;
  jobEnd: JobEndEvent;
  stageCompleted: StageCompletedEvent;
  taskEnd: TaskEndEvent;
  checkpointWritten: CheckpointWrittenEvent;
  warning: { message: string; path?: string };
}
export type ContextEventName = keyof ContextEvents;

// Every event name, checked against ContextEvents by the compiler, so on() can refuse a typo.
const CONTEXT_EVENTS: Record<ContextEventName, true> = {
  jobStart: true,
  jobEnd: true,
  stageCompleted: true,
  taskEnd: true,
  checkpointWritten: true,
  warning: true,
};

function checkListener(method: string, event: unknown, listener: unknown): void {
  if (typeof event !== 'string' || !Object.hasOwn(CONTEXT_EVENTS, event)) {
    const names = Object.keys(CONTEXT_EVENTS).join(', ');
    throw errors.invalidArgument(`${method} event`, `one of ${names}`, event);
  }
  if (typeof listener !== 'function')
    throw errors.invalidArgument(`${method} listener of '${event}'`, 'a function', listener);
}

let contextCounter = 0;

/** Spark's local property names for the job group (SparkContext.SPARK_JOB_GROUP_ID). */
const JOB_GROUP_ID = 'spark.jobGroup.id';
const JOB_DESCRIPTION = 'spark.job.description';

/** Scratch directories of contexts not stopped yet: removed when the process exits anyway. */
const scratchDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export class Context {
  /** Unique per context: names its checkpoint and scratch directories. */
  readonly contextId = `${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  private readonly opts: ResolvedContextOptions;
  private readonly events = new EventEmitter();
  private readonly mapOutputs = new MapOutputTracker();
  private readonly blocks: BlockManager;
  private readonly checkpoints: CheckpointManager;
  private readonly broadcasts = new Map<number, unknown>();
  private readonly accumulators = new Map<number, Accumulator>();
  private readonly shuffleCleaner: FinalizationRegistry<number>;
  private readonly localDir: string;
  private runner: PiscinaTaskRunner | undefined;
  private scheduler: DAGScheduler | undefined;
  private progress: ProgressBar | undefined;
  private stopped = false;
  private nextIds = { rdd: 0, shuffle: 0, broadcast: 0, accumulator: 0 };
  /** Spark's thread-local properties: here, local to the async flow that set them. */
  private readonly localProperties = new AsyncLocalStorage<ReadonlyMap<string, string>>();
  /** Counters for `kindling run`'s summary line. */
  readonly stats = { jobs: 0, stages: 0, tasks: 0 };

  constructor(options?: ContextOptions) {
    this.opts = resolveContextOptions(options);
    this.localDir = path.join(
      this.opts.localDir,
      `context-${process.pid}-${contextCounter++}-${this.contextId}`,
    );
    this.blocks = new BlockManager(
      path.join(this.localDir, 'spill'),
      this.opts.memoryLimitBytes,
      spillBlock,
      'none',
    );
    this.checkpoints = new CheckpointManager({
      contextId: this.contextId,
      codec: this.opts.checkpointCompression,
      allMarkedAncestors: this.opts.checkpointAllMarkedAncestors,
      drain: async (rdd, partitions) => {
        await this.runJobInternal(rdd, { kind: 'drain' }, partitions, false);
      },
      hasBlock: (rddId, index) => this.blocks.has(rddId, index),
      onCheckpointWritten: (e) => this.emit('checkpointWritten', e),
    });
    if (this.opts.checkpointDir !== undefined) this.checkpoints.setDir(this.opts.checkpointDir);
    this.shuffleCleaner = new FinalizationRegistry((shuffleId) => {
      this.scheduler?.forgetShuffle(shuffleId);
      this.mapOutputs.removeShuffle(shuffleId);
    });
  }

  get defaultParallelism(): number {
    return this.opts.workers;
  }

  // ---- sources ------------------------------------------------------------------

  parallelize<T>(data: Iterable<T>, numSlices: number = this.defaultParallelism): RDD<T> {
    this.assertActive('parallelize');
    if (
      data === null ||
      typeof (data as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function'
    ) {
      throw errors.invalidArgument('data', 'an iterable', data);
    }
    const items = Array.from(data);
    assertPlainRecords(items, 'ctx.parallelize data');
    try {
      structuredClone(items);
    } catch (e) {
      throw errors.invalidArgument('data', 'structured-cloneable records', (e as Error).message);
    }
    return new RDD<T>(
      this,
      ParallelCollectionRDD.fromData(items, positiveInt('numSlices', numSlices)),
    );
  }

  range(
    start: number,
    end: number,
    step = 1,
    numSlices: number = this.defaultParallelism,
  ): RDD<number> {
    this.assertActive('range');
    for (const [name, v] of [
      ['start', start],
      ['end', end],
      ['step', step],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw errors.invalidArgument(name, 'a finite number', v);
    }
    if (step === 0) throw errors.invalidArgument('step', 'a non-zero number', step);
    return new RDD<number>(
      this,
      new RangeRDD(start, end, step, positiveInt('numSlices', numSlices)),
    );
  }

  textFile(file: string, minPartitions: number = this.defaultParallelism): RDD<string> {
    this.assertActive('textFile');
    if (typeof file !== 'string' || file === '')
      throw errors.invalidArgument('path', 'a file, directory or glob', file);
    const splits = computeSplits(listInputFiles(file), positiveInt('minPartitions', minPartitions));
    return new RDD<string>(this, new TextFileRDD(splits));
  }

  /** Reads a directory written by rdd.saveAsObjectFile: one partition per part file. */
  objectFile<T>(dir: string): RDD<T> {
    this.assertActive('objectFile');
    return new RDD<T>(this, new ObjectFileRDD(listObjectFiles(dir)));
  }

  /** [path, content] for every file the path names (Spark's wholeTextFiles). */
  wholeTextFiles(
    file: string,
    minPartitions: number = this.defaultParallelism,
  ): RDD<[string, string]> {
    this.assertActive('wholeTextFiles');
    if (typeof file !== 'string' || file === '')
      throw errors.invalidArgument('path', 'a file, directory or glob', file);
    return wholeTextFiles(this, file, positiveInt('minPartitions', minPartitions));
  }

  /** [path, bytes] for every file the path names (Spark's binaryFiles). */
  binaryFiles(
    file: string,
    minPartitions: number = this.defaultParallelism,
  ): RDD<[string, Uint8Array]> {
    this.assertActive('binaryFiles');
    if (typeof file !== 'string' || file === '')
      throw errors.invalidArgument('path', 'a file, directory or glob', file);
    return binaryFiles(this, file, positiveInt('minPartitions', minPartitions));
  }

  /** Fixed-length records of recordLength bytes from every file the path names (Spark's). */
  binaryRecords(
    file: string,
    recordLength: number,
    minPartitions: number = this.defaultParallelism,
  ): RDD<Uint8Array> {
    this.assertActive('binaryRecords');
    if (typeof file !== 'string' || file === '')
      throw errors.invalidArgument('path', 'a file, directory or glob', file);
    return binaryRecords(
      this,
      file,
      positiveInt('recordLength', recordLength),
      positiveInt('minPartitions', minPartitions),
    );
  }

  emptyRDD<T>(): RDD<T> {
    this.assertActive('emptyRDD');
    return new RDD<T>(this, new EmptyRDD());
  }

  union<T>(rdds: RDD<T>[]): RDD<T> {
    this.assertActive('union');
    if (!Array.isArray(rdds) || rdds.length === 0)
      throw errors.invalidArgument('rdds', 'a non-empty array of RDDs', rdds);
    rdds.forEach((r, i) => {
      if (!(r instanceof RDD)) throw errors.invalidArgument(`rdds[${i}]`, 'an RDD', r);
      if (r.context !== this)
        throw errors.invalidArgument(`rdds[${i}]`, 'an RDD of this Context', r);
    });
    return new RDD<T>(this, new UnionRDD(rdds));
  }

  // ---- checkpoints --------------------------------------------------------------

  setCheckpointDir(dir: string): void {
    this.checkpoints.setDir(dir);
  }

  getCheckpointDir(): string | undefined {
    return this.checkpoints.dir;
  }

  /** Reopens a reliable checkpoint written by any earlier context or process. */
  checkpointFile<T>(dir: string): RDD<T> {
    this.assertActive('checkpointFile');
    const { impl, warning } = openCheckpoint(dir);
    if (warning !== undefined) this.emit('warning', warning);
    return new RDD<T>(this, impl);
  }

  // ---- shared variables -----------------------------------------------------------

  broadcast<T>(value: T): Broadcast<T> {
    this.assertActive('broadcast');
    try {
      structuredClone(value);
    } catch (e) {
      throw errors.invalidArgument('value', 'a structured-cloneable value', (e as Error).message);
    }
    const id = this.nextIds.broadcast++;
    this.broadcasts.set(id, value);
    return new Broadcast(id, value, (bid) => this.broadcasts.delete(bid));
  }

  longAccumulator(name?: string): Accumulator<number> {
    this.assertActive('longAccumulator');
    if (name !== undefined && typeof name !== 'string')
      throw errors.invalidArgument('name', 'a string', name);
    const acc = new Accumulator(this.nextIds.accumulator++, name);
    this.accumulators.set(acc.id, acc);
    return acc;
  }

  /** Spark's DoubleAccumulator: a sum of any numbers (longAccumulator's, named for Spark). */
  doubleAccumulator(name?: string): Accumulator<number> {
    this.assertActive('doubleAccumulator');
    return this.longAccumulator(name);
  }

  // ---- listeners and lifecycle ------------------------------------------------------

  on<E extends ContextEventName>(event: E, listener: (e: ContextEvents[E]) => void): this {
    checkListener('ctx.on', event, listener);
    this.events.on(event, listener);
    return this;
  }

  off<E extends ContextEventName>(event: E, listener: (e: ContextEvents[E]) => void): this {
    checkListener('ctx.off', event, listener);
    this.events.off(event, listener);
    return this;
  }

  cancelAllJobs(): void {
    this.scheduler?.cancelAllJobs();
  }

  /**
   * Spark's setLocalProperty: jobs submitted later from this async flow (what follows the call,
   * and what it awaits or starts) see the value; other flows keep theirs, as Spark's threads
   * do. undefined removes the key.
   */
  setLocalProperty(key: string, value: string | undefined): void {
    if (typeof key !== 'string' || key === '')
      throw errors.invalidArgument('ctx.setLocalProperty key', 'a non-empty string', key);
    if (value !== undefined && typeof value !== 'string')
      throw errors.invalidArgument('ctx.setLocalProperty value', 'a string or undefined', value);
    const next = new Map(this.localProperties.getStore());
    if (value === undefined) next.delete(key);
    else next.set(key, value);
    this.localProperties.enterWith(next);
  }

  getLocalProperty(key: string): string | undefined {
    return this.localProperties.getStore()?.get(key);
  }

  /** Spark's setJobGroup: later jobs of this async flow belong to the group (see setLocalProperty). */
  setJobGroup(groupId: string, description = ''): void {
    if (typeof groupId !== 'string' || groupId === '')
      throw errors.invalidArgument('ctx.setJobGroup groupId', 'a non-empty string', groupId);
    this.setLocalProperty(JOB_GROUP_ID, groupId);
    this.setLocalProperty(JOB_DESCRIPTION, description);
  }

  clearJobGroup(): void {
    this.setLocalProperty(JOB_GROUP_ID, undefined);
    this.setLocalProperty(JOB_DESCRIPTION, undefined);
  }

  /** @internal Runs `f` with the job group set for the jobs it submits, and nothing else. */
  runInJobGroup<R>(groupId: string, f: () => R): R {
    const next = new Map(this.localProperties.getStore());
    next.set(JOB_GROUP_ID, groupId);
    return this.localProperties.run(next, f);
  }

  /** Running jobs of the group reject with JOB_CANCELLED; later ones run. */
  cancelJobGroup(groupId: string): void {
    if (typeof groupId !== 'string')
      throw errors.invalidArgument('ctx.cancelJobGroup groupId', 'a string', groupId);
    this.scheduler?.cancelJobGroup(groupId);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler?.cancelAllJobs();
    this.progress?.finish();
    await this.runner?.close();
    this.mapOutputs.removeAll();
    this.blocks.clear();
    fs.rmSync(this.localDir, { recursive: true, force: true });
    scratchDirs.delete(this.localDir);
    if (this.opts.cleanCheckpoints) this.checkpoints.removeAll();
    else this.checkpoints.removeTempFiles();
  }

  // ---- internal: used by RDDs and the engine ------------------------------------------

  /** @internal */
  newRddId(): number {
    this.assertActive('create an RDD');
    return this.nextIds.rdd++;
  }

  /** @internal */
  newShuffleId(): number {
    return this.nextIds.shuffle++;
  }

  /** @internal Deletes a shuffle's files once no RDD can read it any more. */
  registerShuffleOwner(owner: object, shuffleId: number): void {
    this.shuffleCleaner.register(owner, shuffleId);
  }

  /** @internal Persisting is bookkeeping on the RDD; it only needs a live context. */
  markPersisted(): void {
    this.assertActive('persist an RDD');
  }

  /** @internal */
  unpersist(rdd: RDD<unknown>): void {
    this.blocks.removeRdd(rdd.id);
  }

  /** @internal */
  markForCheckpoint(rdd: RDD<unknown>): void {
    this.checkpoints.mark(rdd);
  }

  /** @internal */
  markForLocalCheckpoint(rdd: RDD<unknown>): void {
    this.checkpoints.markLocal(rdd);
  }

  /** @internal */
  sampleRangeBounds(p: RangePartitioner): Promise<void> {
    return sampleRangeBounds(p, (rdd, action) => this.runJob(rdd, action));
  }

  /** @internal Runs `action` on `partitions` (default: all) of `rdd`; one value per partition. */
  async runJob<R>(rdd: RDD<unknown>, action: ResultAction, partitions?: number[]): Promise<R[]> {
    return this.runJobInternal<R>(rdd, action, partitions, true);
  }

  private async runJobInternal<R>(
    rdd: RDD<unknown>,
    action: ResultAction,
    partitions: number[] | undefined,
    completeCheckpoints: boolean,
  ): Promise<R[]> {
    this.assertActive('run a job');
    if (rdd.context !== this) throw errors.invalidArgument('rdd', 'an RDD of this Context', rdd);
    const parts = partitions ?? Array.from({ length: rdd.getNumPartitions() }, (_, i) => i);
    // Read before the first await: the group of the flow that called the action.
    const group = this.getLocalProperty(JOB_GROUP_ID);
    for (const r of lineage(rdd).reverse()) await r.impl.prepare?.();
    const targets = this.checkpoints.targetsFor(rdd);
    this.stats.jobs++;
    const encoded = await this.getScheduler().runJob(rdd, action, parts, targets, group);
    const values = encoded.map((bytes) => decodeRecords(bytes)[0] as R);
    if (completeCheckpoints) await this.checkpoints.completeAfterJob(rdd);
    return values;
  }

  private getScheduler(): DAGScheduler {
    if (this.scheduler !== undefined) return this.scheduler;
    fs.mkdirSync(this.localDir, { recursive: true });
    scratchDirs.add(this.localDir);
    this.runner = new PiscinaTaskRunner(this.opts.workers, {
      getPlan: (planId) => this.getScheduler().plans.get(planId) as StagePlan,
      getBroadcast: (id) => this.broadcasts.get(id),
    });
    if (this.opts.progress) this.progress = new ProgressBar(process.stderr, this.opts.workers);
    this.scheduler = new DAGScheduler(
      this.runner,
      this.mapOutputs,
      new TaskDescriber(this.blocks, this.mapOutputs),
      this.schedulerListener(),
      {
        maxTaskFailures: this.opts.maxTaskFailures,
        localDir: this.localDir,
        shuffleCodec: 'lz4',
        shuffleSpillRecords: this.opts.shuffleSpillRecords,
        isFullyCached: (r) =>
          r.storageLevel.name !== 'NONE' &&
          Array.from({ length: r.getNumPartitions() }, (_, i) => i).every((i) =>
            this.blocks.has(r.id, i),
          ),
        onTaskSuccess: (side) => this.handleSideOutputs(side),
        onLostBlocks: (ids) => ids.forEach((id) => this.blocks.markLost(id)),
        onTaskAttemptFailed: (request: TaskRequest, plan: StagePlan) =>
          cleanAttemptTempFiles(request, plan),
      },
    );
    return this.scheduler;
  }

  private handleSideOutputs(side: TaskSideOutputs): void {
    for (const { id, delta } of side.accumulators) this.accumulators.get(id)?.merge(delta);
    for (const stats of side.checkpoints) this.checkpoints.recordPart(stats);
    for (const block of side.blocks) this.blocks.put(block);
  }

  private schedulerListener(): SchedulerListener {
    return {
      onJobStart: (e) => this.emit('jobStart', e),
      onJobEnd: (e) => this.emit('jobEnd', e),
      onStageSubmitted: (e: StageSubmittedEvent) => {
        this.stats.stages++;
        this.progress?.stageSubmitted(e);
      },
      onStageCompleted: (e) => {
        this.progress?.stageCompleted(e);
        this.emit('stageCompleted', e);
      },
      onTaskEnd: (e) => {
        this.stats.tasks++;
        this.progress?.taskEnded(e);
        this.emit('taskEnd', e);
      },
    };
  }

  private emit<E extends ContextEventName>(event: E, payload: ContextEvents[E]): void {
    this.events.emit(event, payload);
  }

  private assertActive(what: string): void {
    if (this.stopped) throw errors.contextStopped(what);
  }
}
