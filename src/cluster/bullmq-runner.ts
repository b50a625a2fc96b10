// The driver's TaskRunner in cluster mode, sibling of PiscinaTaskRunner: each task attempt is a
// BullMQ job in the application's queue, taken by a `kindling worker` process; its TaskResult
// comes back through the job's completion event, read by JobCompletions (job-completions.ts):
// the two are the only driver modules that import bullmq.
// The scheduler stays the judge: one run() resolves at most once, so one result per attempt.

import { Queue } from 'bullmq';
import type { KindlingError } from '../shared/errors.js';
import type { ControlApi, TaskRequest, TaskResult } from '../shared/protocol.js';
import type { TaskRunner } from '../scheduler/task-runner.js';
import { ControlPublisher } from './control-store.js';
import { JobCompletions } from './job-completions.js';
import { Heartbeat, RecordWatcher } from './registry.js';
import {
  asClusterError,
  bullConnectionOptions,
  bullQueueClient,
  connectRedis,
  unrefSockets,
  type Redis,
  type RedisMaster,
} from './redis.js';
import { codeVersion } from './version.js';
import {
  appKey,
  cancelChannel,
  decodeBase64,
  encodeBase64,
  jobId,
  KEY_PREFIX,
  LOCK_DURATION_MS,
  QUEUE_PREFIX,
  queueName,
  type AppRecord,
  type ExecutorRecord,
  type TaskJobData,
} from './wire.js';

/** How long stop() waits for Redis to clean up the application before it just disconnects. */
const CLOSE_TIMEOUT_MS = 3_000;

export interface ExecutorAddedEvent {
  name: string;
  threads: number;
  version: string;
  host: string;
}
export interface ExecutorRemovedEvent {
  name: string;
}

export interface ClusterListener {
  onExecutorAdded(e: ExecutorAddedEvent): void;
  onExecutorRemoved(e: ExecutorRemovedEvent): void;
  onWarning(message: string): void;
  /**
   * Tasks are waiting and no worker of this version is connected (true), or that ended (false):
   * a worker joined, or nothing waits any more. A warning says so too when it starts.
   */
  onWaitingForWorkers(waiting: boolean): void;
}

interface Connected {
  redis: Redis;
  queue: Queue;
  /** The Queue's own client: ours, so that its socket lets an idle process exit. */
  queueClient: Redis;
  publisher: ControlPublisher;
  heartbeat: Heartbeat;
  executors: RecordWatcher<ExecutorRecord>;
}

export class BullMQTaskRunner implements TaskRunner {
  private connecting: Promise<Connected> | undefined;
  private readonly version = codeVersion();
  /** Tasks wait and no compatible worker is connected: said once each time it begins. */
  private waitingForWorkers = false;

  constructor(
    private readonly master: RedisMaster,
    private readonly appId: string,
    /** The application's directory under storage (the plans' localDir). */
    private readonly dir: string,
    private readonly control: ControlApi,
    /** Lanes to plan for before any worker has announced itself. */
    private readonly fallbackWorkers: number,
    private readonly listener: ClusterListener,
    /** The application's workerMemoryMb, when set: workers size its threads by it. */
    private readonly workerMemoryMb: number | undefined,
  ) {
    this.completions = new JobCompletions(
      queueName(appId),
      bullConnectionOptions(master),
      // Spark logs a lost executor's tasks; here the lost task is a job whose lock expired.
      (id) =>
        listener.onWarning(
          `Task ${id} lost its worker (its lock was not renewed within ${LOCK_DURATION_MS} ms): ` +
            `it runs again on another worker`,
        ),
      () => this.updateWaiting(),
    );
  }

  private readonly completions: JobCompletions;

  /** Threads of the connected workers of this version: what the scheduler sizes lanes by. */
  get workers(): number {
    const threads = this.compatibleExecutors().reduce((n, e) => n + e.threads, 0);
    return threads > 0 ? threads : this.fallbackWorkers;
  }

