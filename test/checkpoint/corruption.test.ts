// A damaged checkpoint is reported, never read as partial data: a flipped byte,
// a truncated, missing or extra part file fail with CHECKPOINT_CORRUPT naming
// the file (and the frame when one is to blame); no manifest or no directory is
// CHECKPOINT_NOT_FOUND; a manifest whose partition count disagrees with its
// parts is CHECKPOINT_PARTITION_MISMATCH; a damaged _partitioner loses only the
// partitioner, with a warning event. A manifest that is not a JSON object is
// CHECKPOINT_CORRUPT, one that cannot be read (or a directory that cannot be
// listed) an IO_ERROR, an unreadable part file CHECKPOINT_CORRUPT: each naming it (as root,
// read by a child process run as nobody: unprivileged.ts).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Context, isKindlingError, KindlingError, type ErrorCode } from 'kindling';
import { copyCheckpoint, flipByte, range, readJson, removeTempDirs, tempDir } from './helpers.js';
import {
  checkpointFileAsNobody,
  nobody,
  openToNobody,
  skipUnlessDeniable,
  type Thrown,
} from './unprivileged.js';

const ctx = new Context({ workers: 2, progress: false, checkpointDir: tempDir('corrupt-cp') });
const scratch = tempDir('corrupt-copies');
openToNobody(scratch);
let good = '';
let keyed = '';
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

before(async () => {
  const rdd = ctx.range(0, 100_000, 1, 4).map((x) => ({ x, s: `v${x}` }));
  rdd.checkpoint();
  await rdd.count();
  good = rdd.getCheckpointFile() as string;
  const pairs = ctx
    .range(0, 1000, 1, 2)
    .map((x) => [x % 10, x] as [number, number])
    .reduceByKey((a, b) => a + b, { numPartitions: 3 });
  pairs.checkpoint();
  await pairs.count();
  keyed = pairs.getCheckpointFile() as string;
});

/** Runs a job on the checkpoint at dir and returns the KindlingError it fails with. */
async function failure(dir: string): Promise<KindlingError> {
  try {
    await ctx.checkpointFile(dir).collect();
  } catch (e) {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    return e;
  }
  assert.fail(`reading ${dir} did not fail`);
}

/**
 * What ctx.checkpointFile(dir) throws on a file or directory its user may not read: in this
 * process, or, as root (who reads whatever the mode), in a child process run as nobody.
 */
async function deniedCheckpointFile(dir: string): Promise<Thrown> {
  if (nobody !== undefined) {
    return (
      (await checkpointFileAsNobody(nobody, dir)) ??
      assert.fail(`reading ${dir} as nobody did not fail`)
    );
  }
  try {
    ctx.checkpointFile(dir);
  } catch (e) {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    return { name: e.name, code: e.code, message: e.message, context: { ...e.context } };
  }
  assert.fail(`reading ${dir} did not fail`);
}

function assertCode(e: KindlingError, code: ErrorCode): void {
  assert.equal(e.code, code, e.message);
}

