// The cluster TaskRunner behind a dynamic import: bullmq and ioredis (~200 ms and ~300 files to
// load) are read when a Context in cluster mode first connects, never by a local program.

import type { TaskRequest, TaskResult } from '../shared/protocol.js';
import type { TaskRunner } from '../scheduler/task-runner.js';
import type { BullMQTaskRunner } from './bullmq-runner.js';

type RunnerModule = typeof import('./bullmq-runner.js');

export class LazyClusterRunner implements TaskRunner {
  private loading: Promise<BullMQTaskRunner> | undefined;
  private loaded: BullMQTaskRunner | undefined;

  constructor(
    /** Lanes to plan for until the runner is loaded (then its connected workers decide). */
    private readonly fallbackWorkers: number,
    private readonly create: (module: RunnerModule) => BullMQTaskRunner,
  ) {}

  get workers(): number {
    return this.loaded?.workers ?? this.fallbackWorkers;
  }

  async ready(): Promise<void> {
    await (await this.load()).ready();
  }

  async run(request: TaskRequest, signal: AbortSignal): Promise<TaskResult> {
    return (await this.load()).run(request, signal);
  }

  async runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]> {
    return (await this.load()).runBatch(requests, signal);
  }

  async close(): Promise<void> {
    // Nothing to close when it never loaded (or failed to: that failure was the caller's).
    const runner = await this.loading?.catch(() => undefined);
    await runner?.close();
  }

  private load(): Promise<BullMQTaskRunner> {
    this.loading ??= import('./bullmq-runner.js').then((m) => (this.loaded = this.create(m)));
    return this.loading;
  }
}
