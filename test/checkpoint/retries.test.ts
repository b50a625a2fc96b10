// Retried task attempts and checkpoint files: every attempt writes its own
// temp name and only a successful one commits, so a job whose tasks failed and
// were retried leaves exactly part-NNNNN and the manifest, and its data once.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, isKindlingError, StorageLevel } from 'kindling';
import { listFiles, range, removeTempDirs, tempDir } from './helpers.js';

const cpDir = tempDir('retry-cp');
const localDir = tempDir('retry-local');
const markers = tempDir('retry-markers');
const ctx = new Context({
  workers: 2,
  progress: false,
  checkpointDir: cpDir,
  localDir,
  maxTaskFailures: 3,
});
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('retried tasks', () => {
  it('leave no stray temp files when a function throws on its first attempt mid-partition', async () => {
    const acc = ctx.longAccumulator();
    const rdd = ctx.range(0, 40_000, 1, 4).map(
      (x, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        // Each partition fails once, well into its data (frames already written).
        if (x % 10_000 === 7_000 && !fs.existsSync(`${env.dir}/${x}`)) {
          fs.writeFileSync(`${env.dir}/${x}`, '');
          throw new Error(`first attempt of ${x}`);
        }
        env.acc.add(1);
        return x;
      },
      { env: { dir: markers, acc } },
    );
    rdd.checkpoint();
    let failed = 0;
    const onTask = (e: { successful: boolean }): void => {
      if (!e.successful) failed++;
    };
    ctx.on('taskEnd', onTask);
    try {
      assert.equal(await rdd.count(), 40_000);
    } finally {
      ctx.off('taskEnd', onTask);
    }
    assert.equal(failed, 4, 'every partition failed once');
    assert.equal(acc.value, 40_000, 'a failed attempt counts nothing');
    const dir = rdd.getCheckpointFile() as string;
    assert.deepEqual(listFiles(dir), [
      '_manifest.json',
      'part-00000',
      'part-00001',
      'part-00002',
      'part-00003',
    ]);
    assert.deepEqual(await ctx.checkpointFile<number>(dir).collect(), range(40_000));
  });

  it('leave no stray temp block files for a DISK_ONLY RDD', async () => {
    const rdd = ctx
      .range(0, 20_000, 1, 2)
      .map(
        (x, env) => {
          const fs = require('node:fs') as typeof import('node:fs');
          if (x === 15_000 && !fs.existsSync(`${env.dir}/disk-${x}`)) {
            fs.writeFileSync(`${env.dir}/disk-${x}`, '');
            throw new Error('first attempt');
          }
          return x;
        },
        { env: { dir: markers } },
      )
      .persist(StorageLevel.DISK_ONLY);
    rdd.checkpoint();
    assert.equal(await rdd.count(), 20_000);
    const stray = listFiles(localDir).filter((f) => path.basename(f).startsWith('.'));
    assert.deepEqual(stray, []);
    assert.deepEqual(listFiles(rdd.getCheckpointFile() as string), [
      '_manifest.json',
      'part-00000',
      'part-00001',
    ]);
  });

  it('leave no temp files and no manifest when the job fails for good', async () => {
    // A context of its own: a failed job terminates the workers of its other running
    // tasks, whose temp files are removed by the scheduler and, at the latest, by stop().
    const own = new Context({
      workers: 2,
      progress: false,
      checkpointDir: tempDir('retry-fail'),
      maxTaskFailures: 2,
    });
    const rdd = own.range(0, 10_000, 1, 2).map((x) => {
      if (x === 9_000) throw new Error('always');
      return x;
    });
    rdd.checkpoint();
    const dir = path.join(own.getCheckpointDir() as string, `rdd-${rdd.id}`);
    try {
      await assert.rejects(rdd.count(), (e: unknown) => isKindlingError(e, 'TASK_FAILED'));
      assert.equal(rdd.isCheckpointed(), false);
    } finally {
      await own.stop();
    }
    const files = listFiles(dir);
    assert.ok(!files.includes('_manifest.json'));
    assert.deepEqual(
      files.filter((f) => f.startsWith('.')),
      [],
    );
    assert.throws(
      () => ctx.checkpointFile(dir),
      (e: unknown) => isKindlingError(e, 'CHECKPOINT_NOT_FOUND'),
    );
  });
});
