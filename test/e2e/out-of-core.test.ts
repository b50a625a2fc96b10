// Out-of-core reduce side: with a 64 MiB worker heap, one reduce partition holding several
// times that heap is sorted, aggregated and joined by spilling sorted runs to localDir and
// merging them (Spark's ExternalSorter, ExternalAppendOnlyMap). Each result is checked against
// a plain computation, in the task itself so that the test does not hold the data either.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, HashPartitioner, KindlingError, type RDD, type TaskEndEvent } from 'kindling';

const WORKER_MEMORY_MB = 64;
const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ooc-'));
const ctx = new Context({
  workers: 2,
  progress: false,
  localDir,
  workerMemoryMb: WORKER_MEMORY_MB,
});
after(async () => {
  await ctx.stop();
  fs.rmSync(localDir, { recursive: true, force: true });
});

const spillFiles = (): string[] =>
  (fs.readdirSync(localDir, { recursive: true }) as string[]).filter((f) =>
    path.basename(f).startsWith('spill_'),
  );

// Spill files present while the partition streams out: read by the task itself.
interface Summary {
  count: number;
  digest: number;
  spillsSeen: number;
}

test('a sort into one partition several times the worker heap is exact, stable and complete', async () => {
  const n = 2_000_000;
  const keyOf = (i: number): number => (i * 7919) % 100_003;
  const sorted = ctx
    .range(0, n, 1, 16)
    .map((i) => [(i * 7919) % 100_003, 'value-' + i] as [number, string])
    .sortByKey(true, { numPartitions: 1 });
  const [summary] = await sorted
    .mapPartitions(
      (records, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        // Runs exist from the first merged record until the task ends.
        const countSpills = (): number =>
          (fs.readdirSync(env.localDir, { recursive: true }) as string[]).filter((f) =>
            /(^|\/)spill_/.test(f),
          ).length;
        let spillsSeen = 0;
        let count = 0;
        let digest = 0;
        for (const [k, v] of records) {
          // Position-sensitive: any record out of place changes the digest.
          if (count === 0) spillsSeen = countSpills();
          digest = (digest * 31 + k * 7 + Number(v.slice(6))) % 1_000_000_007;
          count++;
        }
        return [{ count, digest, spillsSeen }];
      },
      { env: { localDir } },
    )
    .collect();
  // The plain computation: a stable sort of the same pairs by key.
  const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => keyOf(a) - keyOf(b));
  let digest = 0;
  for (const i of expected) digest = (digest * 31 + keyOf(i) * 7 + i) % 1_000_000_007;
  const got = summary as Summary;
  assert.equal(got.count, n);
  assert.equal(got.digest, digest, 'records in key order, equal keys in arrival order');
  assert.ok(got.spillsSeen >= 2, `the sort spilled runs (saw ${got.spillsSeen})`);
  assert.deepEqual(spillFiles(), [], 'spill files are removed when the task ends');
});

test('an aggregation with a million distinct keys into one partition is exact', async () => {
  const keys = 1_000_000;
  const sums = ctx
    .range(0, 2 * keys, 1, 16)
    .map((i) => [i % 1_000_000, i] as [number, number])
    .reduceByKey((a, b) => a + b, { numPartitions: 1 });
  const [summary] = await sums
    .mapPartitions(
      (records, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        // Runs exist from the first merged record until the task ends.
        const countSpills = (): number =>
          (fs.readdirSync(env.localDir, { recursive: true }) as string[]).filter((f) =>
            /(^|\/)spill_/.test(f),
          ).length;
        let spillsSeen = 0;
        let count = 0;
        let wrong = 0;
        let total = 0;
        for (const [k, v] of records) {
          if (count === 0) spillsSeen = countSpills();
          if (v !== 2 * k + 1_000_000) wrong++;
          total += v;
          count++;
        }
        return [{ count, wrong, total, spillsSeen }];
      },
      { env: { localDir } },
    )
    .collect();
  const got = summary as { count: number; wrong: number; total: number; spillsSeen: number };
  assert.equal(got.count, keys);
  assert.equal(got.wrong, 0);
  assert.equal(got.total, (2 * keys * (2 * keys - 1)) / 2);
  assert.ok(got.spillsSeen >= 2, `the aggregation spilled runs (saw ${got.spillsSeen})`);
  assert.deepEqual(spillFiles(), []);
});

