// Persistence end to end: every storage level keeps a computed partition so it
// is never recomputed while cached (counted with an accumulator), a task that
// reads a partition it is caching twice computes it once, the memory budget
// spills MEMORY_AND_DISK blocks and drops MEMORY_ONLY ones, and an assigned
// level cannot be changed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, HashPartitioner, isKindlingError, StorageLevel } from 'kindling';
import { countedRange, listFiles, range, removeTempDirs, tempDir } from '../checkpoint/helpers.js';

const localDir = tempDir('levels-local');
const ctx = new Context({ workers: 2, progress: false, localDir });
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('storage levels', () => {
  it('NONE is the default and keeps nothing', async () => {
    const { rdd, acc } = countedRange(ctx, 1000, 2);
    assert.equal(rdd.getStorageLevel(), StorageLevel.NONE);
    await rdd.count();
    await rdd.count();
    assert.equal(acc.value, 2000);
  });

  for (const level of [
    StorageLevel.MEMORY_ONLY,
    StorageLevel.MEMORY_AND_DISK,
    StorageLevel.DISK_ONLY,
  ]) {
    it(`${level.name} computes each partition once while it is cached`, async () => {
      const { rdd, acc } = countedRange(ctx, 20_000, 4);
      assert.equal(rdd.persist(level), rdd);
      assert.equal(rdd.getStorageLevel(), level);
      assert.equal(await rdd.count(), 20_000);
      assert.deepEqual(
        await rdd.collect(),
        range(20_000, (i) => i * 2),
      );
      assert.equal(
        await rdd
          .map((x) => x + 1)
          .filter((x) => x % 3 === 0)
          .count(),
        range(20_000).filter((i) => (i * 2 + 1) % 3 === 0).length,
      );
      assert.equal(acc.value, 20_000);
      const blockFiles = listFiles(localDir).filter((f) =>
        path.basename(f).startsWith(`rdd_${rdd.id}_`),
      );
      assert.equal(blockFiles.length, level === StorageLevel.DISK_ONLY ? 4 : 0);

      rdd.unpersist();
      assert.equal(rdd.getStorageLevel(), StorageLevel.NONE);
      assert.deepEqual(
        listFiles(localDir).filter((f) => path.basename(f).startsWith(`rdd_${rdd.id}_`)),
        [],
      );
      assert.equal(await rdd.count(), 20_000);
      assert.equal(acc.value, 40_000, 'unpersisted partitions are computed again');
    });
  }

  it('cache() is MEMORY_ONLY and a partial action caches only what it computed', async () => {
    const { rdd, acc } = countedRange(ctx, 4000, 4);
    rdd.cache();
    assert.equal(rdd.getStorageLevel(), StorageLevel.MEMORY_ONLY);
    assert.equal(await rdd.first(), 0);
    assert.equal(acc.value, 1000);
    assert.equal(await rdd.count(), 4000);
    assert.equal(acc.value, 4000);
    assert.equal(await rdd.count(), 4000);
    assert.equal(acc.value, 4000);
  });

  it('serves a cached partition to a descendant across a shuffle without recomputing it', async () => {
    const { rdd, acc } = countedRange(ctx, 3000, 3);
    rdd.persist(StorageLevel.MEMORY_AND_DISK);
    await rdd.count();
    const sums = await rdd
      .map((x) => [x % 5, x] as [number, number])
      .reduceByKey((a, b) => a + b)
      .collect();
    assert.equal(
      sums.reduce((a, [, v]) => a + v, 0),
      range(3000, (i) => i * 2).reduce((a, b) => a + b, 0),
    );
    assert.equal(acc.value, 3000);
  });

  it('refuses to change an assigned level', () => {
    const rdd = ctx.range(0, 10).cache();
    assert.throws(
      () => rdd.persist(StorageLevel.DISK_ONLY),
      (e: unknown) =>
        isKindlingError(e) &&
        /storage level/i.test(e.message) &&
        e.message.includes(`RDD ${rdd.id}`),
    );
    assert.equal(rdd.getStorageLevel(), StorageLevel.MEMORY_ONLY);
    assert.equal(rdd.persist(StorageLevel.MEMORY_ONLY), rdd, 'the same level again is fine');
    const unpersisted = ctx.range(0, 10).persist(StorageLevel.DISK_ONLY).unpersist();
    assert.equal(
      unpersisted.persist(StorageLevel.MEMORY_ONLY).getStorageLevel(),
      StorageLevel.MEMORY_ONLY,
    );
  });

  it('refuses a persist argument that is not a StorageLevel', () => {
    assert.throws(
      () => ctx.range(0, 10).persist('MEMORY_ONLY' as unknown as StorageLevel),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('a persisted partition read twice by one task', () => {
  /** Pairs keyed into 4 hash partitions, counting each computation of a record. */
  const keyed = (level: StorageLevel) => {
    const { rdd, acc } = countedRange(ctx, 10_000, 3, 1);
    const pairs = rdd
      .map((x) => [x % 100, x] as [number, number])
      .partitionBy(new HashPartitioner(4))
      .persist(level);
    return { pairs, acc };
  };

  it('is computed once: a join with its own mapValues reads the block its first read cached', async () => {
    const { pairs, acc } = keyed(StorageLevel.MEMORY_ONLY);
    // Co-partitioned: both sides are narrow inputs of one task, as in PageRank's first iteration.
    const joined = await pairs.join(pairs.mapValues((x) => -x)).collect();
    assert.equal(acc.value, 10_000);
    const want = new Map<number, number>();
    for (let x = 0; x < 10_000; x++) want.set(x % 100, (want.get(x % 100) ?? 0) + 100 * x);
    const sums = new Map<number, number>();
    for (const [k, [v, w]] of joined) {
      assert.equal(v % 100, k);
      assert.equal(-w % 100, k);
      sums.set(k, (sums.get(k) ?? 0) + v);
    }
    assert.equal(joined.length, 1_000_000);
    assert.deepEqual(sums, want);
    // The block is cached for later jobs too.
    assert.equal(await pairs.join(pairs.mapValues((x) => -x)).count(), 1_000_000);
    assert.equal(acc.value, 10_000);
  });

  for (const level of [StorageLevel.MEMORY_ONLY, StorageLevel.DISK_ONLY]) {
    it(`${level.name}: read twice in lockstep (zip with itself) gives the exact answer`, async () => {
      const { pairs } = keyed(level);
      const zipped = await pairs.zip(pairs.mapValues((x) => x + 1)).collect();
      assert.equal(zipped.length, 10_000);
      for (const [[k, v], [k2, w]] of zipped) {
        assert.equal(k2, k);
        assert.equal(w, v + 1);
      }
      const twice = await pairs.join(pairs).count();
      assert.equal(twice, 1_000_000);
    });
  }
});

describe('a small memoryLimitBytes', () => {
  const spillDir = tempDir('levels-spill');
  const small = new Context({
    workers: 2,
    progress: false,
    localDir: spillDir,
    memoryLimitBytes: 300_000,
  });
  after(() => small.stop());
  // 8 partitions of 25,000 doubles: each block is about 200 KB, so at most one fits.
  const n = 200_000;

  it('spills MEMORY_AND_DISK blocks to localDir and reads them back right, without recomputing', async () => {
    // Doubles (x * 1.5), 8 bytes a value: the blocks are as large as the budget assumes.
    const { rdd, acc } = countedRange(small, n, 8, 1.5);
    rdd.persist(StorageLevel.MEMORY_AND_DISK);
    assert.equal(await rdd.count(), n);
    const spilled = listFiles(spillDir).filter((f) =>
      path.basename(f).startsWith(`rdd_${rdd.id}_`),
    );
    assert.ok(spilled.length >= 6, `expected spilled blocks, found ${spilled.join(', ')}`);
    const got = await rdd.collect();
    assert.equal(got.length, n);
    assert.ok(
      got.every((v, i) => v === i * 1.5),
      'spilled blocks read back exactly',
    );
    assert.equal(await rdd.reduce((a, b) => a + b), (1.5 * (n - 1) * n) / 2);
    assert.equal(acc.value, n);
  });

  it('drops MEMORY_ONLY blocks past the budget and recomputes them when next needed', async () => {
    // Doubles (x * 1.5), 8 bytes a value: the blocks are as large as the budget assumes.
    const { rdd, acc } = countedRange(small, n, 8, 1.5);
    rdd.persist(StorageLevel.MEMORY_ONLY);
    assert.equal(await rdd.count(), n);
    assert.deepEqual(
      listFiles(spillDir).filter((f) => path.basename(f).startsWith(`rdd_${rdd.id}_`)),
      [],
    );
    const got = await rdd.collect();
    assert.ok(got.length === n && got.every((v, i) => v === i * 1.5));
    assert.ok(acc.value > n, 'dropped partitions were computed again');
    assert.ok(acc.value <= 2 * n);
  });

  it('removes a damaged spill file and recomputes the partition', async () => {
    const acc = small.longAccumulator();
    const rdd = small
      .range(0, n, 1, 8)
      .map(
        (x, env) => {
          env.acc.add(1);
          return x + 0.25;
        },
        { env: { acc } },
      )
      .persist(StorageLevel.MEMORY_AND_DISK);
    await rdd.count();
    const spilled = listFiles(spillDir).filter((f) =>
      path.basename(f).startsWith(`rdd_${rdd.id}_`),
    );
    assert.ok(spilled.length > 0);
    const victim = path.join(spillDir, spilled[0] as string);
    const bytes = fs.readFileSync(victim);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    fs.writeFileSync(victim, bytes);
    const got = await rdd.collect();
    assert.ok(got.length === n && got.every((v, i) => v === i + 0.25));
    assert.equal(acc.value, n + n / 8, 'only the damaged partition was recomputed');
  });
});
