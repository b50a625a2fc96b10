// Context: the entry point (Spark's SparkContext). It owns the options, the
// sources of RDDs, the scheduler and its worker pool (started lazily by the
// first action), the block and checkpoint managers, listeners and lifecycle.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { errors } from './shared/errors.js';
import { assertPlainRecords } from './shared/format/record-check.js';
import { decodeRecords } from './shared/format/record-codec.js';
import { spillBlock } from './storage/block-spill.js';
import {
  defaultWorkerMemoryMb,
  positiveInt,
  resolveContextOptions,
  taskMemoryOf,
  type ContextOptions,
  type ResolvedContextOptions,
} from './options.js';
import type { ResultAction, StagePlan, TaskRequest, TaskSideOutputs } from './shared/protocol.js';
import { RDD } from './rdd/rdd.js';
import { EmptyRDD, ParallelCollectionRDD, RangeRDD, TextFileRDD } from './rdd/source-rdds.js';
import { UnionRDD } from './rdd/narrow-rdds.js';
import { listObjectFiles, ObjectFileRDD } from './rdd/object-files.js';
import { listFixedLengthFiles, listWholeFiles, WholeFilesRDD } from './rdd/whole-files.js';
import { fixedRecordsOf } from './rdd/parity-builtins.js';
import { inputArgument, MAX_SPLIT_BYTES, textFileSplits } from './rdd/text-file-splits.js';
import { partitionCount } from './rdd/partition-count.js';
import type { RangePartitioner } from './rdd/partitioner.js';
import { sampleRangeBounds } from './rdd/range-bounds.js';
import { Broadcast } from './variables/broadcast.js';
import { Accumulator } from './variables/accumulator.js';
import { CustomAccumulator } from './variables/custom-accumulator.js';
import { checkEnvHandles, type EnvHandle } from './variables/env-handles.js';
import type { UserFn } from './rdd/user-function.js';
import { CheckpointManager, type CheckpointWrittenEvent } from './checkpoint/checkpoint-manager.js';
import { openCheckpointAt } from './checkpoint/remote-checkpoint.js';
import { DAGScheduler } from './scheduler/dag-scheduler.js';
import { jobPlanData, lineage } from './scheduler/lineage.js';
import { checkShippedRefs } from './shipping/ref-check.js';
import { PiscinaTaskRunner } from './scheduler/piscina-runner.js';
import type { TaskRunner } from './scheduler/task-runner.js';
import type { ExecutorAddedEvent, ExecutorRemovedEvent } from './cluster/bullmq-runner.js';
import { LazyClusterRunner } from './cluster/lazy-runner.js';
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
import { ensureDirectory } from './shared/io-errors.js';
import { storeFor } from './storage/stores.js';
import { isS3Url, joinStoragePath } from './storage/storage-url.js';
import { localPath } from './storage/local-path.js';
import { TaskStaging } from './storage/task-staging.js';
import { removeScratch, removeStaleScratchDirs, scratchDirName } from './storage/scratch-dirs.js';
import { parseBlockId } from './shared/block-id.js';
import { EventLogWriter } from './event-log/event-log-writer.js';
import {
  EVENT_LOG_FORMAT_VERSION,
  type LoggedEvent,
  type LoggedEventName,
  type LoggedEvents,
  type StreamingBatchEvent,
} from './event-log/event-log-format.js';
import { KINDLING_VERSION } from './version.js';
import { AppStatusStore } from './ui/app-status-store.js';
import type { UiServer } from './ui/ui-server.js';
import { checkConstructorArity, CONTEXT_ARITY, withArityChecks } from './method-arity.js';

export type { ContextOptions } from './options.js';

export interface ContextEvents {
  jobStart: JobStartEvent;
  jobEnd: JobEndEvent;
  stageSubmitted: StageSubmittedEvent;
  stageCompleted: StageCompletedEvent;
  taskEnd: TaskEndEvent;
  checkpointWritten: CheckpointWrittenEvent;
  warning: { message: string; path?: string };
  /** Cluster mode: a `kindling worker` of this version joined (or was there at the first action). */
  executorAdded: ExecutorAddedEvent;
  executorRemoved: ExecutorRemovedEvent;
}
export type ContextEventName = keyof ContextEvents;

