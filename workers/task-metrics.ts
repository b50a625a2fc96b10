// The metrics of one task attempt inside a worker (Spark's TaskMetrics): counters the pipeline
// adds to as data passes (shuffle, spill, input, output), and the timing, thread and GC time
// measured around the attempt. Counters only grow; finishTaskMetrics() reads them once.

import { PerformanceObserver, performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { EXECUTOR_NAME_ENV, type TaskMetrics } from '../src/shared/protocol.js';

const EXECUTOR_NAME = process.env[EXECUTOR_NAME_ENV];

/**
 * What the pipeline counts while the task runs (out-of-core code adds every spill file's bytes
 * to spillBytes); every field starts at 0. The fields are TaskMetrics' own, not a copy.
 */
export type TaskCounters = Pick<
  TaskMetrics,
  | 'bytesRead'
  | 'recordsWritten'
  | 'bytesWritten'
  | 'shuffleReadRecords'
  | 'shuffleReadBytes'
  | 'shuffleWriteRecords'
  | 'shuffleWriteBytes'
  | 'spillBytes'
>;

export function newTaskCounters(): TaskCounters {
  return {
    bytesRead: 0,
    recordsWritten: 0,
    bytesWritten: 0,
    shuffleReadRecords: 0,
    shuffleReadBytes: 0,
    shuffleWriteRecords: 0,
    shuffleWriteBytes: 0,
    spillBytes: 0,
  };
}

// GC entries reach an observer asynchronously (a macrotask after the pause), so a task sums the
// pauses that started in its window and were delivered before it ended; one observer per
// worker thread, kept for the thread's life (a few recent entries, pruned as tasks end).
const gcPauses: { start: number; duration: number }[] = [];
let gcObserver: PerformanceObserver | undefined;

function observeGc(): void {
  if (gcObserver !== undefined) return;
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** Node >= 23.9 has a per-thread CPU clock; Node 20 only a per-process one (not used). */
function readThreadCpu(): { user: number; system: number } | undefined {
  const f: unknown = Reflect.get(process, 'threadCpuUsage');
  if (typeof f !== 'function') return undefined;
  const usage: unknown = f.call(process);
  if (typeof usage !== 'object' || usage === null) return undefined;
  const user: unknown = Reflect.get(usage, 'user');
  const system: unknown = Reflect.get(usage, 'system');
  return typeof user === 'number' && typeof system === 'number' ? { user, system } : undefined;
}

export interface TaskClock {
  started: number;
  cpu?: { user: number; system: number };
}

export function startTaskClock(): TaskClock {
  observeGc();
  const clock: TaskClock = { started: performance.now() };
  const cpu = readThreadCpu();
  if (cpu !== undefined) clock.cpu = cpu;
  return clock;
}

export function finishTaskMetrics(
  clock: TaskClock,
  counters: TaskCounters,
  extra: { recordsRead: number; checkpointBytes: number; cachedBytes: number },
): TaskMetrics {
  const finished = performance.now();
  let gcTimeMs = 0;
  for (const p of gcPauses)
    if (p.start >= clock.started && p.start <= finished) gcTimeMs += p.duration;
  // Entries before this task can no longer belong to any task of this thread.
  gcPauses.length = 0;
  const metrics: TaskMetrics = {
    durationMs: finished - clock.started,
    recordsRead: extra.recordsRead,
    threadId,
    ...(EXECUTOR_NAME === undefined ? {} : { executor: EXECUTOR_NAME }),
    launchTime: performance.timeOrigin + clock.started,
    finishTime: performance.timeOrigin + finished,
    gcTimeMs,
    ...counters,
    checkpointBytes: extra.checkpointBytes,
    cachedBytes: extra.cachedBytes,
  };
  const now = readThreadCpu();
  if (clock.cpu !== undefined && now !== undefined) {
    metrics.cpuTimeMs = (now.user - clock.cpu.user + now.system - clock.cpu.system) / 1000;
  }
  return metrics;
}