  /** Connects on first use; CLUSTER_UNREACHABLE naming the URL when Redis does not answer. */
  async ready(): Promise<void> {
    const release = this.hold();
    try {
      await this.connected();
    } finally {
      release();
    }
  }

  run(request: TaskRequest, signal: AbortSignal): Promise<TaskResult> {
    return this.runBatch([request], signal).then((results) => results[0] as TaskResult);
  }

  /**
   * The requests as jobs added in one round trip (BullMQ's addBulk: one MULTI), each result
   * from the completion event of its job; rejects as a whole, as a thread's batch does.
   */
  async runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]> {
    const release = this.hold();
    try {
      const c = await this.connected();
      if (this.lostError !== undefined) throw this.lostError;
      signal.throwIfAborted();
      // BullMQ's own clients wait for Redis to come back; the driver gives up when its client does.
      return await Promise.race([this.submit(c, requests, signal), this.lost]);
    } finally {
      release();
    }
  }

  private async submit(
    c: Connected,
    requests: TaskRequest[],
    signal: AbortSignal,
  ): Promise<TaskResult[]> {
    try {
      for (const planId of new Set(requests.map((r) => r.planId)))
        await c.publisher.publishPlan(planId);
    } catch (e) {
      throw asClusterError(this.master, e);
    }
    const ids = requests.map((r) =>
      jobId(this.appId, r.stageId, r.planId, r.partitionIndex, r.attempt, r.taskId),
    );
    // Waiting before adding: the completion event cannot come first.
    const finished = this.completions.wait(ids);
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        // Waiting jobs are dropped; running ones finish and their results are ignored.
        this.completions.forget(ids);
        for (const id of ids) c.queue.remove(id).catch(() => {});
        // A running one is aborted by its worker, as local mode terminates the thread.
        c.redis.publish(cancelChannel(this.appId), JSON.stringify(ids)).catch(() => {});
        const reason: unknown = signal.reason;
        reject(reason instanceof Error ? reason : new DOMException(String(reason), 'AbortError'));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);
      void Promise.all(finished).then(done, done);
    });
    aborted.catch(() => {});
    await c.queue
      .addBulk(
        requests.map((request, k) => ({
          name: 'task',
          data: { request: encodeBase64(request) } satisfies TaskJobData,
          opts: {
            jobId: ids[k] as string,
            // The scheduler retries with a new attempt (a new job); BullMQ itself never does.
            attempts: 1,
            removeOnComplete: { age: 600 },
            removeOnFail: { age: 600 },
          },
        })),
      )
      .catch((e: unknown) => {
        this.completions.forget(ids);
        throw asClusterError(this.master, e);
      });
    const values = await Promise.race([Promise.all(finished), aborted]);
    return values.map((value, k) => {
      if (typeof value !== 'string')
        throw asClusterError(this.master, `job ${ids[k]} returned no result`);
      return decodeBase64(value) as TaskResult;
    });
  }

  /**
   * A job in flight keeps the process alive, as a busy thread pool does; the driver's sockets
   * do not, so a program that ends without stop() exits as it does in local mode.
   */
  private hold(): () => void {
    if (this.holds++ === 0) this.holdTimer = setInterval(() => {}, 2 ** 30);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) clearInterval(this.holdTimer);
    };
  }

  /**
   * Tells the listener when tasks begin or stop waiting for a worker: at the first task with
   * none connected, or when the last one leaves mid-job. Spark's TaskSchedulerImpl warns
   * likewise that the initial job "has not accepted any resources" and goes on waiting.
   */
  private updateWaiting(): void {
    const waiting = this.completions.size > 0 && this.compatibleExecutors().length === 0;
    if (waiting === this.waitingForWorkers) return;
    this.waitingForWorkers = waiting;
    if (waiting) {
      this.listener.onWarning(
        `No kindling worker is connected to ${this.master.display}: tasks wait in queue ` +
          `${queueName(this.appId)} until one starts (kindling worker --master <url>)`,
      );
    }
    this.listener.onWaitingForWorkers(waiting);
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    if (connecting === undefined) return;
    let c: Connected;
    try {
      c = await connecting;
    } catch {
      return;
    }
    this.closing = true;
    await c.executors.stop();
    await c.heartbeat.stop();
    // The app key went first: workers then stop taking this application's jobs. Cleaning up
    // waits for Redis, so it is bounded: a Redis that is gone leaves nothing to clean.
    const polite = (async () => {
      if (this.lostError !== undefined || c.redis.status !== 'ready') return;
      await c.queue.obliterate({ force: true }).catch(() => {});
      await deleteMatching(c.redis, `${KEY_PREFIX}:${this.appId}:*`).catch(() => {});
      await c.queue.close();
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    });
    await Promise.race([polite.catch(() => {}), deadline]);
    clearTimeout(timer);
    // close() marks them closing (QueueEvents' read loop retries until then), disconnect()
    // cuts the sockets a dead Redis would keep close() waiting on. Neither is awaited: BullMQ's
    // disconnect waits for an 'end' that a client stuck reconnecting never emits.
    this.completions.close();
    c.queue.close().catch(() => {});
    c.queue.disconnect().catch(() => {});
    c.queueClient.disconnect();
    c.redis.disconnect();
  }

  private compatibleExecutors(): ExecutorRecord[] {
    return (this.current?.executors.records ?? []).filter((e) => e.version === this.version);
  }

  private current: Connected | undefined;
  private holds = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Set once the command client gave up reconnecting: every pending and later run fails. */
  private lostError: KindlingError | undefined;
  private rejectLost: (e: KindlingError) => void = () => {};
  private readonly lost = new Promise<never>((_, reject) => {
    this.rejectLost = reject;
  });

  private connected(): Promise<Connected> {
    this.connecting ??= this.connect().then((c) => (this.current = c));
    return this.connecting;
  }

  private async connect(): Promise<Connected> {
    const redis = await connectRedis(this.master);
    this.lost.catch(() => {});
    // 'end': ioredis stopped reconnecting (its retryStrategy gave up), so Redis is gone for good.
    redis.on('end', () => {
      if (this.closing || this.lostError !== undefined) return;
      this.lostError = asClusterError(this.master, 'the connection was lost during the job');
      this.rejectLost(this.lostError);
    });
    unrefSockets(redis);
    const name = queueName(this.appId);
    const queueClient = unrefSockets(bullQueueClient(this.master));
    const queue = new Queue(name, { connection: queueClient, prefix: QUEUE_PREFIX });
    queue.on('error', () => {});
    try {
      await queue.waitUntilReady();
    } catch (e) {
      await queue.close().catch(() => {});
      queueClient.disconnect();
      redis.disconnect();
      throw asClusterError(this.master, e);
    }
    const record: AppRecord = {
      appId: this.appId,
      queue: name,
      version: this.version,
      dir: this.dir,
      ...(this.workerMemoryMb === undefined ? {} : { workerMemoryMb: this.workerMemoryMb }),
    };
    const heartbeat = await Heartbeat.start(redis, 'app', appKey(this.appId), record, () => {});
    const executors = new RecordWatcher<ExecutorRecord>(
      redis,
      'executor',
      (e) => e.name,
      {
        added: (e) => {
          if (e.version !== this.version) {
            this.listener.onWarning(
              `Worker ${e.name} on ${e.host} runs kindling ${e.version}, this application ` +
                `${this.version}: it is refused and takes none of this application's tasks`,
            );
            return;
          }
          this.listener.onExecutorAdded({
            name: e.name,
            threads: e.threads,
            version: e.version,
            host: e.host,
          });
          this.updateWaiting();
        },
        removed: (e) => {
          if (e.version !== this.version) return;
          this.listener.onExecutorRemoved({ name: e.name });
          this.updateWaiting();
        },
        error: () => {},
      },
      false,
    );
    await executors.start();
    return {
      redis,
      queue,
      queueClient,
      publisher: new ControlPublisher(redis, this.appId, this.dir, this.control),
      heartbeat,
      executors,
    };
  }
}

async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(keys);
  } while (cursor !== '0');
}