// Every event name, checked against ContextEvents by the compiler, so on() can refuse a typo.
const CONTEXT_EVENTS: Record<ContextEventName, true> = {
  jobStart: true,
  jobEnd: true,
  stageSubmitted: true,
  stageCompleted: true,
  taskEnd: true,
  checkpointWritten: true,
  executorAdded: true,
  executorRemoved: true,
  warning: true,
};

function checkAccumulatorName(method: string, name: unknown): void {
  if (name !== undefined && typeof name !== 'string')
    throw errors.invalidArgument(`${method} name`, 'a string', name);
}

function checkListener(method: string, event: unknown, listener: unknown): void {
  if (typeof event !== 'string' || !Object.hasOwn(CONTEXT_EVENTS, event)) {
    const names = Object.keys(CONTEXT_EVENTS).join(', ');
    throw errors.invalidArgument(`${method} event`, `one of ${names}`, event);
  }
  if (typeof listener !== 'function')
    throw errors.invalidArgument(`${method} listener of '${event}'`, 'a function', listener);
}

let contextCounter = 0;

// Each map task's first 16 MiB of shuffle frames stay uncompressed in local mode
// (ShuffleMapOutput.rawFirstBytes): skipping LZ4 took ~10% off the CPU of a 4 M-record join
// with [string, number] keys, whose map tasks write ~8 MiB each.
const LOCAL_SHUFFLE_RAW_FIRST_BYTES = 16 << 20;

/** Spark's local property names for the job group (SparkContext.SPARK_JOB_GROUP_ID). */
const JOB_GROUP_ID = 'spark.jobGroup.id';
const JOB_DESCRIPTION = 'spark.job.description';

