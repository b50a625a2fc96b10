// StreamingContext: the entry point of streaming (Spark's StreamingContext). It
// owns the graph the user's code builds, the clock, the metadata checkpoint
// directory and the batch loop; getOrCreate always runs the user's setup, then
// restores a checkpoint into that graph. Lifecycle: initialized -> active ->
// stopped; one active StreamingContext per process, as in Spark.

import { EventEmitter } from 'node:events';
import { Context } from '../context.js';
import { errors, isKindlingError, streamingErrors, type KindlingError } from '../shared/errors.js';
import { booleanOption, positiveInt } from '../options.js';
import { assertDirectoryPossible, ensureDirectory } from '../shared/io-errors.js';
import { localPath } from '../storage/local-path.js';
import { refuseS3Url } from '../storage/storage-url.js';
import type { RDD } from '../rdd/rdd.js';
import { refuseUnknownKeys } from '../rdd/method-options.js';
import { ManualClock, SystemClock, type Clock } from './clock.js';
import { DStream } from './dstream.js';
import { DStreamGraph } from './dstream-graph.js';
import { FileInputImpl, type FileStreamOptions } from './file-input-dstream.js';
import { rememberDuration } from './dstream-ops.js';
import { rddOfStreams } from './stream-args.js';
import { QueueInputImpl, SocketInputImpl } from './input-dstreams.js';
import { JobGenerator, type BatchCompletedEvent, type BatchStartedEvent } from './job-generator.js';
import { readNewestCheckpoint, type StreamingCheckpointData } from './metadata-checkpoint.js';
import { checkCompatible, checkRestorable, restoreInto, scanCheckpointDir } from './recovery.js';
import { checkConstructorArity, withArityChecks } from '../method-arity.js';
import { STREAMING_CONTEXT_ARITY, STREAMING_CONTEXT_STATIC_ARITY } from './stream-arity.js';

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface StreamingContextOptions {
  /** Default: the system clock. A ManualClock makes batches run when the test advances it. */
  clock?: Clock;
}

export interface StreamingEvents {
  batchStarted: BatchStartedEvent;
  batchCompleted: BatchCompletedEvent;
  error: KindlingError;
}
export type StreamingEventName = keyof StreamingEvents;
const EVENT_NAMES: readonly StreamingEventName[] = ['batchStarted', 'batchCompleted', 'error'];

/** An event no code emits, or a listener that is no function, would never be called: refused. */
function checkListener(method: 'ssc.on' | 'ssc.off', event: unknown, listener: unknown): void {
  if (!EVENT_NAMES.includes(event as StreamingEventName))
    throw errors.invalidArgument(`${method} event`, `one of ${EVENT_NAMES.join(', ')}`, event);
  if (typeof listener !== 'function')
    throw errors.invalidArgument(`${method} listener`, 'a function', listener);
}
export type StreamingContextState = 'initialized' | 'active' | 'stopped';

export class StreamingContext {
  private static active: StreamingContext | undefined;
  /** @internal */ readonly graph = new DStreamGraph();
  readonly batchIntervalMs: number;
  readonly clock: Clock;
  private checkpointDir: string | undefined;
  private state: StreamingContextState = 'initialized';
  private readonly events = new EventEmitter();
  private generator: JobGenerator | undefined;
  private recovered: StreamingCheckpointData | undefined;
  private restoredSources = new Set<string>();
  private failure: KindlingError | undefined;
  /** The stop of the batch loop under way, once halt() ran. */
  private halting: Promise<void> | undefined;
  private readonly terminated: Promise<void>;
  private markTerminated!: () => void;