test('groupByKey and distinct over 600,000 keys into one partition are exact', async () => {
  const keys = 600_000;
  const pairs = ctx.range(0, 2 * keys, 1, 16).map((i) => [i % 600_000, i] as [number, number]);
  const [groups] = await pairs
    .groupByKey({ numPartitions: 1 })
    .mapPartitions((records) => {
      let count = 0;
      let wrong = 0;
      for (const [k, vs] of records) {
        const sorted = [...vs].sort((a, b) => a - b);
        if (sorted.length !== 2 || sorted[0] !== k || sorted[1] !== k + 600_000) wrong++;
        count++;
      }
      return [{ count, wrong }];
    })
    .collect();
  assert.deepEqual(groups, { count: keys, wrong: 0 });
  const distinct = await pairs.keys().distinct(1).count();
  assert.equal(distinct, keys);
});

test('a join whose one partition holds several times the heap matches every pair', async () => {
  const left = ctx.range(0, 600_000, 1, 8).map((i) => [i, 'L' + i] as [number, string]);
  const right = ctx.range(0, 1_200_000, 1, 8).map((i) => [i % 600_000, i] as [number, number]);
  const [summary] = await left
    .join(right, { numPartitions: 1 })
    .mapPartitions(
      (records, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        let count = 0;
        let wrong = 0;
        let total = 0;
        let spilled = false;
        for (const [k, [l, r]] of records) {
          if (count === 0)
            spilled = (fs.readdirSync(env.localDir, { recursive: true }) as string[]).some((f) =>
              /(^|\/)spill_/.test(f),
            );
          if (l !== 'L' + k || r % 600_000 !== k) wrong++;
          total += r;
          count++;
        }
        return [{ count, wrong, total, spilled }];
      },
      { env: { localDir } },
    )
    .collect();
  assert.deepEqual(summary, {
    count: 1_200_000,
    wrong: 0,
    total: (1_200_000 * 1_199_999) / 2,
    spilled: true,
  });
  assert.deepEqual(spillFiles(), []);
});

test('a join of one key with thousands of values a side streams its nine million pairs', async () => {
  // Every streamed record matches 3,000 build values: the probe must hand its output on as it
  // goes, not after a whole input batch (4096 x 3000 pairs would be far past the 64 MiB heap).
  const left = ctx.range(0, 3000, 1, 2).map((i) => [7, i] as [number, number]);
  const right = ctx.range(0, 3000, 1, 2).map((i) => [7, -i] as [number, number]);
  assert.equal(await left.join(right, 2).count(), 9_000_000);
  const sum = await left
    .join(right, 2)
    .map(([, [a, b]]) => a + b)
    .reduce((x, y) => x + y);
  assert.equal(sum, 0);
});

test('one key whose group exceeds the memory budget fails with a clear error, not an OOM', async () => {
  const err = await ctx
    .range(0, 3_000_000, 1, 16)
    .map((i) => ['hot', 'value-' + i] as [string, string])
    .groupByKey({ numPartitions: 1 })
    .count()
    .then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof KindlingError);
  assert.equal(err.code, 'TASK_FAILED');
  assert.match(err.message, /One key's group in RDD \d+ partition 0/);
  assert.match(err.message, /memory budget of [\d.]+ MB for one key \(workerMemoryMb: 64\)/);
  assert.doesNotMatch(err.message, /ran out of memory/);
  assert.deepEqual(spillFiles(), [], 'a failed task removes its spill files');
  // The context is still usable.
  assert.equal(await ctx.range(0, 1000, 1, 4).count(), 1000);
});

test('spill files are removed when a task fails while merging them', async () => {
  const err = await ctx
    .range(0, 1_000_000, 1, 16)
    .map((i) => [i % 1000, 'value-' + i] as [number, string])
    .sortByKey(true, { numPartitions: 1 })
    .map(([k, v]) => {
      if (k === 500) throw new Error(`refused ${v}`);
      return k;
    })
    .count()
    .then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof KindlingError);
  assert.equal(err.code, 'TASK_FAILED');
  assert.match(err.message, /refused value-500/);
  assert.deepEqual(spillFiles(), []);
});

