// JobGenerator: the batch loop (Spark's JobGenerator + JobScheduler, one batch
// at a time). For batch t: choose the inputs, write the metadata checkpoint
// with t pending, run the output operations in order, complete the state
// checkpoints due at t, then mark t complete and write the metadata again.
// A failed batch stops the stream without being marked complete, so a restart
// replays it; recovery resumes at the batch after the last completed one, and
// stateful streams recompute from their last state checkpoint (exactly once).

import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { isKindlingError, streamingErrors, type KindlingError } from '../shared/errors.js';
import type { CheckpointWrittenEvent } from '../checkpoint/checkpoint-manager.js';
import type { Clock } from './clock.js';
import type { DStream } from './dstream.js';
import type { DStreamGraph } from './dstream-graph.js';
import { planRestore } from './restore-plan.js';
import {
  writeCheckpointFile,
  type StateRecord,
  type StreamingCheckpointData,
} from './metadata-checkpoint.js';

export interface BatchStartedEvent {
  batchTimeMs: number;
}

export interface BatchCompletedEvent {
  batchTimeMs: number;
  /** Input records read by the batch's jobs. */
  records: number;
  /** From the batch time to the start of its processing. */
  schedulingDelayMs: number;
  processingDelayMs: number;
  totalDelayMs: number;
  /** True for a batch that was pending when the previous run stopped. */
  replayed: boolean;
  /** Time spent writing the two metadata checkpoints of the batch. */
  metadataCheckpointMs: number;
  stateCheckpoints: { operator: string; records: number; bytes: number; durationMs: number }[];
}

/** What the generator needs from its StreamingContext. */
export interface GeneratorHost {
  readonly graph: DStreamGraph;
  readonly sparkContext: Context;
  readonly clock: Clock;
  readonly batchIntervalMs: number;
  getCheckpointDir(): string | undefined;
  emitBatchStarted(e: BatchStartedEvent): void;
  emitBatchCompleted(e: BatchCompletedEvent): void;
  /** A problem that does not stop the stream when someone listens for 'error'. */
  reportError(e: KindlingError): void;
  /** A failed batch: the stream stops. */
  fail(e: KindlingError): void;
}

export class JobGenerator {
  lastCompletedMs: number | undefined;
  private nextBatchMs = 0;
  private replayUntilMs = -Infinity;
  private readonly pending = new Set<number>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private dropQueued = false;
  private failure: KindlingError | undefined;
  /**
   * Checkpoints per stream key, oldest first: a stateful stream's from the one a recovery now
   * would restart from (restore-plan.ts) on; a lineage cut's (checkpoint(interval)), the latest.
   */
  private readonly stateRecords = new Map<string, StateRecord[]>();
  /** Metadata file name -> state directories it refers to; a directory no file refers to is deleted. */
  readonly fileRefs = new Map<string, string[]>();
  readonly knownStateDirs = new Set<string>();
  private readonly cpStats = new Map<number, CheckpointWrittenEvent>();
  /** The batch time whose code (output operations, transform functions) is running. */
  private readonly batchScope = new AsyncLocalStorage<number>();
  private runningBatchMs: number | undefined;
  private readonly onCheckpointWritten = (e: CheckpointWrittenEvent): void =>
    void this.cpStats.set(e.rddId, e);

  constructor(private readonly host: GeneratorHost) {}

  /** Starts the timer (or listens to a ManualClock) from the batch after `lastCompletedMs`. */
  start(lastCompletedMs: number | undefined, pendingMs: number[]): void {
    const zero = this.host.graph.zeroTimeMs ?? 0;
    this.lastCompletedMs = lastCompletedMs;
    this.nextBatchMs = (lastCompletedMs ?? zero) + this.host.batchIntervalMs;
    this.replayUntilMs = Math.max(-Infinity, ...pendingMs);
    this.host.graph.markFromMs = this.nextBatchMs;
    this.host.sparkContext.on('checkpointWritten', this.onCheckpointWritten);
  }