  constructor(
    readonly sparkContext: Context,
    batchIntervalMs: number,
    opts?: StreamingContextOptions,
  ) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new StreamingContext', arguments, 3);
    if (!(sparkContext instanceof Context))
      throw errors.invalidArgument('StreamingContext ctx', 'a Context', sparkContext);
    refuseUnknownKeys('StreamingContext', opts, ['clock']);
    this.batchIntervalMs = positiveInt('StreamingContext batchIntervalMs', batchIntervalMs);
    const clock = opts?.clock ?? new SystemClock();
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throw errors.invalidArgument(
        'StreamingContext opts.clock',
        'a Clock (SystemClock or ManualClock)',
        clock,
      );
    }
    this.clock = clock;
    this.terminated = new Promise((resolve) => (this.markTerminated = resolve));
  }

  /**
   * Runs `setup` (it builds the graph, every time: the graph is the running code's), then, if
   * `checkpointDir` holds a checkpoint, restores it: batch grid, source positions, state and
   * unfinished batches. The newest readable file wins; a damaged one falls back to its .bk or
   * an older one; none readable: CHECKPOINT_CORRUPT.
   */
  static async getOrCreate(
    checkpointDir: string | URL,
    setup: () => StreamingContext | Promise<StreamingContext>,
  ): Promise<StreamingContext> {
    const method = 'StreamingContext.getOrCreate';
    if (typeof checkpointDir === 'string')
      refuseS3Url(`${method} checkpointDir`, checkpointDir, 'a streaming checkpoint');
    const dir = localPath(checkpointDir, `${method} checkpointDir`, {
      expected: 'a directory path',
    });
    if (typeof setup !== 'function')
      throw errors.invalidArgument(
        `${method} setup`,
        'a function returning a StreamingContext',
        setup,
      );
    const ssc = await setup();
    if (!(ssc instanceof StreamingContext))
      throw errors.invalidArgument(`${method} result of setup`, 'a StreamingContext', ssc);
    // A checkpoint is restored into a graph before it runs: into a running one it would rewind
    // its sources' positions under it.
    if (ssc.state !== 'initialized') {
      throw errors.invalidArgument(
        `${method} result of setup`,
        'a StreamingContext not started yet',
        `a StreamingContext that is ${ssc.state}`,
      );
    }
    if (ssc.checkpointDir === undefined) ssc.checkpoint(dir);
    else if (ssc.checkpointDir !== dir) {
      throw errors.invalidArgument(
        `${method} setup`,
        `a StreamingContext checkpointing to ${dir} or to no directory`,
        ssc.checkpointDir,
      );
    }
    const found = readNewestCheckpoint(dir, (data, file) => checkRestorable(ssc.graph, data, file));
    if (found !== undefined) ssc.restore(found.data);
    return ssc;
  }

  checkpoint(dir: string | URL): void {
    if (typeof dir === 'string') refuseS3Url('ssc.checkpoint dir', dir, 'a streaming checkpoint');
    const resolved = localPath(dir, 'ssc.checkpoint dir', { expected: 'a directory path' });
    this.graph.assertNotStarted('set the checkpoint directory');
    assertDirectoryPossible('ssc.checkpoint dir', resolved);
    ensureDirectory(resolved, 'streaming checkpoint directory');
    this.sparkContext.setCheckpointDir(resolved);
    this.checkpointDir = resolved;
  }

  getCheckpointDir(): string | undefined {
    return this.checkpointDir;
  }

  getState(): StreamingContextState {
    return this.state;
  }

  // ---- sources ----------------------------------------------------------------------------

  /** For tests: each batch takes the next queued batch (or all of them). Not recoverable. */
  queueStream<T>(batches: T[][] | RDD<T>[], oneAtATime = true): DStream<T> {
    if (!Array.isArray(batches))
      throw errors.invalidArgument(
        'ssc.queueStream batches',
        'an array of arrays or RDDs',
        batches,
      );
    (batches as unknown[]).forEach((b, i) => {
      if (Array.isArray(b)) return;
      rddOfStreams(this, b as RDD<T>, `ssc.queueStream batches[${i}]`, 'an array or an RDD');
    });
    if (typeof oneAtATime !== 'boolean')
      throw errors.invalidArgument('ssc.queueStream oneAtATime', 'a boolean', oneAtATime);
    return new DStream<T>(this, new QueueInputImpl(this, batches, oneAtATime));
  }

  /** Files moved into `dir` after the first start; which batch read which file is checkpointed. */
  textFileStream(dir: string | URL): DStream<string> {
    const resolved = localPath(dir, 'ssc.textFileStream dir', { expected: 'a directory path' });
    assertDirectoryPossible('ssc.textFileStream dir', resolved);
    return new DStream<string>(this, new FileInputImpl(this, resolved));
  }

  /**
   * Spark's fileStream, of text lines: as textFileStream, and with `newFilesOnly: false` the
   * files already in `dir` at the first start are read by the first batch. `filter` runs on the
   * main thread (it may capture) with each new file's absolute path; it narrows, never widens:
   * hidden (.x) and _x files stay out.
   */
  fileStream(dir: string | URL, opts?: FileStreamOptions): DStream<string> {
    const resolved = localPath(dir, 'ssc.fileStream dir', { expected: 'a directory path' });
    assertDirectoryPossible('ssc.fileStream dir', resolved);
    refuseUnknownKeys('ssc.fileStream', opts, ['newFilesOnly', 'filter']);
    const newFilesOnly = opts?.newFilesOnly ?? true;
    if (typeof newFilesOnly !== 'boolean')
      throw errors.invalidArgument('ssc.fileStream opts.newFilesOnly', 'a boolean', newFilesOnly);
    const filter = opts?.filter;
    if (filter !== undefined && typeof filter !== 'function') {
      throw errors.invalidArgument(
        'ssc.fileStream opts.filter',
        'a function (path: string) => boolean',
        filter,
      );
    }
    const settings = { kind: 'fileStream' as const, newFilesOnly, filter };
    return new DStream<string>(this, new FileInputImpl(this, resolved, settings));
  }

  /** Lines from a TCP server. At most once: lines received before a crash are not replayed. */
  socketTextStream(host: string, port: number): DStream<string> {
    if (typeof host !== 'string' || host === '')
      throw errors.invalidArgument('ssc.socketTextStream host', 'a host name', host);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw errors.invalidArgument('ssc.socketTextStream port', 'a TCP port', port);
    return new DStream<string>(this, new SocketInputImpl(this, host, port));
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Validates the graph and starts the batch loop; a recovered context first replays its unfinished batches. */
  start(): Promise<void> {
    // A throw inside the executor rejects the promise.
    const started = new Promise<void>((resolve) => {
      this.startNow();
      resolve();
    });
    // Called without await, a failed start must not crash the process as an unhandled
    // rejection: it also surfaces through awaitTermination() and 'error'.
    started.catch(() => undefined);
    return started;
  }

  private startNow(): void {
    if (this.state === 'active') return;
    if (this.state === 'stopped')
      throw streamingErrors.illegalState('The StreamingContext has already been stopped');
    if (StreamingContext.active !== undefined && StreamingContext.active !== this) {
      throw streamingErrors.illegalState(
        'Only one StreamingContext may be started in this process; stop the active one first',
      );
    }
    try {
      this.graph.validate(this.checkpointDir !== undefined);
      const rec = this.recovered;
      const b = this.batchIntervalMs;
      this.graph.initialize(
        rec?.zeroTimeMs ?? Math.floor(this.clock.now() / b) * b,
        rec === undefined ? undefined : (rec.lastCompletedMs ?? rec.zeroTimeMs),
      );
      for (const s of this.graph.inputs) s.impl.input?.start(this.restoredSources.has(s.key));
      const generator = new JobGenerator(this);
      this.generator = generator;
      if (this.checkpointDir !== undefined) {
        const { fileRefs, stateDirs } = scanCheckpointDir(
          this.checkpointDir,
          this.sparkContext.getCheckpointDir(),
        );
        for (const [name, dirs] of fileRefs) generator.fileRefs.set(name, dirs);
        for (const d of stateDirs) generator.knownStateDirs.add(d);
        for (const r of rec?.state ?? []) generator.addStateRecord(r);
      }
      if (rec === undefined) generator.writeStartCheckpoint();
      generator.start(rec?.lastCompletedMs ?? undefined, rec?.pendingMs ?? []);
      // Spark moves a ManualClock to the checkpoint time on restart (JobGenerator.restart).
      if (rec !== undefined && this.clock instanceof ManualClock)
        this.clock.moveTo(rec.checkpointTimeMs);
      StreamingContext.active = this;
      this.state = 'active';
      if (this.clock instanceof ManualClock) {
        this.clock.setListener((now) => generator.onTime(now));
        generator.onTime(this.clock.now()).catch(() => undefined);
      } else {
        generator.onTime(this.clock.now()).catch(() => undefined);
        generator.scheduleTimer();
      }
    } catch (e) {
      this.state = 'stopped';
      if (isKindlingError(e)) {
        this.failure ??= e;
        if (this.events.listenerCount('error') > 0) this.events.emit('error', e);
      }
      this.markTerminated();
      throw e;
    }
  }

  /** Resolves true once stopped, false after `timeoutMs`; rejects with the error that stopped the stream. */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      throw errors.invalidArgument(
        'ssc.awaitTermination timeoutMs',
        'a non-negative number',
        timeoutMs,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      if (timeoutMs === undefined || timeoutMs === Infinity) return;
      // Node fires a timer of more than 2^31 - 1 ms at once: re-arm until the whole timeout passed.
      const deadline = performance.now() + timeoutMs;
      const arm = (ms: number): void => {
        timer = setTimeout(
          () => {
            const left = deadline - performance.now();
            if (left > 0) arm(left);
            else resolve(false);
          },
          Math.min(ms, MAX_TIMER_MS),
        );
      };
      arm(timeoutMs);
    });
    try {
      return await Promise.race([this.terminated.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
      if (this.failure !== undefined) throw this.failure; // eslint-disable-line no-unsafe-finally -- the stream's error wins
    }
  }

  /** Spark's awaitTerminationOrTimeout: true once stopped, false after `timeoutMs`; rejects with the stream's error. */
  async awaitTerminationOrTimeout(timeoutMs: number): Promise<boolean> {
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      throw errors.invalidArgument(
        'ssc.awaitTerminationOrTimeout timeoutMs',
        'a non-negative number',
        timeoutMs,
      );
    }
    return this.awaitTermination(timeoutMs);
  }

  /**
   * Spark's ssc.remember: every stream keeps the RDDs of at least the last `durationMs` (for
   * slice() and for RDDs used outside the batch that made them). Set before start().
   */
  remember(durationMs: number): void {
    this.graph.assertNotStarted('set the remember duration');
    this.graph.minRememberMs = rememberDuration('ssc.remember', durationMs);
  }

  /** graceful: finish the queued batches and checkpoint the latest state before stopping. */
  async stop(opts?: { stopContext?: boolean; graceful?: boolean }): Promise<void> {
    refuseUnknownKeys('ssc.stop', opts, ['stopContext', 'graceful']);
    // A truthy non-boolean ({ stopContext: 'no' }) must not stop the Context.
    const stopContext = booleanOption('ssc.stop opts.stopContext', opts?.stopContext, true);
    const graceful = booleanOption('ssc.stop opts.graceful', opts?.graceful, false);
    if (this.state === 'active') void this.halt(graceful);
    const finish = async (): Promise<void> => {
      await this.halting;
      this.state = 'stopped';
      this.markTerminated();
      if (stopContext) await this.sparkContext.stop();
    };
    // Called from a batch (a foreachRDD awaiting it): the halt waits for that batch, which
    // waits for this call. Return now; the rest follows once the batch is over.
    if (this.generator?.isInsideBatch() === true) {
      finish().catch((e: unknown) =>
        this.fail(isKindlingError(e) ? e : errors.internal(`stopping the Context: ${String(e)}`)),
      );
      return;
    }
    await finish();
  }

  on<E extends StreamingEventName>(event: E, listener: (e: StreamingEvents[E]) => void): this {
    checkListener('ssc.on', event, listener);
    this.events.on(event, listener);
    return this;
  }

  off<E extends StreamingEventName>(event: E, listener: (e: StreamingEvents[E]) => void): this {
    checkListener('ssc.off', event, listener);
    this.events.off(event, listener);
    return this;
  }

  // ---- internal -------------------------------------------------------------------------------

  private restore(data: StreamingCheckpointData): void {
    checkCompatible(this.graph, data, this.batchIntervalMs);
    this.restoredSources = restoreInto(this.sparkContext, this.graph, data);
    this.recovered = data;
  }

  /** @internal */ emitBatchStarted(e: BatchStartedEvent): void {
    this.events.emit('batchStarted', e);
  }
  /** @internal */ emitBatchCompleted(e: BatchCompletedEvent): void {
    this.events.emit('batchCompleted', e);
    // Into the application's event log and UI (Spark's StreamingListenerBatchCompleted).
    this.sparkContext.recordStreamingBatch({ ...e, batchIntervalMs: this.batchIntervalMs });
  }
  /** @internal */ reportError(e: KindlingError): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', e);
    else this.fail(e);
  }
  /** @internal A stream that reported its death stops: no batch runs after it. */
  fail(e: KindlingError): void {
    this.failure ??= e;
    if (this.events.listenerCount('error') > 0) this.events.emit('error', e);
    if (this.state === 'active') void this.halt(false);
    this.markTerminated();
  }

  /** Stops the batch loop and the sources; the state is 'stopped' from the first line on. */
  private halt(graceful: boolean): Promise<void> {
    this.state = 'stopped';
    if (this.clock instanceof ManualClock) this.clock.setListener(undefined);
    this.halting = (async () => {
      await this.generator?.stop(graceful);
      for (const s of this.graph.inputs) s.impl.input?.stop();
      // Another context may start once this one's last batch has finished, not before.
      if (StreamingContext.active === this) StreamingContext.active = undefined;
    })();
    return this.halting;
  }
}

withArityChecks(StreamingContext.prototype, 'ssc', STREAMING_CONTEXT_ARITY);
withArityChecks(StreamingContext, 'StreamingContext', STREAMING_CONTEXT_STATIC_ARITY);
