// Cluster mode with `storage: 's3://bucket/prefix'`: a real redis-server, two `kindling worker`
// processes and an S3-compatible server (s3rver), all on loopback. Shuffle outputs, cache
// blocks, large broadcasts, checkpoints, saved outputs and whole-file inputs go through S3;
// the answers equal local mode's; a deleted shuffle object is recomputed from lineage; a
// missing bucket is a KindlingError.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context, isKindlingError, StorageLevel } from 'kindling';
import { skipReason, TestCluster } from '../cluster/helpers.js';
import { s3SkipReason, TestS3 } from './helpers.js';

type Job = (ctx: Context, s3: TestS3) => Promise<unknown>;

const WORDS = Array.from({ length: 400 }, (_, i) => `w${(i * 7919) % 37} w${i % 11} w${i % 3}`);

const JOBS: Record<string, Job> = {
  'a word count': async (ctx) =>
    (
      await ctx
        .parallelize(WORDS, 4)
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 3)
        .collect()
    ).sort(),
  'a sort over three stages': (ctx) =>
    ctx
      .range(0, 2000, 1, 4)
      .map((x) => [(x * 7919) % 1009, x] as [number, number])
      .reduceByKey((a, b) => a + b)
      .sortByKey(false, { numPartitions: 3 })
      .collect(),
  'a join': async (ctx) => {
    const left = ctx.parallelize(
      Array.from({ length: 60 }, (_, i) => [i % 10, `l${i}`] as [number, string]),
      3,
    );
    const right = ctx.parallelize(
      Array.from({ length: 20 }, (_, i) => [i % 7, `r${i}`] as [number, string]),
      2,
    );
    return (await left.join(right, 4).collect()).map((r) => JSON.stringify(r)).sort();
  },
  'a cached RDD read back by a second action': async (ctx) => {
    const memory = ctx.range(0, 300, 1, 3).map((x) => [x % 5, x] as [number, number]);
    memory.persist(StorageLevel.MEMORY_ONLY);
    const disk = ctx.range(0, 200, 1, 2).map((x) => x * 2);
    disk.persist(StorageLevel.DISK_ONLY);
    const first = [await memory.count(), await disk.count()];
    const second = (await memory.reduceByKey((a, b) => a + b).collect()).sort();
    return { first, second, disk: await disk.reduce((a, b) => a + b) };
  },
  'a broadcast too large for a Redis value': async (ctx) => {
    const table = ctx.broadcast(Array.from({ length: 200_000 }, (_, i) => `v${i}`));
    return ctx
      .range(0, 100, 7, 3)
      .map((x, env) => env.table.value[x * 1000] ?? 'none', { env: { table } })
      .collect();
  },
  'a text object read by the workers': async (ctx, s3) => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${i % 4 === 0 ? 'x' : 'y'}`);
    await s3.put('inputs/cluster.txt', lines.join('\n'));
    return ctx
      .textFile(s3.url('inputs/cluster.txt'), 3)
      .filter((l) => l.endsWith('x'))
      .collect();
  },
  'a text and an object output saved to s3:// and read back': async (ctx, s3) => {
    const at = (name: string): string => s3.url(`saved/${ctx.applicationId}/${name}`);
    await ctx.parallelize(WORDS, 3).saveAsTextFile(at('text'));
    await ctx
      .parallelize(WORDS, 2)
      .map((w) => [w, w.length] as [string, number])
      .saveAsObjectFile(at('objects'));
    const whole = await ctx
      .wholeTextFiles(at('text'), 2)
      .map(([url, text]) => [url.slice(url.lastIndexOf('/') + 1), text.length])
      .collect();
    return {
      text: await ctx.textFile(at('text')).collect(),
      objects: await ctx.objectFile(at('objects')).collect(),
      whole,
    };
  },
};

describe('cluster mode on s3:// storage', { skip: skipReason ?? s3SkipReason }, () => {
  let s3: TestS3;
  let cluster: TestCluster;
  let local: Context;
  let remote: Context;

  before(async () => {
    // The S3 environment first: the workers inherit it.
    s3 = await TestS3.start();
    cluster = await TestCluster.start();
    await Promise.all([cluster.startWorker('w1'), cluster.startWorker('w2')]);
    local = new Context({ workers: 2, progress: false });
    remote = new Context({ master: cluster.url, storage: s3.url('cluster'), progress: false });
  });
  after(async () => {
    await local?.stop();
    await remote?.stop();
    await cluster?.stop();
    await s3?.stop();
  });

  for (const [title, job] of Object.entries(JOBS)) {
    it(`${title} gives local mode's answer`, async () => {
      const expected = await job(local, s3);
      assert.deepEqual(await job(remote, s3), expected);
    });
  }

  it('keeps shuffle outputs in the bucket, and recomputes a deleted one exactly', async () => {
    const counts = remote
      .parallelize(WORDS, 4)
      .flatMap((l) => l.split(' '))
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b, 3);
    const first = (await counts.collect()).sort();
    const shuffleKeys = (await s3.keys('cluster/')).filter((k) => /\/shuffle_\d+_/.test(k));
    assert.ok(shuffleKeys.length >= 4, `shuffle objects: ${shuffleKeys.join(', ')}`);
    for (const key of shuffleKeys) await s3.delete(key);
    // The map outputs are still registered: the reduce tasks fetch, fail, and the map stage reruns.
    assert.deepEqual((await counts.collect()).sort(), first);
    const expected = (
      await local
        .parallelize(WORDS, 4)
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 3)
        .collect()
    ).sort();
    assert.deepEqual(first, expected);
  });

  it('recomputes a truncated and an altered shuffle object exactly', async () => {
    const sums = remote
      .range(0, 3000, 1, 4)
      .map((x) => [x % 13, x] as [number, number])
      .reduceByKey((a, b) => a + b, 2);
    const first = (await sums.collect()).sort((a, b) => a[0] - b[0]);
    const keys = (await s3.keys('cluster/')).filter((k) => /\/shuffle_\d+_/.test(k));
    const [truncated, altered] = keys.slice(-2);
    assert.ok(truncated !== undefined && altered !== undefined, keys.join(', '));
    const t = await s3.get(truncated);
    await s3.put(truncated, t.subarray(0, Math.floor(t.length / 2)));
    const a = await s3.get(altered);
    const at = a.length - 20;
    a[at] = (a[at] as number) ^ 0x5a;
    await s3.put(altered, a);
    assert.deepEqual(
      (await sums.collect()).sort((x, y) => x[0] - y[0]),
      first,
    );
    let expected = 0;
    for (let x = 0; x < 3000; x++) expected += x;
    assert.equal(
      first.reduce((n, [, v]) => n + v, 0),
      expected,
    );
  });

  it('writes a checkpoint to s3:// from the workers and reopens it', async () => {
    remote.setCheckpointDir(s3.url('cluster-checkpoints'));
    const rdd = remote
      .range(0, 400, 1, 4)
      .map((x) => [x % 9, x] as [number, number])
      .reduceByKey((a, b) => a + b);
    rdd.checkpoint();
    const values = (await rdd.collect()).sort((a, b) => a[0] - b[0]);
    assert.equal(rdd.isCheckpointed(), true);
    const url = rdd.getCheckpointFile() ?? '';
    assert.ok(url.startsWith(s3.url('cluster-checkpoints/')), url);
    const reopened = remote.checkpointFile<[number, number]>(url);
    assert.deepEqual(
      (await reopened.collect()).sort((a, b) => a[0] - b[0]),
      values,
    );
    const fromLocal = local.checkpointFile<[number, number]>(url);
    assert.deepEqual(
      (await fromLocal.collect()).sort((a, b) => a[0] - b[0]),
      values,
    );
  });

  it('fails the first action with IO_ERROR naming the URL when the bucket does not exist', async () => {
    const ctx = new Context({
      master: cluster.url,
      storage: 's3://no-such-bucket/prefix',
      progress: false,
    });
    try {
      await assert.rejects(
        ctx.range(0, 10, 1, 2).count(),
        (e: unknown) =>
          isKindlingError(e, 'IO_ERROR') &&
          e.message.includes('s3://no-such-bucket/prefix') &&
          /NoSuchBucket/.test(e.message),
      );
    } finally {
      await ctx.stop();
    }
  });
});