test('spill runs of an attempt whose worker ran out of memory are removed, and the retry is exact', async () => {
  // The first attempt fills its worker's heap once its runs are on disk: the worker dies
  // without ending the task, so the runs are the main thread's to remove (by attempt tag).
  const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ooc-marker-'));
  const failures: string[] = [];
  const onTaskEnd = (e: TaskEndEvent): void => {
    if (!e.successful) failures.push(e.failure?.message ?? '');
  };
  ctx.on('taskEnd', onTaskEnd);
  try {
    const n = 1_000_000;
    const [summary] = await ctx
      .range(0, n, 1, 16)
      .map((i) => [i % 1000, 'value-' + i] as [number, string])
      .sortByKey(true, { numPartitions: 1 })
      .mapPartitions(
        (records, env) => {
          const fs = require('node:fs') as typeof import('node:fs');
          const path = require('node:path') as typeof import('node:path');
          const marker = path.join(env.markerDir, 'first-attempt');
          let count = 0;
          let spillsSeen = 0;
          for (const _ of records) {
            if (count === 0) {
              spillsSeen = (fs.readdirSync(env.localDir, { recursive: true }) as string[]).filter(
                (f) => /(^|\/)spill_/.test(f),
              ).length;
              if (!fs.existsSync(marker)) {
                fs.writeFileSync(marker, '');
                const hoard: { i: number; s: string }[] = [];
                for (let i = 0; ; i++) hoard.push({ i, s: 'x' + i });
              }
            }
            count++;
          }
          return [{ count, spillsSeen }];
        },
        { env: { localDir, markerDir } },
      )
      .collect();
    assert.equal(failures.length, 1, 'the first attempt failed');
    assert.match(failures[0] ?? '', /ran out of memory/);
    const got = summary as { count: number; spillsSeen: number };
    assert.equal(got.count, n);
    assert.ok(got.spillsSeen >= 2, `the sort spilled runs (saw ${got.spillsSeen})`);
    assert.deepEqual(spillFiles(), [], "the dead attempt's runs are removed too");
  } finally {
    ctx.off('taskEnd', onTaskEnd);
    fs.rmSync(markerDir, { recursive: true, force: true });
  }
});

test('spill files are removed when take leaves the merge of a spilled sort early', async () => {
  const spilled: number[] = [];
  const onTaskEnd = (e: TaskEndEvent): void => {
    if (e.successful) spilled.push(e.metrics?.spillBytes ?? 0);
  };
  ctx.on('taskEnd', onTaskEnd);
  try {
    const firsts = await ctx
      .range(0, 1_000_000, 1, 16)
      .map((i) => [(i * 7919) % 100_003, 'value-' + i] as [number, string])
      .sortByKey(true, { numPartitions: 1 })
      .take(3);
    assert.deepEqual(firsts, [
      [0, 'value-0'],
      [0, 'value-100003'],
      [0, 'value-200006'],
    ]);
  } finally {
    ctx.off('taskEnd', onTaskEnd);
  }
  // The last task is take's: it read three records of a merge of runs on disk.
  assert.ok((spilled.at(-1) ?? 0) > 0, `the sort spilled (${spilled.at(-1)} bytes)`);
  assert.deepEqual(spillFiles(), []);
});

test('repartitionAndSortWithinPartitions sorts each partition, spilling, keeping arrival order', async () => {
  const n = 1_200_000;
  const parts = await ctx
    .range(0, n, 1, 8)
    .map((i) => [i % 50_000, i] as [number, number])
    .repartitionAndSortWithinPartitions(new HashPartitioner(2))
    .mapPartitionsWithIndex((index, records) => {
      let count = 0;
      let ordered = true;
      let keySum = 0;
      let prev: [number, number] | undefined;
      for (const r of records) {
        // Keys ascending; equal keys in arrival order (range order here).
        if (prev !== undefined && (r[0] < prev[0] || (r[0] === prev[0] && r[1] < prev[1])))
          ordered = false;
        prev = r;
        keySum += r[0];
        count++;
      }
      return [{ index, count, ordered, keySum }];
    })
    .collect();
  assert.equal(parts.length, 2);
  assert.ok(parts.every((p) => p.ordered));
  assert.equal(
    parts.reduce((a, p) => a + p.count, 0),
    n,
  );
  assert.ok(
    parts.every((p) => p.count > n / 4),
    'both partitions hold a share',
  );
  assert.equal(
    parts.reduce((a, p) => a + p.keySum, 0),
    24 * ((50_000 * 49_999) / 2),
  );
  assert.deepEqual(spillFiles(), []);
});

test('a map task holding more than the worker heap spills its buckets by estimated bytes', async () => {
  // 600,000 pairs a map task, under the default shuffleSpillRecords (1,000,000) but several
  // times what a 64 MiB heap holds: only the byte budget keeps the map side alive.
  const sorted = ctx
    .range(0, 1_200_000, 1, 2)
    .map((i) => [i % 1000, 'value-' + i] as [number, string])
    .sortByKey(true, { numPartitions: 4 });
  assert.equal(await sorted.count(), 1_200_000);
});

