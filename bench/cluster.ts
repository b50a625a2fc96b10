// cluster: the same jobs in cluster mode (a redis-server and two `kindling worker --threads 1`
// processes on this machine, storage a local directory) against local mode with two threads,
// in the same run: the cpu-scaling job, the word count, and one-record tasks for the per-task
// cost of the BullMQ path against the Piscina path, next to raw BullMQ no-op round trips (the
// floor of any task through Redis). CPU is summed over every process involved (driver, workers,
// redis-server): on a shared machine it says what the work cost. Target (issue 11): cluster
// within 1.3x of local on the CPU job.

import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import { Context } from 'kindling';
import {
  best,
  check,
  emit,
  makeRecord,
  timed,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';
import { costly } from './costly.js';
import {
  clusterUnavailable,
  processCpuMs,
  startLocalCluster,
  type LocalCluster,
} from './local-cluster.js';
import { ensureWordcountFile } from './wordcount-data.js';

const CPU_RECORDS = 8_000_000;
const CPU_PARTITIONS = 16;
const TINY_TASKS = 2_000;
const WORDCOUNT_BYTES = 200_000_000;
const WORKER_PROCESSES = 2;

type Mode = 'local' | 'cluster';
interface Measured<T = unknown> {
  value: T;
  ms: number;
  cpuMs: number;
  /** Cluster mode: where the CPU went, and the commands Redis ran (those of Lua scripts too). */
  split?: { driverCpuMs: number; redisCpuMs: number; redisCommands: number };
}

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const missing = clusterUnavailable();
  if (missing !== undefined) {
    opts.log(`# skipped: ${missing}`);
    return [];
  }
  const n = Math.round(CPU_RECORDS * opts.scale);
  const tiny = Math.max(10, Math.round(TINY_TASKS * opts.scale));
  const file = ensureWordcountFile(Math.round(WORDCOUNT_BYTES * opts.scale));
  const fileBytes = fs.statSync(file).size;
  const cluster = await startLocalCluster(WORKER_PROCESSES, 1);
  const records: BenchRecord[] = [];
  const splits = new Map<BenchRecord, NonNullable<Measured['split']>>();
  const shuffle = { bytes: 0 };
  const expected = new Map<string, string>();
  const record = (variant: string, r: number, recs: number, bytes: number, m: Measured): void => {
    const key = variant.replace(/^(local|cluster) /, '');
    const answer = JSON.stringify(m.value);
    expected.set(key, expected.get(key) ?? answer);
    const note =
      expected.get(key) === answer ? undefined : `answer differs: ${answer.slice(0, 80)}`;
    const workers = variant.startsWith('cluster') ? WORKER_PROCESSES : opts.workers;
    const made = emit(
      opts,
      makeRecord({
        bench: 'cluster',
        variant,
        run: r,
        records: recs,
        bytes,
        workers,
        wallMs: m.ms,
        cpuMs: m.cpuMs,
        ...(note === undefined ? {} : { note }),
      }),
    );
    records.push(made);
    if (m.split !== undefined) splits.set(made, m.split);
  };
  try {
    for (let r = 0; r < opts.runs; r++) {
      for (const mode of ['local', 'cluster'] as const) {
        record(`${mode} cpu job`, r, n, n * 8, await measure(cluster, mode, opts, cpuJob(n)));
        const wc = await measure(cluster, mode, opts, wordCount(file, shuffle));
        record(`${mode} word count`, r, wc.value.words, fileBytes, wc);
        record(
          `${mode} tiny tasks`,
          r,
          tiny,
          0,
          await measure(cluster, mode, opts, tinyTasks(tiny), true),
        );
      }
      record('raw bullmq no-op', r, tiny, 0, await measureRawBullmq(cluster, tiny));
    }
  } finally {
    await cluster.stop();
  }
  const localCpu = best(records, 'local cpu job');
  const clusterCpu = best(records, 'cluster cpu job');
  clusterCpu.checks = [
    check('cluster / local wall, CPU job', clusterCpu.wallMs / localCpu.wallMs, 'x', '<= 1.3'),
    check(
      'cluster / local CPU time (all processes), CPU job',
      (clusterCpu.cpuMs ?? NaN) / (localCpu.cpuMs ?? NaN),
      'x',
      'info',
    ),
  ];
  const localWc = best(records, 'local word count');
  const clusterWc = best(records, 'cluster word count');
  clusterWc.checks = [
    check('cluster / local wall, word count', clusterWc.wallMs / localWc.wallMs, 'x', 'info'),
    check('word count: shuffle bytes written to storage', shuffle.bytes / 1e6, 'MB', 'info'),
  ];
  // Where a cluster task's cost goes: what bounds the task rate of one application.
  const clusterTiny = best(records, 'cluster tiny tasks');
  const split = splits.get(clusterTiny);
  const tinyChecks =
    split === undefined
      ? []
      : [
          check(
            'cluster tiny tasks: driver CPU µs per task',
            (1000 * split.driverCpuMs) / tiny,
            'µs',
            'info',
          ),
          check(
            'cluster tiny tasks: redis-server CPU µs per task',
            (1000 * split.redisCpuMs) / tiny,
            'µs',
            'info',
          ),
          check(
            "cluster tiny tasks: Redis commands per task (scripts' included)",
            split.redisCommands / tiny,
            'count',
            'info',
          ),
        ];
  for (const variant of ['local tiny tasks', 'cluster tiny tasks', 'raw bullmq no-op']) {
    const b = best(records, variant);
    b.checks = [
      check(`${variant}: wall µs per task`, (1000 * b.wallMs) / tiny, 'µs', 'info'),
      check(
        `${variant}: CPU µs per task (all processes)`,
        (1000 * (b.cpuMs ?? NaN)) / tiny,
        'µs',
        'info',
      ),
    ];
  }
  clusterTiny.checks?.push(...tinyChecks);
  return records;
}

