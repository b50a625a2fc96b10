// `kindling inspect s3://bucket/prefix` as a child process against a real S3-compatible server
// (s3rver), with the AWS environment a user would set: a checkpoint written on S3 is verified
// (manifest and every part's checksums) as a local directory is; a flipped byte, a missing or
// extra part names the object's URL and exits 1; a prefix with no manifest, or a missing
// bucket, is a KindlingError naming the URL.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from 'kindling';
import { s3SkipReason, TestS3 } from './helpers.js';
import { kindling } from '../kindling-cli.js';

/** The CLI with this process's environment (TestS3.start pointed it at s3rver). */

describe('kindling inspect s3://...', { skip: s3SkipReason }, () => {
  let s3: TestS3;
  before(async () => {
    s3 = await TestS3.start();
  });
  after(() => s3?.stop());

  /** A checkpoint of 300 records in 3 parts under `prefix`; its URL and key. */
  async function writeCheckpoint(prefix: string): Promise<{ url: string; key: string }> {
    const ctx = new Context({ workers: 1, checkpointDir: s3.url(prefix) });
    try {
      const rdd = ctx.range(0, 300, 1, 3).map((x) => ({ x }));
      rdd.checkpoint();
      await rdd.count();
      const url = rdd.getCheckpointFile();
      assert.ok(url !== undefined && url.startsWith(s3.url(prefix)), String(url));
      return { url, key: url.slice(`s3://${s3.bucket}/`.length) };
    } finally {
      await ctx.stop();
    }
  }

  it('verifies a checkpoint on S3 as it verifies a directory', async () => {
    const { url } = await writeCheckpoint('good');
    const out = await kindling('inspect', url);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`^checkpoint ${url}$`, 'm'));
    assert.match(out.stdout, /records\s+300/);
    assert.match(out.stdout, /part-00002\s+ok/);
    assert.match(out.stdout, /verified: every checksum matches/);
    const json = await kindling('inspect', url, '--json');
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { ok: boolean; dir: string; records: number };
    assert.deepEqual([report.ok, report.dir, report.records], [true, url, 300]);
  });

  it('names the part object and frame once a byte flips, and a missing or extra part', async () => {
    const { url, key } = await writeCheckpoint('bad');
    const original = await s3.get(`${key}/part-00001`);
    const bytes = Buffer.from(original);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    await s3.put(`${key}/part-00001`, bytes);
    const flipped = await kindling('inspect', url, '--json');
    assert.equal(flipped.code, 1);
    assert.equal((JSON.parse(flipped.stdout) as { ok: boolean }).ok, false);
    assert.match(
      flipped.stderr,
      new RegExp(`damaged: \\[CHECKPOINT_CORRUPT\\] .*${url}/part-00001 \\(frame \\d+\\)`),
    );

    await s3.delete(`${key}/part-00001`);
    const missing = await kindling('inspect', url);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /part-00001\s+BAD/);
    assert.match(missing.stderr, new RegExp(`\\[CHECKPOINT_CORRUPT\\] .*${url}/part-00001`));

    await s3.put(`${key}/part-00001`, original);
    await s3.put(`${key}/part-00007`, original);
    const extra = await kindling('inspect', url);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, new RegExp(`${url}/part-00007: an extra part file`));
  });

  it('reports a prefix with no manifest as CHECKPOINT_NOT_FOUND naming the URL', async () => {
    await s3.put('stray/part-00000', 'not a checkpoint');
    for (const url of [s3.url('stray'), s3.url('nothing-here')]) {
      const out = await kindling('inspect', url);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /\[CHECKPOINT_NOT_FOUND\]/);
      assert.ok(out.stderr.includes(url), out.stderr);
    }
  });

  it('fails with IO_ERROR naming the URL when the bucket does not exist', async () => {
    const out = await kindling('inspect', 's3://no-such-bucket/cp/rdd-1');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /\(IO_ERROR\)|\[IO_ERROR\]/);
    assert.match(out.stderr, /s3:\/\/no-such-bucket\/cp\/rdd-1/);
    assert.match(out.stderr, /NoSuchBucket/);
  });
});
