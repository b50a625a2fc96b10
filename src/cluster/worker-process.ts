// A `kindling worker` process: announces itself, watches the applications drivers announce,
// and for each one of its own version consumes that application's queue with `threads`
// concurrent jobs, running every task on a Piscina pool of its own (the unchanged worker
// threads, whose ControlApi is answered from Redis). A pool per application keeps the
// threads' plan and broadcast caches, keyed by per-application ids, from ever mixing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultWorkerMemoryMb } from '../options.js';
import { Worker, type Job } from 'bullmq';
import { EXECUTOR_NAME_ENV, type TaskRequest, type TaskResult } from '../shared/protocol.js';
import { attemptTag } from '../shared/file-names.js';
import { PiscinaTaskRunner } from '../scheduler/piscina-runner.js';
import { spillBlock } from '../storage/block-spill.js';
import { isS3Url } from '../storage/storage-url.js';
import { TaskStaging } from '../storage/task-staging.js';
import type { TaskRunner } from '../scheduler/task-runner.js';
import { redisControlApi } from './control-store.js';
import { Heartbeat, RecordWatcher } from './registry.js';
import {
  bullConnectionOptions,
  connectRedis,
  subscribe,
  type Redis,
  type RedisMaster,
} from './redis.js';
import { TaskCancels } from './task-cancels.js';
import {
  decodeBase64,
  encodeBase64,
  cancelChannel,
  executorKey,
  LOCK_DURATION_MS,
  MAX_STALLED_COUNT,
  QUEUE_PREFIX,
  STALLED_INTERVAL_MS,
  type AppRecord,
  type ExecutorRecord,
  type TaskJobData,
} from './wire.js';

export interface ClusterWorkerOptions {
  master: RedisMaster;
  threads: number;
  name: string;
  version: string;
  log(line: string): void;
}

interface AppConsumer {
  worker: Worker<TaskJobData, string>;
  pool: TaskRunner;
  staging: TaskStaging;
}

export class ClusterWorker {
  private readonly apps = new Map<string, AppConsumer>();
  private redis: Redis | undefined;
  private heartbeat: Heartbeat | undefined;
  private watcher: RecordWatcher<AppRecord> | undefined;
  private draining: Promise<void> | undefined;
  private readonly cancels = new TaskCancels();
  /** Subscribed to the cancel channel of each application served. */
  private cancelSubscriber: Redis | undefined;

  constructor(private readonly opts: ClusterWorkerOptions) {}

  /** Connected and announced; CLUSTER_UNREACHABLE naming the URL when Redis does not answer. */
  async start(): Promise<void> {
    const { master, name, threads, version } = this.opts;
    // Worker threads copy the environment when they start: their task metrics name this process.
    process.env[EXECUTOR_NAME_ENV] = name;
    this.redis = await connectRedis(master);
    const record: ExecutorRecord = {
      name,
      threads,
      version,
      host: os.hostname(),
      pid: process.pid,
    };
    this.heartbeat = await Heartbeat.start(this.redis, 'executor', executorKey(name), record, (e) =>
      this.opts.log(`heartbeat failed: ${String(e)}`),
    );
    this.cancelSubscriber = await subscribe(this.redis, [], (channel, message) =>
      this.onCancel(channel, message),
    );
    this.watcher = new RecordWatcher<AppRecord>(this.redis, 'app', (a) => a.appId, {
      added: (app) => this.addApp(app),
      // Its driver stopped or died: its running tasks are of no use to anyone.
      removed: (app) => this.removeApp(app.appId, true),
      error: (e) => this.opts.log(`cannot list applications: ${String(e)}`),
    });
    await this.watcher.start();
  }