type Job<T> = (ctx: Context) => Promise<T>;

function cpuJob(n: number): Job<string> {
  return (ctx) =>
    ctx
      .range(0, n, 1, CPU_PARTITIONS)
      .map(costly)
      .reduce((a, b) => a + b)
      // Partition sums add in another order: equal up to rounding.
      .then((sum) => sum.toPrecision(9));
}

/** The word count; `shuffle.bytes`: what its shuffle wrote (in cluster mode, to storage). */
function wordCount(
  file: string,
  shuffle: { bytes: number },
): Job<{ words: number; distinct: number }> {
  return async (ctx) => {
    let words = 0;
    let distinct = 0;
    shuffle.bytes = 0;
    ctx.on('jobEnd', (e) => (shuffle.bytes += e.metrics.shuffleWriteBytes));
    const counts = await ctx
      .textFile(file, CPU_PARTITIONS)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b)
      .collect();
    for (const [, c] of counts) {
      words += c;
      distinct++;
    }
    return { words, distinct };
  };
}

function tinyTasks(tasks: number): Job<number> {
  return (ctx) => ctx.range(0, tasks, 1, tasks).count();
}

/**
 * One job on a fresh context, the context's start and stop included (what a user waits for);
 * `warm`: a first one-task job is run outside the timing, so only the job's own tasks count.
 */
async function measure<T>(
  cluster: LocalCluster,
  mode: Mode,
  opts: BenchOptions,
  job: Job<T>,
  warm = false,
): Promise<Measured<T>> {
  const make = (): Context =>
    mode === 'local'
      ? new Context({ workers: opts.workers, progress: false })
      : new Context({ master: cluster.url, storage: cluster.storage, progress: false });
  if (!warm)
    return timedEverywhere(cluster, mode, async () => {
      const ctx = make();
      try {
        return await job(ctx);
      } finally {
        await ctx.stop();
      }
    });
  const ctx = make();
  try {
    await ctx.range(0, 1, 1, 1).count();
    return await timedEverywhere(cluster, mode, () => job(ctx));
  } finally {
    await ctx.stop();
  }
}

/** Wall time, and the CPU time of this process plus, in cluster mode, every cluster process. */
async function timedEverywhere<T>(
  cluster: LocalCluster,
  mode: Mode,
  f: () => Promise<T>,
): Promise<Measured<T>> {
  if (mode === 'local') return timed(f);
  const cpu = (): number[] => cluster.pids.map(processCpuMs);
  const before = cpu();
  const commandsBefore = await redisCommands(cluster.url);
  const { value, ms, cpuMs } = await timed(f);
  const commands = (await redisCommands(cluster.url)) - commandsBefore;
  const spent = cpu().map((c, i) => c - (before[i] ?? 0));
  const others = spent.reduce((a, b) => a + b, 0);
  // pids[0] is redis-server's.
  const split = { driverCpuMs: cpuMs, redisCpuMs: spent[0] ?? 0, redisCommands: commands };
  return { value, ms, cpuMs: cpuMs + others, split };
}

/** Commands Redis has run so far, from INFO commandstats (a script's own commands included). */
async function redisCommands(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    const info = await client.info('commandstats');
    return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  } finally {
    client.disconnect();
  }
}

/**
 * The floor of the BullMQ path: `tasks` no-op jobs added at once to a queue of their own and
 * consumed by a Worker of concurrency 2 in this process, each awaited through QueueEvents as
 * the driver awaits a task. No plan, no payload, no worker thread: Redis round trips only.
 */
async function measureRawBullmq(cluster: LocalCluster, tasks: number): Promise<Measured<number>> {
  const url = new URL(cluster.url);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const name = `raw-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, () => Promise.resolve('ok'), {
    connection,
    concurrency: 2,
    drainDelay: 1,
  });
  events.setMaxListeners(0);
  queue.setMaxListeners(0);
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
    return await timedEverywhere(cluster, 'cluster', async () => {
      const done = await Promise.all(
        Array.from({ length: tasks }, async (_, i) => {
          const job = await queue.add('noop', { i }, { removeOnComplete: { age: 600 } });
          return job.waitUntilFinished(events) as Promise<string>;
        }),
      );
      return done.length;
    });
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await Promise.all([events.close(), queue.close()]);
  }
}
