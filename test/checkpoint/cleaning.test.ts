// What stop() removes: the context's checkpoint directory only with
// cleanCheckpoints: true (kept by default, as Spark's cleaner default), and
// always the shuffle, spill and cache files under localDir.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { Context, StorageLevel } from 'kindling';
import { listFiles, removeTempDirs, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

/** Runs a job that checkpoints, shuffles, caches at every level and spills, in a context of its own. */
async function busyContext(
  cleanCheckpoints: boolean | undefined,
): Promise<{ cpDir: string; localDir: string; ctxCpDir: string; checkpointed: string }> {
  const cpDir = tempDir('clean-cp');
  const localDir = tempDir('clean-local');
  const c = new Context({
    workers: 2,
    progress: false,
    checkpointDir: cpDir,
    localDir,
    memoryLimitBytes: 100_000,
    ...(cleanCheckpoints === undefined ? {} : { cleanCheckpoints }),
  });
  const base = c.range(0, 50_000, 1, 4).map((x) => [x % 100, x * 0.5] as [number, number]);
  const a = base.persist(StorageLevel.MEMORY_AND_DISK);
  const b = base.map((x) => x).persist(StorageLevel.DISK_ONLY);
  const reduced = a.reduceByKey((x, y) => x + y);
  reduced.checkpoint();
  await Promise.all([reduced.count(), b.count()]);
  assert.ok(listFiles(localDir).length > 0, 'shuffle, spill and block files exist while running');
  const checkpointed = reduced.getCheckpointFile() as string;
  const ctxCpDir = c.getCheckpointDir() as string;
  await c.stop();
  return { cpDir, localDir, ctxCpDir, checkpointed };
}

describe('stop()', () => {
  it('keeps checkpoint files by default, and they read back in another context', async () => {
    const { localDir, checkpointed } = await busyContext(undefined);
    assert.ok(fs.existsSync(checkpointed));
    assert.equal(await ctx.checkpointFile(checkpointed).count(), 100);
    assert.deepEqual(listFiles(localDir), []);
  });

  it('keeps them with cleanCheckpoints: false', async () => {
    const { checkpointed } = await busyContext(false);
    assert.ok(fs.existsSync(checkpointed));
  });

  it("deletes the context's checkpoint directory with cleanCheckpoints: true, and nothing else", async () => {
    const { cpDir, ctxCpDir, localDir } = await busyContext(true);
    assert.equal(fs.existsSync(ctxCpDir), false);
    assert.ok(fs.existsSync(cpDir), 'the directory the user gave is left');
    assert.deepEqual(listFiles(localDir), []);
  });
});
