// saveAsTextFile and saveAsObjectFile to `s3://` in local mode, against a real S3-compatible
// server (s3rver): each task uploads its part before its success is reported, and `_SUCCESS`
// is written last, after the job; the parts are the bytes the same save writes locally, and
// textFile / objectFile read every one back. An existing output is refused naming the URL; a
// failed job leaves no `_SUCCESS` and no part; a missing bucket is IO_ERROR naming the URL.
// Streaming saveAsTextFiles, local only so far, refuses an `s3://` prefix.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, isKindlingError, StreamingContext } from 'kindling';
import { s3SkipReason, TestS3 } from './helpers.js';

describe('saveAsTextFile and saveAsObjectFile to S3 (local mode)', { skip: s3SkipReason }, () => {
  let s3: TestS3;
  let ctx: Context;
  let dir: string;
  before(async () => {
    s3 = await TestS3.start();
    ctx = new Context({ workers: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-s3-outputs-'));
  });
  after(async () => {
    await ctx?.stop();
    await s3?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The keys under `prefix/`, relative to it. */
  async function names(prefix: string): Promise<string[]> {
    return (await s3.keys(`${prefix}/`)).map((k) => k.slice(prefix.length + 1));
  }

  /** Every object under `prefix/` equals the file of the same name under `local`. */
  async function sameAsLocal(prefix: string, local: string): Promise<void> {
    const keys = await names(prefix);
    assert.deepEqual(keys, fs.readdirSync(local).sort());
    for (const name of keys) {
      assert.deepEqual(await s3.get(`${prefix}/${name}`), fs.readFileSync(path.join(local, name)));
    }
  }

  const lines = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? { i } : `line ${i} ✓`));

  it('saveAsTextFile(s3://...) writes the parts a local save writes, then _SUCCESS', async () => {
    const rdd = ctx.parallelize(lines, 4);
    await rdd.saveAsTextFile(s3.url('text'));
    await rdd.saveAsTextFile(path.join(dir, 'text'));
    assert.deepEqual(await names('text'), [
      '_SUCCESS',
      'part-00000',
      'part-00001',
      'part-00002',
      'part-00003',
    ]);
    await sameAsLocal('text', path.join(dir, 'text'));
    const expected = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    assert.deepEqual(await ctx.textFile(s3.url('text')).collect(), expected);

    await rdd.saveAsTextFile(s3.url('gz'), { compression: 'gzip' });
    await rdd.saveAsTextFile(path.join(dir, 'gz'), { compression: 'gzip' });
    await sameAsLocal('gz', path.join(dir, 'gz'));
    assert.deepEqual(await ctx.textFile(s3.url('gz')).collect(), expected);
    // Never a local folder named `s3:` (as a URL resolved as a path would make).
    assert.equal(fs.existsSync(path.resolve('s3:')), false);
  });

  it('saveAsObjectFile(s3://...) is read back whole by objectFile(s3://...)', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ i, at: new Date(i), n: BigInt(i) }));
    const rdd = ctx.parallelize(records, 3);
    await rdd.saveAsObjectFile(s3.url('objects'));
    await rdd.saveAsObjectFile(path.join(dir, 'objects'));
    await sameAsLocal('objects', path.join(dir, 'objects'));
    assert.deepEqual(await ctx.objectFile(s3.url('objects')).collect(), records);
  });

  it('refuses an output that exists, naming the URL, and changes nothing there', async () => {
    await s3.put('taken/keep.txt', 'mine');
    await s3.put('file-taken', 'mine');
    for (const key of ['taken', 'file-taken']) {
      await assert.rejects(
        ctx.parallelize([1, 2], 2).saveAsTextFile(s3.url(key)),
        (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(s3.url(key)),
      );
    }
    assert.deepEqual(await names('taken'), ['keep.txt']);
    assert.equal((await s3.get('file-taken')).toString(), 'mine');
  });

  it('leaves no part and no _SUCCESS when the job fails', async () => {
    const failing = ctx.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => {
      if (x === 6) throw new Error('no six');
      return x;
    });
    await assert.rejects(failing.saveAsTextFile(s3.url('failed')), (e: unknown) =>
      isKindlingError(e, 'TASK_FAILED'),
    );
    assert.deepEqual(await names('failed'), []);
  });

  it('leaves no part when the job fails while parts that succeeded are still uploading', async () => {
    // Partitions 0 and 1 end at once and their parts upload while partition 2 computes for a
    // while, then fails: the job waits for the uploads in flight before its cleanup. The
    // failure moves across the uploads' time from one save to the next.
    const three = new Context({ workers: 3, progress: false, maxTaskFailures: 1 });
    try {
      for (let round = 0; round < 24; round++) {
        const failing = three.range(0, 3, 1, 3).flatMap(
          (i, env) => {
            if (i < 2) return Array.from({ length: 20_000 }, (_, k) => `line ${k}`);
            const until = Date.now() + env.round;
            while (Date.now() < until);
            throw new Error('no two');
          },
          { env: { round } },
        );
        const url = s3.url(`failed-uploading/${round}`);
        await assert.rejects(failing.saveAsTextFile(url), (e: unknown) =>
          isKindlingError(e, 'TASK_FAILED'),
        );
        assert.deepEqual(await names(`failed-uploading/${round}`), [], `round ${round}`);
      }
    } finally {
      await three.stop();
    }
  });

  it('refuses streaming saveAsTextFiles/saveAsObjectFiles to s3:// where they are defined', async () => {
    const ssc = new StreamingContext(ctx, 1000);
    const stream = ssc.queueStream([[1, 2]]);
    for (const save of [
      () => stream.saveAsTextFiles(s3.url('stream/out')),
      () => stream.saveAsObjectFiles(s3.url('stream/out'), 'bin'),
    ]) {
      assert.throws(
        save,
        (e: unknown) =>
          isKindlingError(e, 'UNSUPPORTED_OPERATION') && e.message.includes(s3.url('stream/out')),
      );
    }
    await ssc.stop({ stopContext: false });
    assert.equal(fs.existsSync(path.resolve('s3:')), false);
  });

  it('fails with IO_ERROR naming the URL when the bucket does not exist', async () => {
    await assert.rejects(
      ctx.parallelize([1], 1).saveAsObjectFile('s3://no-such-bucket/out'),
      (e: unknown) =>
        isKindlingError(e, 'IO_ERROR') &&
        e.message.includes('s3://no-such-bucket/out') &&
        /NoSuchBucket/.test(e.message),
    );
  });
});
