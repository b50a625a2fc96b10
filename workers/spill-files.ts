// Spill runs of one task (Spark's DiskBlockObjectWriter for ExternalSorter and
// ExternalAppendOnlyMap spills): records written in their sorted order as frames of the record
// codec, crc-checked when read back, one run a file in localDir. A run is read as a stream, one
// frame at a time. Every run is removed when the task ends, whether it succeeds or fails; a
// worker that dies leaves names carrying the attempt tag, which the main thread removes.

import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { encodeFrame, readFrames, type Codec } from '../src/shared/format/frames.js';
import { errors } from '../src/shared/errors.js';
import { ensureDirectory, ioError } from '../src/shared/io-errors.js';
import { spillFileName } from '../src/shared/file-names.js';
import type { TaskMemory } from '../src/shared/protocol.js';
import { rethrowing } from './batch.js';
import { taskAttemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';
import { estimateSize } from './size-estimator.js';
import { recordsWithin } from './batch-bytes.js';

// Small frames: a merge holds one decoded frame of every run at once, so a frame holds at most
// SPILL_FRAME_RECORDS records and, for large records, about SPILL_FRAME_BYTES of them (estimated
// from a sample): 1024 records of 700 KB would be a 700 MB frame, one of them per run.
export const SPILL_FRAME_RECORDS = 1024;
const SPILL_FRAME_BYTES = 1 << 20;
const FRAME_SAMPLES = 16;
const SPILL_CODEC: Codec = 'lz4';
// Share of a worker's own heap a task may fill when the plan carries no budget (options.ts).
const DEFAULT_TASK_MEMORY_FRACTION = 0.25;

export interface SpillRun {
  path: string;
  bytes: number;
  records: number;
}

/** The task's memory budget: the plan's, or derived from this worker's heap limit. */
export function taskMemory(ctx: TaskContext): TaskMemory {
  const planned = ctx.loaded.plan.memory;
  if (planned !== undefined) return planned;
  const limit = v8.getHeapStatistics().heap_size_limit;
  return {
    budgetBytes: Math.floor(limit * DEFAULT_TASK_MEMORY_FRACTION),
    workerMemoryMb: Math.floor(limit / 2 ** 20),
  };
}

/** `records` in frame-sized slices (the array itself when it is one). */
function* slices(records: readonly unknown[]): Generator<readonly unknown[]> {
  for (let i = 0; i < records.length;) {
    const n = frameRecords(records, i);
    yield n === records.length ? records : records.slice(i, i + n);
    i += n;
  }
}

/** How many records from `from` on make a frame: by count, or by their sampled size. */
function frameRecords(records: readonly unknown[], from: number): number {
  const most = Math.min(records.length - from, SPILL_FRAME_RECORDS);
  const k = Math.min(most, FRAME_SAMPLES);
  let sum = 0;
  for (let s = 0; s < k; s++) sum += estimateSize(records[from + Math.floor((s * most) / k)]);
  return recordsWithin(SPILL_FRAME_BYTES, sum / k, most);
}

/** The spill runs of one sorter or map of one task. */
export class SpillFiles {
  private readonly runs: SpillRun[] = [];
  private removed = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly purpose: string,
  ) {
    ctx.onTaskEnd(() => this.removeAll());
  }

  get count(): number {
    return this.runs.length;
  }

  get bytesWritten(): number {
    return this.runs.reduce((sum, r) => sum + r.bytes, 0);
  }

  /** Writes `records` (already in the run's order) as a new run. */
  write(records: readonly unknown[]): SpillRun {
    return this.writeBatches([records]);
  }

  /** Writes batches of records (already in the run's order) as a new run, in frame-sized slices. */
  writeBatches(batches: Iterable<readonly unknown[]>): SpillRun {
    const ctx = this.ctx;
    ensureDirectory(ctx.localDir, 'localDir');
    const { stageId, partitionIndex } = ctx.info;
    const tag = taskAttemptTag(ctx);
    const name = spillFileName(this.purpose, stageId, partitionIndex, this.runs.length, tag);
    const run: SpillRun = { path: path.join(ctx.localDir, name), bytes: 0, records: 0 };
    this.runs.push(run);
    let fd: number | undefined;
    try {
      fd = fs.openSync(run.path, 'w');
      for (const batch of batches) {
        for (const slice of slices(batch)) {
          const frame = encodeFrame(slice, SPILL_CODEC);
          fs.writeSync(fd, frame);
          run.bytes += frame.length;
          run.records += slice.length;
        }
      }
    } catch (e) {
      // ENOSPC and the like: an IO_ERROR naming the file (retried: another attempt may fit).
      throw ioError('write the spill file', run.path, e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    // TaskMetrics' spill bytes (Spark's diskBytesSpilled), as the map side counts its spills.
    ctx.counters.spillBytes += run.bytes;
    return run;
  }

  /**
   * The records of `run`, in the order written, a frame at a time. A run deleted or damaged
   * under the task is an IO_ERROR naming it, which the scheduler retries (the run is rewritten
   * by the next attempt), never CHECKPOINT_CORRUPT, which would fail the job.
   */
  *read(run: SpillRun): Generator<unknown[]> {
    const where = { path: run.path, partitionIndex: this.ctx.info.partitionIndex };
    const frames = readFrames(run.path, SPILL_CODEC, 0, run.bytes, where)[Symbol.iterator]();
    yield* rethrowing(frames, (e) =>
      errors.io('read the spill file', run.path, messageOf(e), codeOf(e), e),
    );
  }

  all(): readonly SpillRun[] {
    return this.runs;
  }

  removeAll(): void {
    if (this.removed) return;
    this.removed = true;
    for (const run of this.runs) fs.rmSync(run.path, { force: true });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