  /** SIGTERM: take no new task, finish the running ones, leave the cluster. */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      await this.watcher?.stop();
      await Promise.all([...this.apps.keys()].map((appId) => this.removeApp(appId)));
      await this.heartbeat?.stop();
      this.cancelSubscriber?.disconnect();
      this.redis?.disconnect();
    })();
    return this.draining;
  }

  private addApp(app: AppRecord): void {
    if (this.draining !== undefined || this.apps.has(app.appId)) return;
    if (app.version !== this.opts.version) {
      this.opts.log(
        `refusing application ${app.appId}: it runs kindling ${app.version}, this worker ${this.opts.version}`,
      );
      return;
    }
    const redis = this.redis;
    if (redis === undefined) return;
    // S3 storage or checkpoints: threads work on local copies under this process's temp dir.
    const control = redisControlApi(redis, app.appId);
    const staging = new TaskStaging({
      root: path.join(os.tmpdir(), `kindling-worker-${process.pid}`, app.appId),
      memoryBlocksToStorage: true,
    });
    const pool = staging.wrapRunner(
      new PiscinaTaskRunner(
        this.opts.threads,
        staging.wrapControl(control),
        app.workerMemoryMb ?? defaultWorkerMemoryMb(),
      ),
      control,
    );
    const worker = new Worker<TaskJobData, string>(
      app.queue,
      (job) => this.runJob(app, pool, job),
      {
        connection: bullConnectionOptions(this.opts.master),
        prefix: QUEUE_PREFIX,
        concurrency: this.opts.threads,
        lockDuration: LOCK_DURATION_MS,
        stalledInterval: STALLED_INTERVAL_MS,
        maxStalledCount: MAX_STALLED_COUNT,
        // A driver's queue may be idle for long; a short block keeps shutdown prompt.
        drainDelay: 1,
      },
    );
    worker.on('error', (e) => this.opts.log(`queue ${app.queue}: ${e.message}`));
    this.apps.set(app.appId, { worker, pool, staging });
    this.cancels.serve(app.appId);
    this.cancelSubscriber?.subscribe(cancelChannel(app.appId)).catch(() => {});
    this.opts.log(`serving application ${app.appId}`);
  }

  /** `abortRunning`: the driver is gone; otherwise (a drain) running tasks finish first. */
  private async removeApp(appId: string, abortRunning = false): Promise<void> {
    const consumer = this.apps.get(appId);
    if (consumer === undefined) return;
    this.apps.delete(appId);
    if (abortRunning) this.cancels.abortAll(appId);
    // close() without force waits for the running jobs: that is the drain.
    await consumer.worker.close();
    await consumer.pool.close();
    consumer.staging.removeAll();
    this.cancels.forget(appId);
    this.cancelSubscriber?.unsubscribe(cancelChannel(appId)).catch(() => {});
    this.opts.log(`left application ${appId}`);
  }

  /** A driver's cancel message: the JSON job ids on its application's channel. */
  private onCancel(channel: string, message: string): void {
    const appId = [...this.apps.keys()].find((id) => cancelChannel(id) === channel);
    if (appId === undefined) return;
    try {
      const ids: unknown = JSON.parse(message);
      if (Array.isArray(ids)) this.cancels.cancel(appId, ids.map(String));
    } catch {
      // Not a message of ours: nothing to cancel.
    }
  }

  private async runJob(app: AppRecord, pool: TaskRunner, job: Job<TaskJobData>): Promise<string> {
    const request = decodeBase64(job.data.request) as TaskRequest;
    const task = this.cancels.start(app.appId, job.id ?? '');
    // An aborted task rejects (Piscina terminates its thread): the job fails, and the driver,
    // which cancelled it, waits for it no more.
    const result = await pool.run(request, task.signal).finally(() => task.release());
    // On S3 storage, task staging has already uploaded memory blocks with the other outputs.
    if (!isS3Url(app.dir)) storeMemoryBlocksOnDisk(result, request, app.dir);
    return encodeBase64(result);
  }
}

/**
 * A memory-level cache block is a SharedArrayBuffer, which cannot leave this process: it is
 * written as a disk block under the application's storage directory instead, so any worker
 * can read it (the level is kept; only where the bytes live changes).
 */
function storeMemoryBlocksOnDisk(result: TaskResult, request: TaskRequest, appDir: string): void {
  if (result.kind === 'fetchFailed') return;
  for (const block of result.side.blocks) {
    const buffer = block.buffer;
    if (buffer === undefined) continue;
    const target = path.join(
      appDir,
      'blocks',
      `${block.blockId}.${attemptTag(request.taskId, request.attempt)}.cached`,
    );
    fs.mkdirSync(path.dirname(target), { recursive: true });
    spillBlock(buffer, 'none', target);
    delete block.buffer;
    block.path = target;
  }
}
