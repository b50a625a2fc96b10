// Whole-file inputs on S3 in local mode, against a real S3-compatible server (s3rver):
// wholeTextFiles, binaryFiles, binaryRecords and objectFile read `s3://` objects, a prefix as a directory or a
// glob over keys, with the same records as the same files read locally (keyed by URL); a
// missing key, prefix or bucket, or an object gone after listing, is a KindlingError naming it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, isKindlingError } from 'kindling';
import { s3SkipReason, TestS3 } from './helpers.js';

describe('whole-file inputs on S3 (local mode)', { skip: s3SkipReason }, () => {
  let s3: TestS3;
  let ctx: Context;
  let dir: string;
  before(async () => {
    s3 = await TestS3.start();
    ctx = new Context({ workers: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-s3-inputs-'));
  });
  after(async () => {
    await ctx?.stop();
    await s3?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The same files under `dir/name` and under the key prefix `name/`. */
  async function putBoth(name: string, files: Record<string, string | Uint8Array>): Promise<void> {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name, file), content);
      await s3.put(`${name}/${file}`, content);
    }
  }

  /** Records keyed by local path, rekeyed by the URL of the same object. */
  function asUrls<V>(name: string, records: [string, V][]): Map<string, V> {
    const local = path.join(dir, name);
    return new Map(records.map(([p, v]) => [s3.url(`${name}/${path.relative(local, p)}`), v]));
  }

  it('wholeTextFiles(s3://prefix) gives [url, content] as the same local directory gives', async () => {
    const files: Record<string, string> = { _SUCCESS: '', '.hidden': 'skipped' };
    for (let i = 0; i < 7; i++) files[`f${i}.txt`] = `file ${i} ✓\n`.repeat(i * 50) + 'end';
    await putBoth('whole', files);
    const local = await ctx.wholeTextFiles(path.join(dir, 'whole'), 3).collect();
    assert.equal(local.length, 7);
    for (const minPartitions of [1, 3, 20]) {
      const remote = ctx.wholeTextFiles(s3.url('whole'), minPartitions);
      assert.equal(remote.getNumPartitions(), Math.min(minPartitions, 7));
      assert.deepEqual(new Map(await remote.collect()), asUrls('whole', local));
    }
    // A glob over keys, as textFile takes one.
    const globbed = await ctx.wholeTextFiles(s3.url('whole/f[0-2].txt')).collect();
    assert.deepEqual(
      globbed.map(([url]) => url),
      [0, 1, 2].map((i) => s3.url(`whole/f${i}.txt`)),
    );
  });

  it('binaryFiles(s3://...) gives [url, bytes] as the same local files give', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++)
      files[`b${i}.bin`] = Uint8Array.from({ length: 1000 * i + 3 }, (_, j) => (j * 7 + i) % 256);
    await putBoth('binary', files);
    const local = await ctx.binaryFiles(path.join(dir, 'binary', '*.bin'), 2).collect();
    const remote = await ctx.binaryFiles(s3.url('binary/*.bin'), 2).collect();
    assert.ok(remote.every(([, b]) => b instanceof Uint8Array));
    assert.deepEqual(new Map(remote), asUrls('binary', local));
    // One object by its key.
    assert.deepEqual(await ctx.binaryFiles(s3.url('binary/b1.bin')).collect(), [
      [s3.url('binary/b1.bin'), files['b1.bin']],
    ]);
  });

  it('binaryRecords(s3://...) cuts objects into the records the same local files give', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3; i++)
      files[`r${i}.bin`] = Uint8Array.from({ length: 8 * (i + 2) }, (_, j) => (j * 13 + i) % 256);
    await putBoth('records', files);
    const local = await ctx.binaryRecords(path.join(dir, 'records'), 8, 2).collect();
    const remote = ctx.binaryRecords(s3.url('records'), 8, 2);
    assert.equal(remote.getNumPartitions(), 2);
    assert.deepEqual(await remote.collect(), local);
    assert.equal(local.length, 2 + 3 + 4);
    assert.throws(
      () => ctx.binaryRecords(s3.url('records'), 3),
      (e: unknown) =>
        isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(s3.url('records/r0.bin')),
    );
  });

  it('objectFile(s3://prefix) reads a saveAsObjectFile output as it reads it locally', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      i,
      when: new Date(i),
      big: BigInt(i),
    }));
    const out = path.join(dir, 'objects');
    await ctx.parallelize(records, 4).saveAsObjectFile(out);
    for (const name of fs.readdirSync(out)) {
      await s3.put(`objects/${name}`, fs.readFileSync(path.join(out, name)));
    }
    const remote = ctx.objectFile<(typeof records)[number]>(s3.url('objects'));
    assert.equal(remote.getNumPartitions(), 4);
    assert.deepEqual(await remote.collect(), await ctx.objectFile(out).collect());
    assert.deepEqual(await remote.collect(), records);

    // A part gone after the listing: CHECKPOINT_CORRUPT naming the object, as a local one.
    await s3.delete('objects/part-00002');
    await assert.rejects(
      remote.collect(),
      (e: unknown) =>
        isKindlingError(e, 'CHECKPOINT_CORRUPT') &&
        e.message.includes(s3.url('objects/part-00002')),
    );
    // Without _SUCCESS, as locally: not a complete output.
    await s3.put('incomplete/part-00000', fs.readFileSync(path.join(out, 'part-00000')));
    assert.throws(
      () => ctx.objectFile(s3.url('incomplete')),
      (e: unknown) =>
        isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(s3.url('incomplete')),
    );
  });

  it('refuses a missing key or prefix naming the URL, as textFile does', () => {
    for (const read of [
      (u: string) => ctx.wholeTextFiles(u),
      (u: string) => ctx.binaryFiles(u),
      (u: string) => ctx.objectFile(u),
    ]) {
      assert.throws(
        () => read(s3.url('nothing/here.txt')),
        (e: unknown) =>
          isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(s3.url('nothing/here.txt')),
      );
      assert.throws(
        () => read('s3://no-such-bucket/x'),
        (e: unknown) =>
          isKindlingError(e, 'IO_ERROR') &&
          e.message.includes('s3://no-such-bucket/x') &&
          /NoSuchBucket/.test(e.message),
      );
    }
  });

  it('fails the action naming the object, as textFile does, when it is deleted after listing', async () => {
    await s3.put('gone/a.txt', 'a');
    await s3.put('gone/b.txt', 'b');
    const whole = ctx.wholeTextFiles(s3.url('gone'), 2);
    const lines = ctx.textFile(s3.url('gone'), 2);
    await s3.delete('gone/b.txt');
    const codes: string[] = [];
    for (const rdd of [whole, lines]) {
      await assert.rejects(rdd.collect(), (e: unknown) => {
        if (!isKindlingError(e)) return false;
        codes.push(e.code);
        return e.message.includes(s3.url('gone/b.txt')) && /NoSuchKey/.test(e.message);
      });
    }
    assert.equal(codes[0], codes[1]);
  });
});
