// Reliable checkpoints end to end: layout and manifest, laziness, lineage cut,
// no recomputation (counted with an accumulator), partial actions, late marks,
// Spark's doCheckpoint recursion without checkpointAllMarkedAncestors, and the
// checkpointWritten event.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, HashPartitioner, isKindlingError, type CheckpointWrittenEvent } from 'kindling';
import { countedRange, listFiles, range, readJson, removeTempDirs, tempDir } from './helpers.js';

const root = tempDir('reliable');
const ctx = new Context({ workers: 2, progress: false, checkpointDir: root });
const written: CheckpointWrittenEvent[] = [];
ctx.on('checkpointWritten', (e) => written.push(e));
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('reliable checkpoint', () => {
  it('gives each context a fresh <dir>/<contextId>/ directory', async () => {
    const dir = ctx.getCheckpointDir();
    assert.ok(dir !== undefined);
    assert.equal(path.dirname(dir), path.resolve(root));
    assert.ok(fs.statSync(dir).isDirectory());
    const other = new Context({ workers: 1, progress: false, checkpointDir: root });
    try {
      assert.notEqual(other.getCheckpointDir(), dir);
    } finally {
      await other.stop();
    }
  });

  it('writes nothing before an action, then rdd-<id>/part-NNNNN and a manifest', async () => {
    const rdd = ctx.range(0, 1000, 1, 3).map((x) => x + 1);
    rdd.setName('plusOne');
    rdd.checkpoint();
    const dir = path.join(ctx.getCheckpointDir() as string, `rdd-${rdd.id}`);
    assert.deepEqual(listFiles(dir), []);
    assert.equal(rdd.isCheckpointed(), false);
    assert.equal(rdd.getCheckpointFile(), undefined);

    assert.equal(await rdd.count(), 1000);
    assert.equal(rdd.isCheckpointed(), true);
    assert.equal(rdd.getCheckpointFile(), dir);
    assert.deepEqual(listFiles(dir), ['_manifest.json', 'part-00000', 'part-00001', 'part-00002']);

    const m = readJson(path.join(dir, '_manifest.json'));
    assert.equal(m.formatVersion, 1);
    assert.equal(m.rddId, rdd.id);
    assert.equal(m.rddName, 'plusOne');
    assert.equal(m.numPartitions, 3);
    assert.equal(m.codec, 'lz4');
    assert.equal(m.records, 1000);
    assert.equal(m.hasPartitioner, false);
    assert.ok(!Number.isNaN(Date.parse(m.createdAt as string)));
    const parts = m.parts as {
      index: number;
      file: string;
      records: number;
      bytes: number;
      crc32: number;
    }[];
    assert.deepEqual(
      parts.map((p) => [p.index, p.file]),
      [
        [0, 'part-00000'],
        [1, 'part-00001'],
        [2, 'part-00002'],
      ],
    );
    assert.equal(
      parts.reduce((a, p) => a + p.records, 0),
      1000,
    );
    for (const p of parts) {
      assert.equal(fs.statSync(path.join(dir, p.file)).size, p.bytes);
      assert.ok(Number.isInteger(p.crc32) && p.crc32 >= 0);
    }
    assert.equal(
      m.bytes,
      parts.reduce((a, p) => a + p.bytes, 0),
    );
    assert.deepEqual(
      await rdd.collect(),
      range(1000, (i) => i + 1),
    );
  });

  it('cuts the lineage: one narrow dependency on the checkpoint RDD, count and partitioner kept', async () => {
    const pairs = ctx
      .range(0, 200, 1, 4)
      .map((x) => [x % 10, x] as [number, number])
      .reduceByKey((a, b) => a + b, { numPartitions: 5 });
    pairs.checkpoint();
    const before = pairs.toDebugString();
    assert.match(before, /checkpoint marked/);
    assert.equal(pairs.dependencies()[0]?.kind, 'shuffle');
    const expected = new Map(
      range(10).map((k) => [k, range(20, (i) => i * 10 + k).reduce((a, b) => a + b, 0)]),
    );
    assert.deepEqual(new Map(await pairs.collect()), expected);

    const deps = pairs.dependencies();
    assert.equal(deps.length, 1);
    assert.equal(deps[0]?.kind, 'narrow');
    assert.match(String(deps[0]?.rdd), /CheckpointRDD/);
    assert.deepEqual(deps[0]?.rdd.dependencies(), []);
    assert.equal(pairs.getNumPartitions(), 5);
    assert.ok(pairs.partitioner instanceof HashPartitioner);
    assert.equal(pairs.partitioner.numPartitions, 5);
    const debug = pairs.toDebugString().split('\n');
    assert.equal(debug.length, 2, debug.join('\n'));
    assert.match(debug[0] as string, /^\(5\) .*\[reliable checkpointed\]$/);
    assert.match(debug[1] as string, /^ \| {2}\(5\) ReliableCheckpointRDD/);
    assert.match(before, /\+-/, 'the shuffle was there before the cut');
    assert.ok(fs.existsSync(path.join(pairs.getCheckpointFile() as string, '_partitioner')));
    // Reading back through the cut lineage gives the same data, partition by partition.
    assert.deepEqual(new Map(await pairs.collect()), expected);
    const glommed = await pairs.glom().collect();
    assert.equal(glommed.length, 5);
    for (const [i, part] of glommed.entries()) {
      for (const [k] of part) assert.equal(pairs.partitioner.getPartition(k), i);
    }
  });

  it('costs no second computation: every record is computed once, uncached', async () => {
    const { rdd, acc } = countedRange(ctx, 10_000, 4);
    rdd.checkpoint();
    assert.equal(await rdd.count(), 10_000);
    assert.equal(acc.value, 10_000);
    assert.equal(rdd.isCheckpointed(), true);
    assert.deepEqual(
      await rdd.collect(),
      range(10_000, (i) => i * 2),
    );
    await rdd.map((x) => x + 1).count();
    assert.equal(acc.value, 10_000, 'later jobs read the checkpoint');
  });

  it('costs no second computation when cached either', async () => {
    const { rdd, acc } = countedRange(ctx, 10_000, 4);
    rdd.cache();
    rdd.checkpoint();
    assert.equal(await rdd.count(), 10_000);
    assert.equal(await rdd.count(), 10_000);
    assert.deepEqual(
      await rdd.collect(),
      range(10_000, (i) => i * 2),
    );
    assert.equal(acc.value, 10_000);
    assert.equal(rdd.isCheckpointed(), true);
  });

  it('computes the partitions first() and take() did not reach exactly once', async () => {
    const a = countedRange(ctx, 4000, 4);
    a.rdd.checkpoint();
    assert.equal(await a.rdd.first(), 0);
    assert.equal(a.acc.value, 4000);
    assert.equal(a.rdd.isCheckpointed(), true);
    assert.equal(await a.rdd.count(), 4000);
    assert.equal(a.acc.value, 4000);

    const b = countedRange(ctx, 4000, 8);
    b.rdd.checkpoint();
    assert.deepEqual(await b.rdd.take(3), [0, 2, 4]);
    assert.equal(b.acc.value, 4000);
    assert.deepEqual(
      await b.rdd.collect(),
      range(4000, (i) => i * 2),
    );
    assert.equal(b.acc.value, 4000);
    const m = readJson(path.join(b.rdd.getCheckpointFile() as string, '_manifest.json'));
    assert.equal(m.records, 4000);
  });

  it('honours a mark made after the RDD was computed at its next action', async () => {
    const { rdd, acc } = countedRange(ctx, 1000, 2);
    assert.equal(await rdd.count(), 1000);
    rdd.checkpoint();
    assert.equal(rdd.isCheckpointed(), false);
    assert.equal(await rdd.count(), 1000);
    assert.equal(rdd.isCheckpointed(), true);
    assert.equal(acc.value, 2000);
    assert.equal(await rdd.count(), 1000);
    assert.equal(acc.value, 2000);
  });

  it('writes once when marked twice, and ignores marks on an RDD already checkpointed', async () => {
    const before = written.length;
    const rdd = ctx.range(0, 100, 1, 2);
    rdd.checkpoint();
    rdd.checkpoint();
    await rdd.count();
    rdd.checkpoint();
    await rdd.count();
    assert.equal(written.length - before, 1);
    assert.equal(written.at(-1)?.rddId, rdd.id);
  });

  it('ignores marks on a checkpoint RDD', async () => {
    const rdd = ctx.range(0, 100, 1, 2);
    rdd.checkpoint();
    await rdd.count();
    const reopened = ctx.checkpointFile<number>(rdd.getCheckpointFile() as string);
    reopened.checkpoint();
    reopened.localCheckpoint();
    assert.equal(await reopened.count(), 100);
    assert.equal(reopened.isCheckpointed(), false);
    assert.equal(reopened.getCheckpointFile(), undefined);
    assert.equal(reopened.getStorageLevel().name, 'NONE');
    assert.equal(
      fs.existsSync(path.join(ctx.getCheckpointDir() as string, `rdd-${reopened.id}`)),
      false,
    );
  });

  it('stops at the first marked RDD when checkpointAllMarkedAncestors is off, across shuffles too', async () => {
    const r1 = ctx.range(0, 10, 1, 2);
    r1.checkpoint();
    const r2 = r1.map((x) => x + 1);
    r2.checkpoint();
    await r2.count();
    assert.equal(r1.isCheckpointed(), false);
    assert.equal(r2.isCheckpointed(), true);

    // An unmarked descendant across a shuffle reaches the marked ancestor (Spark's RDD.doCheckpoint).
    const s1 = ctx.range(0, 30, 1, 3).map((x) => [x % 4, x] as [number, number]);
    s1.checkpoint();
    const grouped = s1.groupByKey();
    assert.equal(await grouped.count(), 4);
    assert.equal(s1.isCheckpointed(), true);
    assert.equal(grouped.isCheckpointed(), false);

    // A marked descendant across a shuffle stops the walk before the ancestor.
    const t1 = ctx.range(0, 30, 1, 3).map((x) => [x % 4, x] as [number, number]);
    t1.checkpoint();
    const t2 = t1.reduceByKey((a, b) => a + b);
    t2.checkpoint();
    await t2.count();
    assert.equal(t2.isCheckpointed(), true);
    assert.equal(t1.isCheckpointed(), false);
  });

  it('checkpoints an RDD with zero partitions', async () => {
    const empty = ctx.emptyRDD<number>();
    empty.checkpoint();
    assert.equal(empty.isCheckpointed(), false);
    assert.equal(await empty.count(), 0);
    assert.equal(empty.isCheckpointed(), true);
    assert.equal(empty.getNumPartitions(), 0);
    assert.deepEqual(listFiles(empty.getCheckpointFile() as string), ['_manifest.json']);
    assert.equal(await ctx.checkpointFile(empty.getCheckpointFile() as string).count(), 0);
  });

  it('emits checkpointWritten with the rdd id, partitions, records, bytes and milliseconds', async () => {
    const rdd = ctx.parallelize(
      range(500).map((i) => ({ id: i, name: `n${i}` })),
      5,
    );
    rdd.checkpoint();
    const seen = new Promise<CheckpointWrittenEvent>((resolve) => {
      const listener = (e: CheckpointWrittenEvent): void => {
        if (e.rddId !== rdd.id) return;
        ctx.off('checkpointWritten', listener);
        resolve(e);
      };
      ctx.on('checkpointWritten', listener);
    });
    await rdd.count();
    const e = await seen;
    const m = readJson(path.join(rdd.getCheckpointFile() as string, '_manifest.json'));
    assert.equal(e.partitions, 5);
    assert.equal(e.records, 500);
    assert.equal(e.bytes, m.bytes);
    assert.ok(e.bytes > 0);
    assert.ok(typeof e.durationMs === 'number' && e.durationMs >= 0);
  });
});

describe('checkpoint without a directory', () => {
  it('throws CHECKPOINT_DIR_NOT_SET naming the RDD, and marks nothing', async () => {
    const bare = new Context({ workers: 1, progress: false });
    try {
      const rdd = bare.range(0, 10).setName('numbers');
      assert.throws(
        () => rdd.checkpoint(),
        (e: unknown) =>
          isKindlingError(e, 'CHECKPOINT_DIR_NOT_SET') && /RDD \d+ \(numbers\)/.test(e.message),
      );
      assert.equal(await rdd.count(), 10);
      assert.equal(rdd.isCheckpointed(), false);
      bare.setCheckpointDir(tempDir('late-dir'));
      rdd.checkpoint();
      assert.equal(await rdd.count(), 10);
      assert.equal(rdd.isCheckpointed(), true);
    } finally {
      await bare.stop();
    }
  });
});
