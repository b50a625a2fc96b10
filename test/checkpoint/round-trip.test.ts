// Reading a checkpoint back in a new context with ctx.checkpointFile: the data,
// the partition count and the partitioner survive, and the codec recorded in
// the directory wins over the reading context's own compression setting.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Context, HashPartitioner, RangePartitioner } from 'kindling';
import { range, readJson, removeTempDirs, tempDir } from './helpers.js';
import path from 'node:path';

// The reading context: its compression setting is the opposite of each writer's in turn.
const reader = new Context({ workers: 2, progress: false, checkpointCompression: 'none' });
after(async () => {
  await reader.stop();
  removeTempDirs();
});

type Rec = { id: number; name: string; score: number };
const objects = range(3000).map((i): Rec => ({ id: i, name: `name-${i % 97}`, score: i / 7 }));
const mixed: unknown[] = [
  0,
  -0,
  NaN,
  'text',
  null,
  undefined,
  12n,
  new Date(5),
  new Map([[1, { a: [1, 2] }]]),
  [1, 'x'],
];
/**
 * Records each alone in a frame whose size crosses the writer's 1 MiB write chunk and its
 * half: frames that big are written around the chunk, after the bytes gathered before them.
 */
const bigs = [1_000, 300_000, 600_000, 900_000, 1_500_000, 3_000_000].map((length, i) => {
  let s = '';
  for (let x = i + 1; s.length < length;) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += x.toString(36);
  }
  return s;
});

/** Writes four checkpoints in a context of its own, stopped before anything is read. */
async function writeAll(codec: 'none' | 'lz4'): Promise<Record<string, string>> {
  const writer = new Context({
    workers: 2,
    progress: false,
    checkpointCompression: codec,
    checkpointDir: tempDir(`rt-${codec}`),
  });
  try {
    const nums = writer.range(0, 20_000, 1, 4).map((x) => x * 0.5);
    const objs = writer.parallelize(objects, 3);
    const hashed = writer
      .parallelize(objects, 3)
      .map((o) => [o.name, o.score] as [string, number])
      .reduceByKey((a, b) => a + b, { numPartitions: 6 });
    const sorted = writer
      .parallelize(
        range(500, (i) => (i * 37) % 500),
        4,
      )
      .map((x) => [x, `v${x}`] as [number, string])
      .sortByKey(true, { numPartitions: 3 });
    const odd = writer.parallelize(mixed, 2);
    const big = writer.parallelize(bigs, bigs.length);
    const dirs = { nums, objs, hashed, sorted, odd, big };
    for (const r of Object.values(dirs)) r.checkpoint();
    await Promise.all(Object.values(dirs).map((r) => r.count()));
    return Object.fromEntries(
      Object.entries(dirs).map(([k, r]) => [k, r.getCheckpointFile() as string]),
    );
  } finally {
    await writer.stop();
  }
}

for (const codec of ['lz4', 'none'] as const) {
  describe(`a checkpoint written with ${codec}`, () => {
    let dirs: Record<string, string>;

    it('records its codec in the manifest', async () => {
      dirs = await writeAll(codec);
      for (const dir of Object.values(dirs))
        assert.equal(readJson(path.join(dir, '_manifest.json')).codec, codec);
    });

    it('reads back in a new context with the other compression setting, records intact', async () => {
      const other =
        codec === 'lz4'
          ? reader
          : new Context({ workers: 2, progress: false, checkpointCompression: 'lz4' });
      try {
        const nums = other.checkpointFile<number>(dirs.nums as string);
        assert.equal(nums.getNumPartitions(), 4);
        assert.deepEqual(
          await nums.collect(),
          range(20_000, (i) => i * 0.5),
        );
        const objs = other.checkpointFile<Rec>(dirs.objs as string);
        assert.equal(objs.getNumPartitions(), 3);
        assert.deepEqual(await objs.collect(), objects);
        const odd = other.checkpointFile<unknown>(dirs.odd as string);
        assert.deepStrictEqual(await odd.collect(), mixed);
        assert.deepStrictEqual(
          await other.checkpointFile<string>(dirs.big as string).collect(),
          bigs,
        );
      } finally {
        if (other !== reader) await other.stop();
      }
    });

    it('keeps the hash partitioner, so a reduceByKey over it needs no shuffle', async () => {
      const hashed = reader.checkpointFile<[string, number]>(dirs.hashed as string);
      assert.equal(hashed.getNumPartitions(), 6);
      assert.ok(hashed.partitioner instanceof HashPartitioner);
      assert.ok(hashed.partitioner.equals(new HashPartitioner(6)));
      const reduced = hashed.reduceByKey((a, b) => a + b);
      assert.equal(reduced.dependencies()[0]?.kind, 'narrow');
      const expected = new Map<string, number>();
      for (const o of objects) expected.set(o.name, (expected.get(o.name) ?? 0) + o.score);
      const got = new Map(await reduced.collect());
      assert.equal(got.size, expected.size);
      for (const [k, v] of expected) assert.ok(Math.abs((got.get(k) as number) - v) < 1e-6, k);
    });

    it('keeps the range partitioner and its order', async () => {
      const sorted = reader.checkpointFile<[number, string]>(dirs.sorted as string);
      assert.equal(sorted.getNumPartitions(), 3);
      assert.ok(sorted.partitioner instanceof RangePartitioner);
      const got = await sorted.collect();
      assert.deepEqual(
        got.map(([k]) => k),
        range(500),
      );
      const parts = await sorted.glom().collect();
      for (const [i, part] of parts.entries())
        for (const [k] of part) assert.equal(sorted.partitioner.getPartition(k), i);
    });

    it('can be checkpointed again through a descendant', async () => {
      const dir = tempDir('rt-again');
      reader.setCheckpointDir(dir);
      const nums = reader.checkpointFile<number>(dirs.nums as string).map((x) => x * 2);
      nums.checkpoint();
      assert.equal(await nums.count(), 20_000);
      assert.equal(nums.isCheckpointed(), true);
      assert.deepEqual(
        await reader.checkpointFile<number>(nums.getCheckpointFile() as string).collect(),
        range(20_000),
      );
    });
  });
}
