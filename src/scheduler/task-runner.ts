// TaskRunner: how the scheduler gets a task computed. The real one is a Piscina
// pool; scheduler tests use a fake that records requests and answers at once.

import type { TaskRequest, TaskResult } from '../shared/protocol.js';

export interface TaskRunner {
  /** Resolves with the worker's answer; rejects only when the worker itself died or the signal aborted. */
  run(request: TaskRequest, signal: AbortSignal): Promise<TaskResult>;
  /** Several first attempts in one round trip; results in the same order. */
  runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]>;
  readonly workers: number;
  /** Connects before the first job when connecting can fail (cluster mode: Redis). */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