  /** Queues every batch due at `nowMs`; resolves when they have all run. */
  onTime(nowMs: number): Promise<void> {
    while (!this.stopping && this.nextBatchMs <= nowMs) {
      const t = this.nextBatchMs;
      this.nextBatchMs += this.host.batchIntervalMs;
      this.chain = this.chain.then(async () => {
        this.runningBatchMs = t;
        await this.batchScope.run(t, () => this.runBatch(t));
        this.runningBatchMs = undefined;
      });
    }
    return this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
    });
  }

  /** SystemClock: a timer per batch time; a slow batch delays the next, it never overlaps. */
  scheduleTimer(): void {
    if (this.stopping) return;
    const delay = Math.max(0, this.nextBatchMs - this.host.clock.now());
    this.timer = setTimeout(() => {
      this.onTime(this.host.clock.now()).catch(() => undefined);
      this.scheduleTimer();
    }, delay);
  }

  /** True in code of the batch still running (a timer it left behind is not): a stop awaited there must not wait for it. */
  isInsideBatch(): boolean {
    const t = this.batchScope.getStore();
    return t !== undefined && t === this.runningBatchMs;
  }

  async stop(graceful: boolean): Promise<void> {
    this.stopping = true;
    this.dropQueued = !graceful;
    clearTimeout(this.timer);
    await this.chain;
    if (graceful && this.failure === undefined && this.lastCompletedMs !== undefined) {
      // The latest state is checkpointed at a graceful stop, so a restart replays nothing (Spark did not, SPARK-12122).
      try {
        await this.completeCheckpoints(this.lastCompletedMs, true);
        this.writeMetadata(this.lastCompletedMs);
        this.deleteUnreferencedState();
      } catch (e) {
        this.host.reportError(asKindlingError(e, this.lastCompletedMs, 'the final checkpoint'));
      }
    }
    this.host.sparkContext.off('checkpointWritten', this.onCheckpointWritten);
  }

  private async runBatch(t: number): Promise<void> {
    if (this.failure !== undefined || this.dropQueued) return;
    const { graph, clock } = this.host;
    const schedulingDelayMs = Math.max(0, clock.now() - t);
    const started = performance.now();
    const recordsBefore = this.recordsRead();
    this.host.emitBatchStarted({ batchTimeMs: t });
    let metadataCheckpointMs = 0;
    let where = 'generating its RDDs';
    try {
      graph.lastBatchMs = t;
      for (const input of graph.inputs) input.getOrCompute(t);
      this.pending.add(t);
      metadataCheckpointMs += this.writeMetadata(t);
      // The write failure was the stream's death (no 'error' listener): run nothing more.
      if (this.dropQueued) return;
      for (const op of graph.outputs) {
        where = `${op.kind} of ${op.stream.key}`;
        const rdd = op.stream.getOrCompute(t);
        if (rdd !== undefined) await op.run(rdd, t);
      }
      where = 'its state checkpoints';
      const stateCheckpoints = await this.completeCheckpoints(t, false);
      this.pending.delete(t);
      this.lastCompletedMs = t;
      graph.clearMetadata(t);
      this.retainForRecovery();
      metadataCheckpointMs += this.writeMetadata(t);
      this.deleteUnreferencedState();
      const processingDelayMs = performance.now() - started;
      this.host.emitBatchCompleted({
        batchTimeMs: t,
        records: this.recordsRead() - recordsBefore,
        schedulingDelayMs,
        processingDelayMs,
        totalDelayMs: schedulingDelayMs + processingDelayMs,
        replayed: t <= this.replayUntilMs,
        metadataCheckpointMs,
        stateCheckpoints,
      });
    } catch (e) {
      this.failure = isKindlingError(e)
        ? streamingErrors.inBatch(e, t, where)
        : streamingErrors.batchFailed(t, where, e);
      this.stopping = true;
      clearTimeout(this.timer);
      this.host.fail(this.failure);
    }
  }

  private recordsRead(): number {
    return this.host.graph.inputs.reduce((n, s) => n + (s.impl.input?.recordsRead() ?? 0), 0);
  }

  /** Materializes the checkpoints marked for `t` (or, when `force`, of the latest state) and records them. */
  private async completeCheckpoints(
    t: number,
    force: boolean,
  ): Promise<BatchCompletedEvent['stateCheckpoints']> {
    const done: BatchCompletedEvent['stateCheckpoints'] = [];
    for (const s of this.host.graph.streams) {
      if (s.checkpointIntervalMs === undefined) continue;
      const rdd = s.impl.state?.stateAt(t) ?? s.generated.get(t);
      if (rdd === undefined || (rdd.checkpointData === undefined && !force)) continue;
      if (rdd.checkpointData?.kind === 'local') continue;
      if (!rdd.isCheckpointed()) {
        if (rdd.checkpointData === undefined) rdd.checkpoint();
        await rdd.count();
      }
      const dir = rdd.getCheckpointFile();
      if (dir === undefined || this.stateRecords.get(s.key)?.at(-1)?.dir === dir) continue;
      const stats = this.cpStats.get(rdd.id);
      this.cpStats.delete(rdd.id);
      const record = this.record(s, t, dir, stats);
      done.push({
        operator: s.key,
        records: record.records,
        bytes: record.bytes,
        durationMs: stats?.durationMs ?? 0,
      });
    }
    return done;
  }

  private record(
    s: DStream<unknown>,
    t: number,
    dir: string,
    stats: CheckpointWrittenEvent | undefined,
  ): StateRecord {
    const record: StateRecord = {
      key: s.key,
      kind: s.impl.kind,
      stateful: s.impl.state !== undefined,
      timeMs: t,
      dir,
      records: stats?.records ?? 0,
      bytes: stats?.bytes ?? 0,
    };
    this.addStateRecord(record);
    this.knownStateDirs.add(dir);
    return record;
  }

  /** A checkpoint written now or recorded by the checkpoint recovered from. */
  addStateRecord(record: StateRecord): void {
    const list = record.stateful ? (this.stateRecords.get(record.key) ?? []) : [];
    list.push(record);
    list.sort((a, b) => a.timeMs - b.timeMs);
    this.stateRecords.set(record.key, list);
  }

  private allStateRecords(): StateRecord[] {
    return [...this.stateRecords.values()].flat();
  }

  /**
   * Keeps what a recovery now would use (restore-plan.ts): the state checkpoints it would restart
   * from and newer ones, and the inputs' recorded batches from the earliest it would recompute.
   */
  private retainForRecovery(): void {
    const { graph, batchIntervalMs } = this.host;
    const zero = graph.zeroTimeMs ?? 0;
    const first = (this.lastCompletedMs ?? zero) + batchIntervalMs;
    const plan = planRestore(
      graph,
      zero,
      first,
      this.allStateRecords(),
      (s) => s.restoredTimeMs ?? 'zero',
    );
    for (const [key, from] of plan.restoreFrom) {
      const list = this.stateRecords.get(key) ?? [];
      this.stateRecords.set(
        key,
        list.filter((r) => r.timeMs >= from.timeMs),
      );
    }
    // The last completed batch's files stay recorded too: inspect shows what it read.
    const last = this.lastCompletedMs ?? first;
    for (const s of graph.inputs) {
      const earliest = Math.min(plan.earliestMs.get(s) ?? last, last);
      s.impl.input?.prune(earliest - s.slideDurationMs);
    }
  }

  snapshot(t: number): StreamingCheckpointData {
    const { graph } = this.host;
    return {
      checkpointTimeMs: t,
      writtenAt: new Date().toISOString(),
      batchIntervalMs: this.host.batchIntervalMs,
      zeroTimeMs: graph.zeroTimeMs ?? 0,
      lastCompletedMs: this.lastCompletedMs ?? null,
      pendingMs: [...this.pending].sort((a, b) => a - b),
      streams: graph.streams.map((s) => ({
        key: s.key,
        kind: s.impl.kind,
        slideMs: s.slideDurationMs,
        checkpointIntervalMs: s.checkpointIntervalMs ?? null,
        stateful: s.impl.state !== undefined,
        ...(s.impl.state === undefined ? {} : { historyFromMs: s.restoredTimeMs ?? null }),
      })),
      sources: graph.inputs.flatMap((s) => {
        const position = s.impl.input?.position();
        return position === undefined ? [] : [{ key: s.key, kind: s.impl.kind, position }];
      }),
      state: this.allStateRecords(),
    };
  }

  /**
   * A fresh start's checkpoint-<zeroTime>, before any batch (Spark writes none): a process
   * killed before its first batch's checkpoint then restarts on the same grid, with the files
   * that were there at the first start still ignored and those that arrived since still to
   * read (a fresh start would ignore them all). A failure fails start().
   */
  writeStartCheckpoint(): void {
    const dir = this.host.getCheckpointDir();
    if (dir !== undefined) this.commitMetadata(dir, this.host.graph.zeroTimeMs ?? 0);
  }

  /** Writes checkpoint-<t>; a failure (after retries) is reported, never dropped (Spark's CheckpointWriter drops it, SPARK-22429). */
  private writeMetadata(t: number): number {
    const dir = this.host.getCheckpointDir();
    if (dir === undefined) return 0;
    const started = performance.now();
    try {
      this.commitMetadata(dir, t);
    } catch (e) {
      this.host.reportError(asKindlingError(e, t, 'writing the metadata checkpoint'));
    }
    return performance.now() - started;
  }

  private commitMetadata(dir: string, t: number): void {
    const data = this.snapshot(t);
    const name = `checkpoint-${t}`;
    const previous = this.fileRefs.get(name);
    const { deleted } = writeCheckpointFile(dir, data);
    if (previous !== undefined) this.fileRefs.set(`${name}.bk`, previous);
    this.fileRefs.set(
      name,
      data.state.map((r) => r.dir),
    );
    for (const d of deleted) this.fileRefs.delete(d);
  }

  private deleteUnreferencedState(): void {
    const referenced = new Set<string>([...this.fileRefs.values()].flat());
    for (const r of this.allStateRecords()) referenced.add(r.dir);
    const own = this.host.sparkContext.getCheckpointDir();
    for (const dir of this.knownStateDirs) {
      if (referenced.has(dir)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      this.knownStateDirs.delete(dir);
      const parent = path.dirname(dir);
      if (parent !== own) removeIfEmpty(parent);
    }
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  } catch {
    // Already gone, or not ours to remove.
  }
}

export function asKindlingError(e: unknown, t: number, where: string): KindlingError {
  return isKindlingError(e) ? e : streamingErrors.batchFailed(t, where, e);
}
