// The real TaskRunner: a Piscina pool of worker threads running
// workers/worker.js, loaded through workers/entry.cjs (see there). The only
// module that imports piscina. Workers start lazily with the first task; each
// hands over its control-plane port. Each worker has a heap limit of its own
// (the same on every Node version): one that runs out dies alone, its task
// fails with a message naming the limit, its attempt's files are removed by
// tag, and piscina starts a replacement.

import { Piscina } from 'piscina';
import {
  WORKER_OUT_OF_MEMORY,
  type ControlApi,
  type TaskBatch,
  type TaskRequest,
  type TaskResult,
} from '../shared/protocol.js';
import { exposeControlApi, isControlPortMessage } from './control-plane.js';
import type { TaskRunner } from './task-runner.js';

/** The module each pool thread loads (also used by the worker-entry unit test). */
export const WORKER_FILE = new URL('../../workers/entry.cjs', import.meta.url).href;

// The young generation (Spark's -Xmn tuning), stated rather than left to V8, so a worker's heap
// is the same on every Node (Node 20 and 22 give a worker 48 MiB whatever its old generation,
// Node 24 192 MiB: three times a 64 MiB workerMemoryMb, whose scavenges then promoted more at
// once than the old generation could take). A shuffle allocates an array or two per record
// that die within the batch, and each scavenge costs by what survives it, so fewer, larger
// scavenges cost less: 64 MiB semi-spaces took 25-40% off the CPU of a reduce-side join (4 M
// records). Kept under an eighth of the worker's heap limit, and never below V8's default 48.
const YOUNG_GENERATION_MB = { min: 48, max: 192 };

export function youngGenerationMb(workerMemoryMb: number): number {
  const { min, max } = YOUNG_GENERATION_MB;
  return Math.max(min, Math.min(max, Math.floor(workerMemoryMb / 8)));
}

export class PiscinaTaskRunner implements TaskRunner {
  private readonly pool: Piscina<TaskRequest | TaskBatch, TaskResult | TaskResult[]>;

  constructor(
    readonly workers: number,
    control: ControlApi,
    private readonly workerMemoryMb: number,
  ) {
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: workers,
      maxThreads: workers,
      // Each worker computes one partition at a time: CPU-bound tasks gain nothing from more.
      concurrentTasksPerWorker: 1,
      idleTimeout: 30_000,
      resourceLimits: {
        maxOldGenerationSizeMb: workerMemoryMb,
        maxYoungGenerationSizeMb: youngGenerationMb(workerMemoryMb),
      },
    });
    this.pool.on('message', (message: unknown) => {
      if (isControlPortMessage(message)) exposeControlApi(control, message.port);
    });
    // Piscina emits 'error' for a worker that dies with no task in flight (and on a close
    // timeout). Unhandled, that event would crash the process; the pool has already replaced
    // the worker, and any task it was running rejects through its own promise.
    this.pool.on('error', () => {});
  }

  async run(request: TaskRequest, signal: AbortSignal): Promise<TaskResult> {
    try {
      return (await this.pool.run(request, { signal })) as TaskResult;
    } catch (e) {
      if (!signal.aborted && isOutOfMemory(e)) return this.outOfMemory();
      throw e;
    }
  }

  async runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]> {
    try {
      return (await this.pool.run({ kind: 'batch', tasks: requests }, { signal })) as TaskResult[];
    } catch (e) {
      // Which task of the batch filled the heap is unknown: each counts one failed attempt.
      if (!signal.aborted && isOutOfMemory(e)) return requests.map(() => this.outOfMemory());
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private outOfMemory(): TaskResult {
    return {
      kind: 'failure',
      error: {
        name: 'WorkerOutOfMemory',
        code: WORKER_OUT_OF_MEMORY,
        message:
          `the worker thread ran out of memory (workerMemoryMb: ${this.workerMemoryMb}). ` +
          `Use more partitions so each task holds less, or raise workerMemoryMb`,
      },
      side: { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] },
    };
  }
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === WORKER_OUT_OF_MEMORY;
}
