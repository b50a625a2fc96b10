// Cluster mode gives the answers local mode gives: the same jobs (shuffles, sorts, joins,
// checkpoints, accumulators, broadcasts, cache, text files) run once on local worker threads
// and once as BullMQ jobs on two `kindling worker` processes sharing a storage directory.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Context, StorageLevel } from 'kindling';
import { skipReason, TestCluster } from './helpers.js';

type Job = (ctx: Context, dir: string) => Promise<unknown>;

const JOBS: Record<string, Job> = {
  'a map and a filter': (ctx) =>
    ctx
      .range(0, 2000, 1, 5)
      .map((x) => x * 3)
      .filter((x) => x % 2 === 0)
      .collect(),
  'a word count with reduceByKey': async (ctx) =>
    (
      await ctx
        .parallelize(['a b c', 'b c d', 'c d e', 'a a a'], 4)
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, { numPartitions: 3 })
        .collect()
    ).sort(),
  'a sortByKey over three stages': (ctx) =>
    ctx
      .range(0, 500, 1, 4)
      .map((x) => [(x * 7919) % 503, x] as [number, number])
      .reduceByKey((a, b) => a + b)
      .sortByKey(false, { numPartitions: 3 })
      .collect(),
  'a join': async (ctx) => {
    const left = ctx.parallelize(
      Array.from({ length: 50 }, (_, i) => [i % 10, `l${i}`] as [number, string]),
      3,
    );
    const right = ctx.parallelize(
      Array.from({ length: 20 }, (_, i) => [i % 7, `r${i}`] as [number, string]),
      2,
    );
    return (await left.join(right, { numPartitions: 4 }).collect())
      .map((r) => JSON.stringify(r))
      .sort();
  },
  'accumulators counted once per partition': async (ctx) => {
    const acc = ctx.longAccumulator('seen');
    const sum = await ctx
      .range(0, 1000, 1, 6)
      .map(
        (x, env) => {
          env.acc.add(1);
          return x;
        },
        { env: { acc } },
      )
      .reduce((a, b) => a + b);
    return { sum, seen: acc.value };
  },
  'a broadcast too large for a Redis value': async (ctx) => {
    const table = ctx.broadcast(Array.from({ length: 200_000 }, (_, i) => `v${i}`));
    return ctx
      .range(0, 100, 7, 3)
      .map((x, env) => env.table.value[x * 1000] ?? 'none', { env: { table } })
      .collect();
  },
  'a cached RDD read by a second action': async (ctx) => {
    const cached = ctx
      .range(0, 300, 1, 3)
      .map((x) => [x % 5, x] as [number, number])
      .persist(StorageLevel.MEMORY_ONLY);
    const first = await cached.count();
    const second = (await cached.reduceByKey((a, b) => a + b).collect()).sort();
    return { first, second };
  },
  'a reliable checkpoint then reads from it': async (ctx, dir) => {
    ctx.setCheckpointDir(path.join(dir, 'checkpoints'));
    const rdd = ctx
      .range(0, 400, 1, 4)
      .map((x) => [x % 9, x] as [number, number])
      .reduceByKey((a, b) => a + b);
    rdd.checkpoint();
    const count = await rdd.count();
    const values = (await rdd.collect()).sort((a, b) => a[0] - b[0]);
    return { count, values, checkpointed: rdd.isCheckpointed() };
  },
  'a text file on storage': async (ctx, dir) => {
    const file = path.join(dir, 'input.txt');
    fs.writeFileSync(
      file,
      Array.from({ length: 300 }, (_, i) => `line ${i} ${i % 4 === 0 ? 'x' : 'y'}`).join('\n'),
    );
    return ctx
      .textFile(file, 3)
      .filter((l) => l.endsWith('x'))
      .count();
  },
};

describe('cluster mode gives local mode answers', { skip: skipReason }, () => {
  let cluster: TestCluster;
  let local: Context;
  let remote: Context;
  const executors: string[] = [];
  const ranOn = new Set<string | undefined>();

  before(async () => {
    cluster = await TestCluster.start();
    await Promise.all([cluster.startWorker('w1'), cluster.startWorker('w2')]);
    local = new Context({ workers: 2, progress: false });
    remote = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    remote.on('executorAdded', (e) => executors.push(e.name));
    remote.on('taskEnd', (e) => ranOn.add(e.metrics?.executor));
  });
  after(async () => {
    await local?.stop();
    await remote?.stop();
    await cluster?.stop();
  });

  for (const [title, job] of Object.entries(JOBS)) {
    it(`${title} gives the same answer on two worker processes`, async () => {
      const localDir = fs.mkdtempSync(path.join(cluster.storage, 'local-'));
      const remoteDir = fs.mkdtempSync(path.join(cluster.storage, 'remote-'));
      const expected = await job(local, localDir);
      const got = await job(remote, remoteDir);
      assert.deepEqual(got, expected);
    });
  }

  it('env data shaped like a handle reaches worker processes as given, beside a real broadcast', async () => {
    const table = remote.broadcast(['t0', 't1']);
    const env = {
      table,
      fake: { kind: 'kindling.broadcast', id: table.id },
      unknown: [{ kind: 'kindling.broadcast', id: 9999 }],
      fakeAcc: { kind: 'kindling.accumulator', id: 0 },
    };
    const got = await remote
      .range(0, 2, 1, 2)
      .map((x, e) => ({ t: e.table.value[x], fake: e.fake, unknown: e.unknown, acc: e.fakeAcc }), {
        env,
      })
      .collect();
    const { fake, unknown, fakeAcc: acc } = env;
    assert.deepEqual(got, [
      { t: 't0', fake, unknown, acc },
      { t: 't1', fake, unknown, acc },
    ]);
  });

  it('the driver lists the connected workers as executors', () => {
    assert.deepEqual([...executors].sort(), ['w1', 'w2']);
  });

  it('task metrics name the worker process that ran each task', () => {
    assert.ok(ranOn.size > 0);
    for (const name of ranOn) assert.ok(name === 'w1' || name === 'w2', `ran on ${name}`);
  });
});