/** Scratch directories of contexts not stopped yet: removed when the process exits anyway. */
const scratchDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of scratchDirs) removeScratch(dir, () => undefined);
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
  private readonly customAccumulators = new Map<number, CustomAccumulator<unknown, unknown>>();
  /** The broadcasts and accumulators this context made: the only ones its jobs may ship. */
  private readonly handles = new WeakSet<EnvHandle>();
  private readonly shuffleCleaner: FinalizationRegistry<number>;
  /** Scratch for shuffle outputs and disk blocks: under storage in cluster mode (maybe a URL). */
  private readonly localDir: string;
  /** This process's own scratch directory (spills, local copies of S3 objects). */
  private readonly localScratch: string;
  /** Tasks that read or write `s3://` storage run through local copies (local mode). */
  private readonly staging: TaskStaging;
  /** Storage locations checked before the first job that uses them (S3: bucket, credentials). */
  private readonly probed = new Map<string, Promise<void>>();
  private runner: TaskRunner | undefined;
  private scheduler: DAGScheduler | undefined;
  private progress: ProgressBar | undefined;
  private stopped = false;
  private nextIds = { rdd: 0, shuffle: 0, broadcast: 0, accumulator: 0 };
  /** Spark's thread-local properties: here, local to the async flow that set them. */
  private readonly localProperties = new AsyncLocalStorage<ReadonlyMap<string, string>>();
  /** Counters for `kindling run`'s summary line. */
  readonly stats = { jobs: 0, stages: 0, tasks: 0 };
  /** Names the event log file and the UI's application (Spark's SparkContext.applicationId). */
  readonly applicationId = `app-${this.contextId}`;
  readonly startTime = Date.now();
  /** Receivers of every event with its time: the event log and the UI's state store. */
  private readonly eventSinks: ((e: LoggedEvent) => void)[] = [];
  private readonly eventLog: EventLogWriter | undefined;
  private readonly ui: Promise<UiServer | undefined> | undefined;

  constructor(options?: ContextOptions) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new Context', arguments, 1);
    this.opts = resolveContextOptions(options);
    if (this.opts.eventLogDir !== undefined) {
      const writer = new EventLogWriter({
        dir: this.opts.eventLogDir,
        applicationId: this.applicationId,
        onWarning: (w) => this.emit('warning', w),
      });
      this.eventLog = writer;
      this.eventSinks.push((e) => writer.append(e));
    }
    if (this.opts.uiPort !== undefined) this.ui = this.startUi(this.opts.uiPort);
    this.publish('applicationStart', {
      formatVersion: EVENT_LOG_FORMAT_VERSION,
      applicationId: this.applicationId,
      appName: this.appName,
      kindlingVersion: KINDLING_VERSION,
      nodeVersion: process.version,
      startTime: this.startTime,
      options: { ...this.opts },
    });
    // Cluster mode: shuffle files and disk blocks must be readable by every worker machine.
    const scratchName = scratchDirName(contextCounter++, this.contextId);
    this.localDir = joinStoragePath(this.opts.storage ?? this.opts.localDir, scratchName);
    this.localScratch = isS3Url(this.localDir)
      ? path.join(this.opts.localDir, scratchName)
      : this.localDir;
    this.staging = new TaskStaging({
      root: path.join(this.localScratch, 'staging'),
      memoryBlocksToStorage: false,
    });
    this.blocks = new BlockManager(
      path.join(this.localScratch, 'spill'),
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
    if (this.opts.checkpointDir !== undefined)
      this.checkpoints.setDir(this.opts.checkpointDir, 'options.checkpointDir');
    this.shuffleCleaner = new FinalizationRegistry((shuffleId) => {
      this.scheduler?.forgetShuffle(shuffleId);
      this.mapOutputs.removeShuffle(shuffleId);
    });
  }

  /** @internal The largest textFile split (text-file-splits.ts); tests make it small. */
  maxSplitBytes = MAX_SPLIT_BYTES;

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
      throw errors.invalidArgument('ctx.parallelize data', 'an iterable', data);
    }
    const items = Array.from(data);
    assertPlainRecords(items, 'ctx.parallelize data');
    try {
      structuredClone(items);
    } catch (e) {
      throw errors.invalidArgument(
        'ctx.parallelize data',
        'structured-cloneable records',
        (e as Error).message,
      );
    }
    const slices = partitionCount('ctx.parallelize numSlices', numSlices);
    return new RDD<T>(this, ParallelCollectionRDD.fromData(items, slices));
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
      // Spark's range is of longs; past 2^53 doubles repeat and skip values, so a range there
      // counted 1024 records of 5 distinct values.
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        throw errors.invalidArgument(`ctx.range ${name}`, 'a safe integer (|x| < 2^53)', v);
    }
    if (step === 0) throw errors.invalidArgument('ctx.range step', 'a non-zero integer', step);
    if (Math.abs(end - start) > Number.MAX_SAFE_INTEGER) {
      throw errors.invalidArgument('ctx.range end', `at most 2^53 - 1 from start (${start})`, end);
    }
    return new RDD<number>(
      this,
      new RangeRDD(start, end, step, partitionCount('ctx.range numSlices', numSlices)),
    );
  }

  /** Without minPartitions: at least 2 pieces a worker when the input has the bytes. */
  textFile(file: string | URL, minPartitions: number = 2 * this.defaultParallelism): RDD<string> {
    this.assertActive('textFile');
    const splits = textFileSplits(
      inputArgument('ctx.textFile', file),
      partitionCount('ctx.textFile minPartitions', minPartitions),
      this.maxSplitBytes,
      'ctx.textFile path',
    );
    return new RDD<string>(this, new TextFileRDD(splits));
  }

  /** Reads a directory written by rdd.saveAsObjectFile: one partition per part file. */
  objectFile<T>(dir: string | URL): RDD<T> {
    this.assertActive('objectFile');
    const target = localPath(dir, 'ctx.objectFile path', {
      expected: 'a directory written by saveAsObjectFile',
      s3: true,
    });
    return new RDD<T>(this, new ObjectFileRDD(listObjectFiles(target)));
  }

  /** [path, content] for every file the path names (Spark's wholeTextFiles). */
  wholeTextFiles(
    file: string | URL,
    minPartitions: number = this.defaultParallelism,
  ): RDD<[string, string]> {
    this.assertActive('wholeTextFiles');
    const input = inputArgument('ctx.wholeTextFiles', file);
    const count = partitionCount('ctx.wholeTextFiles minPartitions', minPartitions);
    return new RDD(
      this,
      new WholeFilesRDD(listWholeFiles(input, 'ctx.wholeTextFiles path'), count, 'text'),
    );
  }

  /** [path, bytes] for every file the path names (Spark's binaryFiles). */
  binaryFiles(
    file: string | URL,
    minPartitions: number = this.defaultParallelism,
  ): RDD<[string, Uint8Array]> {
    this.assertActive('binaryFiles');
    const input = inputArgument('ctx.binaryFiles', file);
    const count = partitionCount('ctx.binaryFiles minPartitions', minPartitions);
    return new RDD(
      this,
      new WholeFilesRDD(listWholeFiles(input, 'ctx.binaryFiles path'), count, 'binary'),
    );
  }

  /** Fixed-length records of recordLength bytes from every file the path names (Spark's). */
  binaryRecords(
    file: string | URL,
    recordLength: number,
    minPartitions: number = this.defaultParallelism,
  ): RDD<Uint8Array> {
    this.assertActive('binaryRecords');
    const input = inputArgument('ctx.binaryRecords', file);
    const length = positiveInt('ctx.binaryRecords recordLength', recordLength);
    const files = listFixedLengthFiles(input, length, 'ctx.binaryRecords path');
    const count = partitionCount('ctx.binaryRecords minPartitions', minPartitions);
    return new RDD<[string, Uint8Array]>(this, new WholeFilesRDD(files, count, 'binary')).flatMap(
      fixedRecordsOf,
      { env: { length } },
    );
  }

  emptyRDD<T>(): RDD<T> {
    this.assertActive('emptyRDD');
    return new RDD<T>(this, new EmptyRDD());
  }

  union<T>(rdds: RDD<T>[]): RDD<T> {
    this.assertActive('union');
    if (!Array.isArray(rdds) || rdds.length === 0)
      throw errors.invalidArgument('ctx.union rdds', 'a non-empty array of RDDs', rdds);
    rdds.forEach((r, i) => {
      if (!(r instanceof RDD)) throw errors.invalidArgument(`ctx.union rdds[${i}]`, 'an RDD', r);
      if (r.context !== this)
        throw errors.invalidArgument(`ctx.union rdds[${i}]`, 'an RDD of this Context', r);
    });
    return new RDD<T>(this, new UnionRDD(rdds));
  }

  // ---- checkpoints --------------------------------------------------------------

  setCheckpointDir(dir: string | URL): void {
    this.checkpoints.setDir(dir, 'ctx.setCheckpointDir dir');
  }

  getCheckpointDir(): string | undefined {
    return this.checkpoints.dir;
  }

  /** Reopens a reliable checkpoint written by any earlier context or process. */
  checkpointFile<T>(dir: string | URL): RDD<T> {
    this.assertActive('checkpointFile');
    const { impl, warning } = openCheckpointAt(dir, 'ctx.checkpointFile path');
    if (warning !== undefined) this.emit('warning', warning);
    return new RDD<T>(this, impl);
  }

  // ---- shared variables -----------------------------------------------------------

  broadcast<T>(value: T): Broadcast<T> {
    this.assertActive('broadcast');
    try {
      structuredClone(value);
    } catch (e) {
      throw errors.invalidArgument(
        'ctx.broadcast value',
        'a structured-cloneable value',
        (e as Error).message,
      );
    }
    const id = this.nextIds.broadcast++;
    this.broadcasts.set(id, value);
    const handle = new Broadcast(id, value, (bid) => this.broadcasts.delete(bid));
    this.handles.add(handle);
    return handle;
  }

  /** Integers only (Spark's LongAccumulator): a fraction or an unsafe integer is refused. */
  longAccumulator(name?: string): Accumulator<number> {
    this.assertActive('longAccumulator');
    checkAccumulatorName('ctx.longAccumulator', name);
    return this.newAccumulator('long', name);
  }

  /**
   * Spark's AccumulatorV2: tasks fold values into their own copy of `zero` with `add` (shipped
   * like any user function); the main thread merges each successful task's value with `merge`.
   */
  accumulator<T, V = T>(
    zero: T,
    add: UserFn<[NoInfer<T>, V], NoInfer<T>>,
    merge: (a: NoInfer<T>, b: NoInfer<T>) => NoInfer<T>,
    name?: string,
  ): CustomAccumulator<T, V> {
    this.assertActive('accumulator');
    checkAccumulatorName('ctx.accumulator', name);
    const acc = new CustomAccumulator<T, V>(this.nextIds.accumulator++, name, zero, add, merge);
    this.customAccumulators.set(acc.id, acc);
    this.handles.add(acc);
    return acc;
  }

  /** Spark's DoubleAccumulator: a sum of any numbers but NaN. */
  doubleAccumulator(name?: string): Accumulator<number> {
    this.assertActive('doubleAccumulator');
    checkAccumulatorName('ctx.doubleAccumulator', name);
    return this.newAccumulator('double', name);
  }

  private newAccumulator(type: 'long' | 'double', name: string | undefined): Accumulator<number> {
    const acc = new Accumulator(this.nextIds.accumulator++, name, type);
    this.accumulators.set(acc.id, acc);
    this.handles.add(acc);
    return acc;
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
    this.scheduler?.cancelAllJobs((jobId) => errors.jobCancelledByStop(jobId));
    this.progress?.finish();
    await this.runner?.close();
    this.publish('applicationEnd', { endTime: Date.now() });
    this.eventLog?.close();
    await (await this.ui)?.close();
    this.mapOutputs.removeAll();
    this.blocks.clear();
    const warn = (where: string) => (message: string) =>
      this.emit('warning', { message, path: where });
    if (isS3Url(this.localDir)) {
      await storeFor(this.localDir)
        .removeAll(this.localDir)
        .catch((e: unknown) =>
          warn(this.localDir)(`Could not remove ${this.localDir}: ${String(e)}`),
        );
    }
    removeScratch(this.localScratch, warn(this.localScratch));
    scratchDirs.delete(this.localScratch);
    if (this.opts.cleanCheckpoints) {
      const dir = this.checkpoints.dir ?? '';
      await this.checkpoints
        .removeAll()
        .catch((e: unknown) => warn(dir)(`Could not remove ${dir}: ${String(e)}`));
    } else this.checkpoints.removeTempFiles();
  }

  // ---- internal: used by RDDs and the engine ------------------------------------------

  /** @internal The id the next RDD will get: the RDDs made from now on have this id or more. */
  peekRddId(): number {
    return this.nextIds.rdd;
  }

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
    this.publish('unpersistRDD', { rddId: rdd.id });
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
    // Read before the first await: the group of the flow that called the action.
    const group = this.getLocalProperty(JOB_GROUP_ID);
    for (const r of lineage(rdd).reverse()) await r.impl.prepare?.();
    // Counted after prepare: a pruned RDD's count can depend on bounds sampled there.
    const parts = partitions ?? Array.from({ length: rdd.getNumPartitions() }, (_, i) => i);
    const planData = [action, ...jobPlanData(rdd)];
    // Another Context's broadcast or accumulator, and a bad fn(module, exportName), fail here,
    // naming them, before any task runs.
    checkEnvHandles(planData, (handle) => this.handles.has(handle));
    await checkShippedRefs(planData);
    const targets = this.checkpoints.targetsFor(rdd);
    this.stats.jobs++;
    const scheduler = this.getScheduler();
    await this.runner?.ready?.();
    await this.probeStorage(targets.size > 0);
    // stop() may have come while the job was prepared: it cancelled only running jobs.
    this.assertActive('run a job');
    const encoded = await scheduler.runJob(rdd, action, parts, targets, group);
    const values = encoded.map((bytes) => decodeRecords(bytes)[0] as R);
    if (completeCheckpoints) await this.checkpoints.completeAfterJob(rdd);
    return values;
  }

  /**
   * S3 storage (cluster mode) and an S3 checkpoint directory are checked once, before the first
   * job that uses them: a missing bucket, refused credentials or an unreachable endpoint fail
   * the action at once with an IO_ERROR naming the URL, not each task in turn.
   */
  private async probeStorage(writesCheckpoints: boolean): Promise<void> {
    const checks: [string, string][] = [];
    if (isS3Url(this.localDir)) checks.push([this.localDir, 'storage (options.storage)']);
    const cpDir = this.checkpoints.dir;
    if (writesCheckpoints && cpDir !== undefined && isS3Url(cpDir))
      checks.push([cpDir, 'checkpoint directory']);
    await Promise.all(
      checks.map(([url, purpose]) => {
        let probe = this.probed.get(url);
        if (probe === undefined) {
          probe = storeFor(url).probe(url, purpose);
          this.probed.set(url, probe);
          probe.catch(() => this.probed.delete(url));
        }
        return probe;
      }),
    );
  }

  private getScheduler(): DAGScheduler {
    if (this.scheduler !== undefined) return this.scheduler;
    // A stopped Context never starts workers again. One of three checks of runJobInternal
    // against stop(), each for its own window, none redundant: (1) at its entry, before any
    // prepare() or ref check; (2) here, for a stop() during those awaits, before this first
    // job builds a pool that stop() would never close; (3) after the last await (runner.ready,
    // probeStorage), for a stop() while the pool started: it cancelled only running jobs.
    this.assertActive('run a job');
    removeStaleScratchDirs(this.opts.localDir, (message) => this.emit('warning', { message }));
    const scratchOption =
      this.opts.storage !== undefined && !isS3Url(this.opts.storage) ? 'storage' : 'localDir';
    ensureDirectory(this.localScratch, `scratch directory (options.${scratchOption})`);
    scratchDirs.add(this.localScratch);
    const control = {
      getPlan: (planId: string) => this.getScheduler().getPlan(planId),
      getBroadcast: (id: number) => this.broadcasts.get(id),
    };
    const master = this.opts.master;
    this.runner =
      master.kind === 'local'
        ? this.staging.wrapRunner(
            new PiscinaTaskRunner(
              this.opts.workers,
              this.staging.wrapControl(control),
              this.opts.workerMemoryMb,
            ),
            control,
          )
        : new LazyClusterRunner(
            this.opts.workers,
            ({ BullMQTaskRunner }) =>
              new BullMQTaskRunner(
                master,
                this.contextId,
                this.localDir,
                control,
                this.opts.workers,
                {
                  onExecutorAdded: (e) => this.emit('executorAdded', e),
                  onExecutorRemoved: (e) => this.emit('executorRemoved', e),
                  onWarning: (message) => this.emit('warning', { message }),
                  onWaitingForWorkers: (waiting) =>
                    this.progress?.waitingForWorkers(waiting ? master.display : undefined),
                },
                // Only a limit the user set travels: the driver's default is its own machine's.
                this.opts.workerMemoryMb === defaultWorkerMemoryMb()
                  ? undefined
                  : this.opts.workerMemoryMb,
              ),
          );
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
        shuffleRawFirstBytes:
          this.opts.master.kind === 'local' && this.opts.storage === undefined
            ? LOCAL_SHUFFLE_RAW_FIRST_BYTES
            : 0,
        shuffleSpillRecords: this.opts.shuffleSpillRecords,
        taskMemory: taskMemoryOf(this.opts.workerMemoryMb),
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
    for (const stats of side.checkpoints) this.checkpoints.recordPart(stats);
    for (const block of side.blocks) {
      this.blocks.put(block);
      const id = parseBlockId(block.blockId);
      if (id === undefined) continue;
      this.publish('blockUpdated', {
        blockId: block.blockId,
        rddId: id.rddId,
        partitionIndex: id.partitionIndex,
        storageLevel: block.level,
        where: block.path === undefined ? 'memory' : 'disk',
        bytes: block.bytes,
        records: block.records,
      });
    }
    // Last: a merge that throws (a long total out of range, a custom merge function's error)
    // fails the job, after the task's blocks are recorded. A task's long and double merges are
    // all checked before any total changes: all of them apply, or none.
    const merges = side.accumulators.map(({ id, delta }) =>
      this.accumulators.get(id)?.merge(delta),
    );
    for (const apply of merges) apply?.();
    for (const { id, value } of side.customAccumulators ?? [])
      this.customAccumulators.get(id)?.mergeTaskValue(value);
  }

  private schedulerListener(): SchedulerListener {
    return {
      onJobStart: (e) => this.emit('jobStart', e),
      onJobEnd: (e) => this.emit('jobEnd', e),
      onStageSubmitted: (e: StageSubmittedEvent) => {
        this.stats.stages++;
        this.progress?.stageSubmitted(e);
        this.emit('stageSubmitted', e);
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
    // A warning nobody listens for still reaches the user, as Spark's WARN lines do: through
    // Node's own warnings (stderr, unless the process runs with --no-warnings).
    if (event === 'warning' && this.events.listenerCount('warning') === 0) {
      const w = payload as ContextEvents['warning'];
      process.emitWarning(w.path === undefined ? w.message : `${w.message} (${w.path})`, {
        type: 'KindlingWarning',
      });
    }
    this.events.emit(event, payload);
    if (this.eventSinks.length > 0)
      this.publishLine({ event, time: Date.now(), data: payload } as LoggedEvent);
  }

  /** @internal A warning of a part built on this Context (a socketTextStream that cannot connect). */
  warn(message: string, path?: string): void {
    this.emit('warning', path === undefined ? { message } : { message, path });
  }

  /** @internal A StreamingContext on this context finished a batch: logged and shown in the UI. */
  recordStreamingBatch(e: StreamingBatchEvent): void {
    this.publish('streamingBatchCompleted', e);
  }

  /** @internal Receives every event as logged (the UI's state store subscribes here). */
  addEventSink(sink: (e: LoggedEvent) => void): void {
    this.eventSinks.push(sink);
  }

  /**
   * The live web UI's address once it listens (Spark's SparkContext.uiWebUrl); undefined when
   * the `ui` option is off or the server could not start (a 'warning' event says why).
   */
  async uiWebUrl(): Promise<string | undefined> {
    return (await this.ui)?.url;
  }

  private startUi(port: number): Promise<UiServer | undefined> {
    const store = new AppStatusStore();
    this.eventSinks.push((e) => store.handle(e));
    // Loaded on demand: library users without a UI never load the server, pages or dagre.
    return import('./ui/ui-server.js')
      .then(({ startUiServer }) =>
        startUiServer({ kind: 'live', store }, { host: this.opts.uiHost, port }),
      )
      .catch((e: unknown) => {
        this.emit('warning', {
          message: `The web UI could not listen on ${this.opts.uiHost}:${port}: ${e instanceof Error ? e.message : String(e)}`,
        });
        return undefined;
      });
  }

  /** The application's name in the event log and the UI: the running script's file name. */
  get appName(): string {
    const script = process.argv[1];
    return script === undefined ? 'kindling' : path.basename(script);
  }

  private publish<E extends LoggedEventName>(event: E, data: LoggedEvents[E]): void {
    // The mapped union cannot be built from a generic E without an assertion.
    if (this.eventSinks.length > 0)
      this.publishLine({ event, time: Date.now(), data } as LoggedEvent);
  }

  private publishLine(line: LoggedEvent): void {
    for (const sink of this.eventSinks) sink(line);
  }

  private assertActive(what: string): void {
    if (this.stopped) throw errors.contextStopped(what);
  }
}

// Every public method refuses an argument past its own (method-arity.ts).
withArityChecks(Context.prototype, 'ctx', CONTEXT_ARITY);
