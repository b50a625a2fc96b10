// Reliable checkpoints on S3 in local mode, against a real S3-compatible server (s3rver):
// written during the first job, committed by a manifest written last, reopened by
// ctx.checkpointFile('s3://...') in another context; a missing, truncated or altered part
// object, or a prefix with no manifest, is a KindlingError naming the object; a missing
// bucket, refused credentials and an unreachable endpoint fail the action naming the URL.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Context, HashPartitioner, isKindlingError } from 'kindling';
import { freePort } from '../cluster/helpers.js';
import { s3SkipReason, TestS3 } from './helpers.js';

const JOB = fileURLToPath(new URL('./fixtures/checkpoint-job.js', import.meta.url));

describe('checkpoints on S3 (local mode)', { skip: s3SkipReason }, () => {
  let s3: TestS3;
  before(async () => {
    s3 = await TestS3.start();
  });
  after(() => s3?.stop());

  /** Checkpoints word counts under `prefix`; returns the RDD's checkpoint URL and answer. */
  async function writeCheckpoint(prefix: string): Promise<{ url: string; answer: unknown[] }> {
    const ctx = new Context({ workers: 2, checkpointDir: s3.url(prefix) });
    try {
      const counts = ctx
        .parallelize(['a b c', 'b c d', 'c d e', 'a a a', 'e f'], 3)
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 4);
      counts.checkpoint();
      const answer = (await counts.collect()).sort();
      assert.equal(counts.isCheckpointed(), true);
      const url = counts.getCheckpointFile();
      assert.ok(url !== undefined && url.startsWith(s3.url(prefix)), String(url));
      return { url, answer };
    } finally {
      await ctx.stop();
    }
  }

  it('writes parts and then the manifest, and another context reopens it from s3://', async () => {
    const { url, answer } = await writeCheckpoint('reopen');
    const key = url.slice(`s3://${s3.bucket}/`.length);
    const keys = await s3.keys(`${key}/`);
    assert.deepEqual(
      keys.map((k) => k.slice(key.length + 1)),
      ['_manifest.json', '_partitioner', 'part-00000', 'part-00001', 'part-00002', 'part-00003'],
    );
    const manifest = JSON.parse((await s3.get(`${key}/_manifest.json`)).toString()) as {
      numPartitions: number;
    };
    assert.equal(manifest.numPartitions, 4);

    const ctx = new Context({ workers: 2 });
    try {
      const reopened = ctx.checkpointFile<[string, number]>(url);
      assert.equal(reopened.getNumPartitions(), 4);
      assert.ok(reopened.partitioner?.equals(new HashPartitioner(4)));
      assert.deepEqual((await reopened.collect()).sort(), answer);
      // The reopened RDD is data like any other: a shuffle over it gives the same totals.
      const total = await reopened.values().reduce((a, b) => a + b);
      assert.equal(total, 14);
    } finally {
      await ctx.stop();
    }
  });

  it('refuses a prefix with no manifest with CHECKPOINT_NOT_FOUND naming it', async () => {
    await s3.put('unfinished/rdd-1/part-00000', 'not committed');
    const ctx = new Context({ workers: 1 });
    try {
      assert.throws(
        () => ctx.checkpointFile(s3.url('unfinished/rdd-1')),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_NOT_FOUND') &&
          e.message.includes(s3.url('unfinished/rdd-1')),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('names a deleted part object, whether it is gone before or after reopening', async () => {
    const { url } = await writeCheckpoint('deleted');
    const ctx = new Context({ workers: 1 });
    try {
      const reopened = ctx.checkpointFile(url);
      const key = `${url.slice(`s3://${s3.bucket}/`.length)}/part-00002`;
      await s3.delete(key);
      await assert.rejects(
        reopened.collect(),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.message.includes(`${url}/part-00002`),
      );
      assert.throws(
        () => ctx.checkpointFile(url),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.message.includes(`${url}/part-00002`),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('names a truncated part object and an altered one', async () => {
    const { url } = await writeCheckpoint('damaged');
    const prefix = url.slice(`s3://${s3.bucket}/`.length);
    const ctx = new Context({ workers: 1 });
    try {
      // Altered in the middle, same size: the opener's size and trailer checks pass, and the
      // read fails on the frame's crc32.
      const reopened = ctx.checkpointFile(url);
      const part = await s3.get(`${prefix}/part-00001`);
      const middle = Math.floor(part.length / 2);
      part[middle] = (part[middle] as number) ^ 0xff;
      await s3.put(`${prefix}/part-00001`, part);
      await assert.rejects(
        reopened.collect(),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.message.includes(`${url}/part-00001`),
      );
      await s3.put(`${prefix}/part-00001`, part.subarray(0, part.length - 5));
      assert.throws(
        () => ctx.checkpointFile(url),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_CORRUPT') &&
          e.message.includes(`${url}/part-00001`) &&
          /bytes, the manifest says/.test(e.message),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('reads a text object with textFile(s3://...) as it reads the same file', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`);
    await s3.put('inputs/lines.txt', lines.join('\n') + '\n');
    const ctx = new Context({ workers: 2 });
    try {
      const rdd = ctx.textFile(s3.url('inputs/lines.txt'), 5);
      assert.ok(rdd.getNumPartitions() >= 5);
      assert.deepEqual(await rdd.collect(), lines);
      // A prefix reads as a directory (hidden names skipped, as Hadoop's), a glob over keys too.
      await s3.put('inputs/dir/a.txt', 'a1\na2\n');
      await s3.put('inputs/dir/b.txt', 'b1\n');
      await s3.put('inputs/dir/_SUCCESS', '');
      await s3.put('inputs/dir/c.csv', 'c1\n');
      assert.deepEqual(await ctx.textFile(s3.url('inputs/dir'), 2).collect(), [
        'a1',
        'a2',
        'b1',
        'c1',
      ]);
      assert.deepEqual(await ctx.textFile(s3.url('inputs/dir/*.txt')).collect(), [
        'a1',
        'a2',
        'b1',
      ]);
      assert.throws(
        () => ctx.textFile(s3.url('inputs/none.txt')),
        (e: unknown) => isKindlingError(e) && e.message.includes(s3.url('inputs/none.txt')),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('fails the action with IO_ERROR naming the URL when the bucket does not exist', async () => {
    const ctx = new Context({ workers: 1, checkpointDir: 's3://no-such-bucket/cp' });
    try {
      const rdd = ctx.parallelize([1, 2, 3], 2);
      rdd.checkpoint();
      await assert.rejects(
        rdd.count(),
        (e: unknown) =>
          isKindlingError(e, 'IO_ERROR') &&
          e.message.includes('s3://no-such-bucket/cp') &&
          /NoSuchBucket/.test(e.message),
      );
    } finally {
      await ctx.stop();
    }
  });

  /** Runs the checkpoint fixture in a child process with `env` over this one's. */
  async function runChild(
    env: Record<string, string>,
  ): Promise<{ code?: string; message?: string; count?: number }> {
    const { stdout } = await promisify(execFile)(process.execPath, [JOB, s3.url('child')], {
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      code?: string;
      message?: string;
    };
  }

  it('fails with IO_ERROR naming the URL when the credentials are refused', async () => {
    const ok = await runChild({});
    assert.equal(ok.count, 4);
    const out = await runChild({ AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'WRONG' });
    assert.equal(out.code, 'IO_ERROR');
    assert.ok(out.message?.includes(s3.url('child')), out.message);
    assert.match(out.message ?? '', /credentials were refused/);
  });

  it('fails with IO_ERROR naming the URL when the endpoint does not answer', async () => {
    const port = await freePort();
    const out = await runChild({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    assert.equal(out.code, 'IO_ERROR');
    assert.ok(out.message?.includes(s3.url('child')), out.message);
    assert.match(out.message ?? '', /did not answer/);
  });
});
