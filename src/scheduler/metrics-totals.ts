// Sums of task metrics for a stage or a job (Spark's StageData/JobData aggregates): plain data
// that listener events carry. One function adds a task attempt, so stages and jobs agree.

import type { TaskMetrics } from '../shared/protocol.js';

export interface MetricsTotals {
  tasks: number;
  failedTasks: number;
  /** Sum of task durations (not wall time: tasks overlap). */
  taskTimeMs: number;
  /** Present only when every task reported it (see TaskMetrics.cpuTimeMs). */
  cpuTimeMs?: number;
  gcTimeMs: number;
  recordsRead: number;
  bytesRead: number;
  recordsWritten: number;
  bytesWritten: number;
  shuffleReadRecords: number;
  shuffleReadBytes: number;
  shuffleWriteRecords: number;
  shuffleWriteBytes: number;
  spillBytes: number;
  checkpointBytes: number;
  cachedBytes: number;
}

export function emptyTotals(): MetricsTotals {
  return {
    tasks: 0,
    failedTasks: 0,
    taskTimeMs: 0,
    gcTimeMs: 0,
    recordsRead: 0,
    bytesRead: 0,
    recordsWritten: 0,
    bytesWritten: 0,
    shuffleReadRecords: 0,
    shuffleReadBytes: 0,
    shuffleWriteRecords: 0,
    shuffleWriteBytes: 0,
    spillBytes: 0,
    checkpointBytes: 0,
    cachedBytes: 0,
  };
}

/** Adds one task attempt; a failed one counts its time but not its (discarded) output. */
export function addTaskToTotals(
  t: MetricsTotals,
  m: TaskMetrics | undefined,
  successful: boolean,
): void {
  t.tasks++;
  if (!successful) t.failedTasks++;
  if (m === undefined) {
    delete t.cpuTimeMs;
    return;
  }
  t.taskTimeMs += m.durationMs;
  t.gcTimeMs += m.gcTimeMs;
  if (m.cpuTimeMs !== undefined && (t.tasks === 1 || t.cpuTimeMs !== undefined))
    t.cpuTimeMs = (t.cpuTimeMs ?? 0) + m.cpuTimeMs;
  else delete t.cpuTimeMs;
  if (!successful) return;
  t.recordsRead += m.recordsRead;
  t.bytesRead += m.bytesRead;
  t.recordsWritten += m.recordsWritten;
  t.bytesWritten += m.bytesWritten;
  t.shuffleReadRecords += m.shuffleReadRecords;
  t.shuffleReadBytes += m.shuffleReadBytes;
  t.shuffleWriteRecords += m.shuffleWriteRecords;
  t.shuffleWriteBytes += m.shuffleWriteBytes;
  t.spillBytes += m.spillBytes;
  t.checkpointBytes += m.checkpointBytes;
  t.cachedBytes += m.cachedBytes;
}
