// The real TaskRunner: a Piscina pool of worker threads running
// workers/worker.js. The only module that imports piscina. Workers start
// lazily with the first task; each hands over its control-plane port.

import { Piscina } from 'piscina';
import type { ControlApi, TaskBatch, TaskRequest, TaskResult } from '../protocol.js';
import { exposeControlApi, isControlPortMessage } from './control-plane.js';
import type { TaskRunner } from './task-runner.js';

const WORKER_FILE = new URL('../../workers/worker.js', import.meta.url).href;

export class PiscinaTaskRunner implements TaskRunner {
  private readonly pool: Piscina<TaskRequest | TaskBatch, TaskResult | TaskResult[]>;

  constructor(
    readonly workers: number,
    control: ControlApi,
  ) {
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: workers,
      maxThreads: workers,
      // Each worker computes one partition at a time: CPU-bound tasks gain nothing from more.
      concurrentTasksPerWorker: 1,
      idleTimeout: 30_000,
    });
    this.pool.on('message', (message: unknown) => {
      if (isControlPortMessage(message)) exposeControlApi(control, message.port);
    });
  }

  async run(request: TaskRequest, signal: AbortSignal): Promise<TaskResult> {
    return (await this.pool.run(request, { signal })) as TaskResult;
  }

  async runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]> {
    return (await this.pool.run({ kind: 'batch', tasks: requests }, { signal })) as TaskResult[];
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