describe('reading a damaged checkpoint', () => {
  it('reads the undamaged original', async () => {
    assert.equal(await ctx.checkpointFile(good).count(), 100_000);
  });

  it('fails on a flipped byte inside a frame with CHECKPOINT_CORRUPT naming the file and the frame', async () => {
    const dir = copyCheckpoint(good, scratch, 'flipped');
    const file = path.join(dir, 'part-00002');
    flipByte(file, Math.floor(fs.statSync(file).size / 2));
    const e = await failure(dir);
    assertCode(e, 'CHECKPOINT_CORRUPT');
    assert.equal(e.context.path, file);
    assert.equal(typeof e.context.frame, 'number');
    assert.match(e.message, /part-00002/);
    assert.match(e.message, /frame \d+/);
  });

  it('fails on a flipped byte in the header or the last frame', async () => {
    for (const [name, at] of [
      ['header', 5],
      ['tail', -40],
    ] as const) {
      const dir = copyCheckpoint(good, scratch, `flipped-${name}`);
      const file = path.join(dir, 'part-00001');
      flipByte(file, at);
      const e = await failure(dir);
      assertCode(e, 'CHECKPOINT_CORRUPT');
      assert.equal(e.context.path, file, name);
    }
  });

  it('fails on a truncated part file naming the file and the frame it ends in', async () => {
    const dir = copyCheckpoint(good, scratch, 'truncated');
    const file = path.join(dir, 'part-00001');
    fs.truncateSync(file, Math.floor(fs.statSync(file).size * 0.6));
    const e = await failure(dir);
    assertCode(e, 'CHECKPOINT_CORRUPT');
    assert.equal(e.context.path, file);
    assert.equal(typeof e.context.frame, 'number');
    assert.match(e.message, /frame \d+/);
  });

  it('fails on a missing part file naming it', async () => {
    const dir = copyCheckpoint(good, scratch, 'missing');
    fs.rmSync(path.join(dir, 'part-00003'));
    const e = await failure(dir);
    assertCode(e, 'CHECKPOINT_CORRUPT');
    assert.equal(e.context.path, path.join(dir, 'part-00003'));
    assert.match(e.message, /missing/);
  });

  it('fails on an extra part file naming it', async () => {
    const dir = copyCheckpoint(good, scratch, 'extra');
    fs.copyFileSync(path.join(dir, 'part-00003'), path.join(dir, 'part-00004'));
    const e = await failure(dir);
    assertCode(e, 'CHECKPOINT_CORRUPT');
    assert.equal(e.context.path, path.join(dir, 'part-00004'));
  });

  it('fails on part files swapped between partitions', async () => {
    const dir = copyCheckpoint(keyed, scratch, 'swapped');
    const [a, b] = [path.join(dir, 'part-00000'), path.join(dir, 'part-00002')];
    const tmp = path.join(dir, 'swap');
    fs.renameSync(a, tmp);
    fs.renameSync(b, a);
    fs.renameSync(tmp, b);
    const e = await failure(dir);
    assertCode(e, 'CHECKPOINT_CORRUPT');
    assert.ok(e.context.path === a || e.context.path === b, e.message);
  });

  it('is CHECKPOINT_NOT_FOUND without a manifest or without a directory', () => {
    const dir = copyCheckpoint(good, scratch, 'no-manifest');
    fs.rmSync(path.join(dir, '_manifest.json'));
    assert.throws(
      () => ctx.checkpointFile(dir),
      (e: unknown) => isKindlingError(e, 'CHECKPOINT_NOT_FOUND') && e.message.includes(dir),
    );
    const nowhere = path.join(scratch, 'nowhere');
    assert.throws(
      () => ctx.checkpointFile(nowhere),
      (e: unknown) => isKindlingError(e, 'CHECKPOINT_NOT_FOUND') && e.message.includes(nowhere),
    );
  });

  it('is CHECKPOINT_CORRUPT for a manifest that is not JSON', () => {
    const dir = copyCheckpoint(good, scratch, 'bad-manifest');
    fs.writeFileSync(path.join(dir, '_manifest.json'), '{"formatVersion": 1, "numPart');
    assert.throws(
      () => ctx.checkpointFile(dir),
      (e: unknown) =>
        isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.message.includes('_manifest.json'),
    );
  });

  it('is CHECKPOINT_CORRUPT naming the manifest when its JSON is not an object', () => {
    for (const text of ['null', '3', '"x"', 'true', '[]']) {
      const dir = copyCheckpoint(good, scratch, `manifest-${text.replace(/\W/g, '') || 'q'}`);
      const file = path.join(dir, '_manifest.json');
      fs.writeFileSync(file, text);
      assert.throws(
        () => ctx.checkpointFile(dir),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_CORRUPT') &&
          e.context.path === file &&
          e.message.includes(file),
        text,
      );
    }
  });

  it('says a manifest that cannot be read cannot be read, naming it, not that there is none', () => {
    // A directory in the manifest's place: reading it fails for root too (EISDIR).
    const dir = copyCheckpoint(good, scratch, 'manifest-dir');
    const file = path.join(dir, '_manifest.json');
    fs.rmSync(file);
    fs.mkdirSync(file);
    assert.throws(
      () => ctx.checkpointFile(dir),
      (e: unknown) =>
        isKindlingError(e, 'IO_ERROR') &&
        e.context.path === file &&
        e.message.includes(file) &&
        e.message.includes('EISDIR'),
    );
  });

  it(
    'says an unreadable manifest cannot be read (EACCES), naming it',
    { skip: skipUnlessDeniable },
    async () => {
      const dir = copyCheckpoint(good, scratch, 'manifest-unreadable');
      const file = path.join(dir, '_manifest.json');
      fs.chmodSync(file, 0o000);
      const e = await deniedCheckpointFile(dir);
      assert.equal(e.code, 'IO_ERROR', e.message);
      assert.equal(e.context.path, file);
      assert.ok(e.message.includes('EACCES'), e.message);
    },
  );

  it(
    'fails on an unreadable part file with CHECKPOINT_CORRUPT naming it',
    { skip: skipUnlessDeniable },
    async () => {
      const dir = copyCheckpoint(good, scratch, 'part-unreadable');
      const file = path.join(dir, 'part-00001');
      fs.chmodSync(file, 0o000);
      const e = await deniedCheckpointFile(dir);
      assert.equal(e.code, 'CHECKPOINT_CORRUPT', e.message);
      assert.equal(e.context.path, file);
      assert.ok(e.message.includes('EACCES'), e.message);
    },
  );

  it(
    'fails on a directory it cannot list with IO_ERROR naming it',
    { skip: skipUnlessDeniable },
    async () => {
      const dir = copyCheckpoint(good, scratch, 'unlistable');
      fs.chmodSync(dir, 0o311);
      try {
        const e = await deniedCheckpointFile(dir);
        assert.equal(e.code, 'IO_ERROR', e.message);
        assert.equal(e.context.path, dir);
        assert.ok(e.message.includes('EACCES'), e.message);
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    },
  );

  it('is CHECKPOINT_PARTITION_MISMATCH with both counts when the manifest disagrees with its parts', () => {
    const dir = copyCheckpoint(good, scratch, 'mismatch');
    const file = path.join(dir, '_manifest.json');
    const m = readJson(file);
    m.numPartitions = 6;
    fs.writeFileSync(file, JSON.stringify(m));
    assert.throws(
      () => ctx.checkpointFile(dir),
      (e: unknown) =>
        isKindlingError(e, 'CHECKPOINT_PARTITION_MISMATCH') &&
        e.message.includes('has 4 partitions') &&
        e.message.includes('has 6') &&
        e.context.path === file,
    );
  });

  it('loses only the partitioner when _partitioner is damaged, with a warning event', async () => {
    const dir = copyCheckpoint(keyed, scratch, 'bad-partitioner');
    fs.writeFileSync(path.join(dir, '_partitioner'), Buffer.from([0x7b]));
    const warnings: { message: string; path?: string }[] = [];
    const onWarning = (w: { message: string; path?: string }): void => void warnings.push(w);
    ctx.on('warning', onWarning);
    try {
      const rdd = ctx.checkpointFile<[number, number]>(dir);
      assert.equal(rdd.partitioner, undefined);
      assert.equal(rdd.getNumPartitions(), 3);
      const expected = range(10, (k) => range(100, (i) => i * 10 + k).reduce((a, b) => a + b, 0));
      assert.deepEqual(new Map(await rdd.collect()), new Map(expected.map((v, k) => [k, v])));
    } finally {
      ctx.off('warning', onWarning);
    }
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.path, path.join(dir, '_partitioner'));
  });

  it('fails the job at once, without retrying the task', async () => {
    const dir = copyCheckpoint(good, scratch, 'no-retry');
    flipByte(path.join(dir, 'part-00000'), 100);
    let attempts = 0;
    const onTask = (e: { partitionIndex: number; successful: boolean }): void => {
      if (e.partitionIndex === 0 && !e.successful) attempts++;
    };
    ctx.on('taskEnd', onTask);
    try {
      assertCode(await failure(dir), 'CHECKPOINT_CORRUPT');
    } finally {
      ctx.off('taskEnd', onTask);
    }
    assert.equal(attempts, 1);
  });
});
