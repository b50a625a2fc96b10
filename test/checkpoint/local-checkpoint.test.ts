// localCheckpoint end to end: Spark's transformStorageLevel upgrade, no
// checkpoint directory needed, the lineage cut after the job, and (unlike
// Spark) a lost block recomputed from the hidden lineage.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, StorageLevel } from 'kindling';
import { countedRange, listFiles, range, removeTempDirs, tempDir } from './helpers.js';

const localDir = tempDir('local-cp');
// No checkpointDir: local checkpoints never need one.
const ctx = new Context({ workers: 2, progress: false, localDir });
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('localCheckpoint', () => {
  it('upgrades the storage level as Spark transformStorageLevel does', () => {
    const cases: [StorageLevel, StorageLevel][] = [
      [StorageLevel.NONE, StorageLevel.MEMORY_AND_DISK],
      [StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_AND_DISK],
      [StorageLevel.MEMORY_AND_DISK, StorageLevel.MEMORY_AND_DISK],
      [StorageLevel.DISK_ONLY, StorageLevel.DISK_ONLY],
    ];
    for (const [before, upgraded] of cases) {
      const rdd = ctx.range(0, 10);
      if (before !== StorageLevel.NONE) rdd.persist(before);
      assert.equal(rdd.localCheckpoint(), rdd);
      assert.equal(rdd.getStorageLevel(), upgraded, before.name);
    }
    // After the mark, persist() takes the upgraded level of what it is given, without error.
    const marked = ctx.range(0, 10).localCheckpoint();
    marked.persist(StorageLevel.MEMORY_ONLY);
    assert.equal(marked.getStorageLevel(), StorageLevel.MEMORY_AND_DISK);
    const onDisk = ctx.range(0, 10).persist(StorageLevel.DISK_ONLY).localCheckpoint();
    onDisk.persist(StorageLevel.MEMORY_ONLY);
    assert.equal(onDisk.getStorageLevel(), StorageLevel.MEMORY_AND_DISK);
  });

  it('cuts the lineage after the job and computes every record once', async () => {
    const { rdd, acc } = countedRange(ctx, 8000, 4);
    const shuffled = rdd.map((x) => [x % 7, x] as [number, number]).reduceByKey((a, b) => a + b);
    shuffled.localCheckpoint();
    const numPartitions = shuffled.getNumPartitions();
    const partitioner = shuffled.partitioner;
    assert.equal(shuffled.isCheckpointed(), false);
    assert.equal(shuffled.isLocallyCheckpointed(), true, 'true once marked, as Spark');
    assert.equal(await shuffled.count(), 7);
    assert.equal(shuffled.isCheckpointed(), true);
    assert.equal(shuffled.isLocallyCheckpointed(), true);
    assert.equal(shuffled.getCheckpointFile(), undefined);
    const deps = shuffled.dependencies();
    assert.equal(deps.length, 1);
    assert.equal(deps[0]?.kind, 'narrow');
    assert.match(String(deps[0]?.rdd), /LocalCheckpointRDD/);
    assert.match(shuffled.toDebugString(), /local checkpointed/);
    assert.doesNotMatch(shuffled.toDebugString(), /\+-/);
    assert.equal(shuffled.getNumPartitions(), numPartitions);
    assert.ok(partitioner !== undefined && shuffled.partitioner === partitioner);
    const sums = new Map(await shuffled.collect());
    assert.equal(sums.size, 7);
    assert.equal(acc.value, 8000);
  });

  it('computes the partitions first() did not reach, once', async () => {
    const { rdd, acc } = countedRange(ctx, 4000, 4);
    rdd.localCheckpoint();
    assert.equal(await rdd.first(), 0);
    assert.equal(acc.value, 4000);
    assert.equal(rdd.isLocallyCheckpointed(), true);
    for (let i = 0; i < 3; i++) assert.equal(await rdd.count(), 4000);
    assert.equal(await rdd.repartition(3).count(), 4000);
    assert.equal(acc.value, 4000);
  });

  it('recomputes a block whose file was deleted, where Spark would fail', async () => {
    const { rdd, acc } = countedRange(ctx, 4000, 4);
    rdd.persist(StorageLevel.DISK_ONLY).localCheckpoint();
    await rdd.count();
    const blocks = listFiles(localDir).filter((f) => path.basename(f).startsWith(`rdd_${rdd.id}_`));
    assert.equal(blocks.length, 4);
    fs.rmSync(path.join(localDir, blocks[1] as string));
    fs.rmSync(path.join(localDir, blocks[3] as string));
    assert.deepEqual(
      await rdd.collect(),
      range(4000, (i) => i * 2),
    );
    assert.equal(acc.value, 6000, 'the two lost partitions, and only those, were recomputed');
    assert.deepEqual(
      await rdd.collect(),
      range(4000, (i) => i * 2),
    );
    assert.equal(acc.value, 6000, 'recomputed blocks are cached again');
  });

  it('recomputes every partition after unpersist', async () => {
    const { rdd, acc } = countedRange(ctx, 2000, 2);
    rdd.localCheckpoint();
    await rdd.count();
    rdd.unpersist();
    assert.deepEqual(
      await rdd.collect(),
      range(2000, (i) => i * 2),
    );
    assert.equal(acc.value, 4000);
    assert.equal(rdd.isLocallyCheckpointed(), true);
  });

  it('overrides a reliable mark, and leaves a reliably checkpointed RDD alone', async () => {
    const withDir = new Context({
      workers: 2,
      progress: false,
      checkpointDir: tempDir('local-vs-reliable'),
    });
    try {
      const a = withDir.range(0, 100, 1, 2);
      a.checkpoint();
      a.localCheckpoint();
      await a.count();
      assert.equal(a.isLocallyCheckpointed(), true);
      assert.equal(a.getCheckpointFile(), undefined);
      assert.equal(
        fs.existsSync(path.join(withDir.getCheckpointDir() as string, `rdd-${a.id}`)),
        false,
      );

      const b = withDir.range(0, 100, 1, 2);
      b.checkpoint();
      await b.count();
      b.localCheckpoint();
      assert.equal(b.isLocallyCheckpointed(), false);
      assert.ok(b.getCheckpointFile() !== undefined);
      assert.equal(
        b.getStorageLevel(),
        StorageLevel.MEMORY_AND_DISK,
        'the level is still upgraded (as RDD.localCheckpoint in Spark)',
      );
      assert.equal(await b.count(), 100);
    } finally {
      await withDir.stop();
    }
  });

  it('cuts the visible lineage without a cycle, and the checkpoint RDD itself can be computed', async () => {
    const rdd = ctx.range(0, 50, 1, 5).map((x) => x + 1);
    rdd.localCheckpoint();
    assert.equal(await rdd.count(), 50);
    const [dep] = rdd.dependencies();
    assert.ok(dep !== undefined && dep.kind === 'narrow');
    assert.deepEqual(dep.rdd.dependencies(), [], 'the local checkpoint RDD shows no parents');
    assert.equal(rdd.toDebugString().split('\n').length, 2);
    assert.deepEqual(await dep.rdd.collect(), await rdd.collect());
  });
});
