// Sums of task metrics for a stage or a job (Spark's StageData/JobData aggregates): plain data
// that listener events carry. One function adds a task attempt, so stages and jobs agree.

import { TASK_IO_COUNTERS, type TaskIoCounter, type TaskMetrics } from '../shared/protocol.js';

/** Attempt counts and times, plus TaskMetrics' I/O counters summed (TASK_IO_COUNTERS). */
export type MetricsTotals = {
  tasks: number;
  failedTasks: number;
  /** Sum of task durations (not wall time: tasks overlap). */
  taskTimeMs: number;
  /** Present only when every task reported it (see TaskMetrics.cpuTimeMs). */
  cpuTimeMs?: number;
  gcTimeMs: number;
} & Record<TaskIoCounter, number>;

export function emptyTotals(): MetricsTotals {
  return { tasks: 0, failedTasks: 0, taskTimeMs: 0, gcTimeMs: 0, ...zeroCounters() };
}

function zeroCounters(): Record<TaskIoCounter, number> {
  // Filled just below from the same list the type is made of.
  const c = {} as Record<TaskIoCounter, number>;
  for (const k of TASK_IO_COUNTERS) c[k] = 0;
  return c;
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
  for (const k of TASK_IO_COUNTERS) t[k] += m[k];
}