test('a map task spilling its buckets many times gives every record to its reduce partition', async () => {
  // 150,000 records of 600 bytes in one map task: several byte-budget spills, each a file of
  // four buckets, read back per reduce partition. Each partition checks its keys and values.
  // Half of each value is a slice of 1 MB of noise, so that LZ4 makes frames of 512 KiB to
  // 1 MiB out of 1.2 MB of records (such a frame was once written out of order).
  const n = 150_000;
  const noise = Array.from({ length: 1 << 20 }, () =>
    Math.floor(Math.random() * 36).toString(36),
  ).join('');
  const env = { env: { noise } };
  const sums = await ctx
    .range(0, n, 1, 1)
    .map((i, e) => {
      const at = (i * 7919) % (e.noise.length - 600);
      return [i, e.noise.slice(at, at + 300).padEnd(600, '.')] as [number, string];
    }, env)
    .partitionBy(4)
    .mapPartitions((records, e) => {
      let count = 0;
      let keySum = 0;
      let wrong = 0;
      for (const [k, v] of records) {
        count++;
        keySum += k;
        const at = (k * 7919) % (e.noise.length - 600);
        if (v !== e.noise.slice(at, at + 300).padEnd(600, '.')) wrong++;
      }
      return [{ count, keySum, wrong }];
    }, env)
    .collect();
  const total = (f: (p: { count: number; keySum: number; wrong: number }) => number): number =>
    sums.reduce((a, p) => a + f(p), 0);
  assert.deepEqual(
    [total((p) => p.count), total((p) => p.keySum), total((p) => p.wrong)],
    [n, (n * (n - 1)) / 2, 0],
  );
});

test('records of 700 KB sort and aggregate into one partition of twice the heap', async () => {
  // 120 records of 700 KB (84 MB) into one partition of a 64 MiB worker: frames of the map
  // output, of the spill runs and the merge's batches must hold a few such records, not 1024.
  const big = ctx
    .range(0, 120, 1, 4)
    .map((i) => [(i * 37) % 120, `${i}:`.padEnd(700_000, '.')] as [number, string]);
  const sorted = await big
    .sortByKey(true, { numPartitions: 1 })
    .mapPartitions((records) => {
      const keys: number[] = [];
      let sized = true;
      for (const [k, v] of records) {
        keys.push(k);
        if (v.length !== 700_000) sized = false;
      }
      return [{ keys, sized }];
    })
    .collect();
  assert.deepEqual(sorted, [{ keys: Array.from({ length: 120 }, (_, i) => i), sized: true }]);
  const distinct = await big
    .map(([, v]) => v)
    .distinct(1)
    .map((v) => v.length)
    .collect();
  assert.deepEqual(distinct, new Array<number>(120).fill(700_000));
});

test('a partition of 700 KB records three times the heap streams through every kind of step', async () => {
  // 300 records of 700 KB (210 MB) in one partition of a 64 MiB worker: batches, pooled cache
  // frames and map-side buckets hold a few such records, not BATCH_SIZE of them, as Spark's
  // record-at-a-time iterators never hold more than one.
  const big = ctx.range(0, 300, 1, 1).map((i) => `${i}:`.padEnd(700_000, '.'));
  const total = 300 * 700_000;
  const lengths = (r: RDD<string>): Promise<number> => r.map((s) => s.length).sum();
  assert.equal(await big.count(), 300);
  assert.equal(await big.filter((s) => s.length > 0).count(), 300);
  assert.equal(
    await lengths(
      ctx.range(0, 1, 1, 1).flatMap(function* () {
        for (let i = 0; i < 300; i++) yield `${i}:`.padEnd(700_000, '.');
      }),
    ),
    total,
  );
  assert.equal(await lengths(big.mapPartitions((records) => records)), total);
  assert.equal(
    await big
      .map((s) => [s.length, s] as [number, string])
      .partitionBy(2)
      .count(),
    300,
  );
  const sorted = await big
    .sortBy((s) => s, false, 1)
    .map((s) => Number(s.slice(0, s.indexOf(':'))))
    .collect();
  // Records compare by their prefixes, the padding being alike: '9:' sorts after '99:'.
  const prefixes = Array.from({ length: 300 }, (_, i) => `${i}:`)
    .sort()
    .reverse();
  assert.deepEqual(
    sorted,
    prefixes.map((p) => Number(p.slice(0, -1))),
  );
  const cached = big.map((s) => s + '!').cache();
  assert.equal(await lengths(cached), total + 300);
  assert.equal(await lengths(cached), total + 300);
  cached.unpersist();
});
