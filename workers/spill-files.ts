// Spill runs of one task (Spark's DiskBlockObjectWriter for ExternalSorter and
// ExternalAppendOnlyMap spills): records written in their sorted order as frames of the record
// codec, crc-checked when read back, one run a file in localDir. A run is read as a stream, one
// frame at a time. Every run is removed when the task ends, whether it succeeds or fails; a
// worker that dies leaves names carrying the attempt tag, which the main thread removes.

import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { encodeFrame, readFrames, type Codec } from '../src/format/frames.js';
import type { TaskMemory } from '../src/protocol.js';
import { attemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';

// Small frames: a merge holds one decoded frame of every run at once.
export const SPILL_FRAME_RECORDS = 1024;
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

/** `records` in frame-sized slices. */
export function* slices(records: readonly unknown[]): Generator<unknown[]> {
  for (let i = 0; i < records.length; i += SPILL_FRAME_RECORDS)
    yield records.slice(i, i + SPILL_FRAME_RECORDS);
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
    return this.writeBatches(slices(records));
  }

  /** Writes batches of records (already in the run's order) as a new run. */
  writeBatches(batches: Iterable<readonly unknown[]>): SpillRun {
    const ctx = this.ctx;
    fs.mkdirSync(ctx.localDir, { recursive: true });
    const name =
      `spill_${this.purpose}_${ctx.info.stageId}_${ctx.info.partitionIndex}_` +
      `${this.runs.length}.${attemptTag(ctx)}`;
    const run: SpillRun = { path: path.join(ctx.localDir, name), bytes: 0, records: 0 };
    this.runs.push(run);
    const fd = fs.openSync(run.path, 'w');
    try {
      for (const batch of batches) {
        const frame = encodeFrame(batch, SPILL_CODEC);
        fs.writeSync(fd, frame);
        run.bytes += frame.length;
        run.records += batch.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    return run;
  }

  /** The records of `run`, in the order written, a frame at a time. */
  *read(run: SpillRun): Generator<unknown[]> {
    const where = { path: run.path, partitionIndex: this.ctx.info.partitionIndex };
    yield* readFrames(run.path, SPILL_CODEC, 0, run.bytes, where);
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
