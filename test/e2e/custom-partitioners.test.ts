// Custom partitioners (new Partitioner(numPartitions, getPartition), the function shipped like
// any user function) in partitionBy and the shuffle methods, co-partitioning by instance, bad
// partition numbers refused naming partitioner and key, and filterByRange's partition pruning
// on a range-partitioned RDD, counted in tasks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Context,
  HashPartitioner,
  KindlingError,
  Partitioner,
  fn,
  type RDD,
  type StageCompletedEvent,
} from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-partitioners-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const words = ['a', 'bb', 'ccc', 'dddd', 'ee', 'f', 'gggggg', 'hh', 'a', 'bb', 'a', ''];
const pairs = (): RDD<[string, number]> =>
  ctx.parallelize(
    words.map((w, i): [string, number] => [w, i]),
    3,
  );
const byLength = new Partitioner(3, (key: string) => key.length % 3);

/** The result stages' task counts of the jobs `run` starts. */
async function resultTasks(run: () => Promise<unknown>): Promise<number[]> {
  const counts: number[] = [];
  const onStage = (e: StageCompletedEvent): void => {
    if (e.kind === 'result') counts.push(e.numTasks);
  };
  ctx.on('stageCompleted', onStage);
  try {
    await run();
  } finally {
    ctx.off('stageCompleted', onStage);
  }
  return counts;
}

function plainSums(): Map<string, number> {
  const sums = new Map<string, number>();
  words.forEach((w, i) => sums.set(w, (sums.get(w) ?? 0) + i));
  return sums;
}

test('partitionBy a custom partitioner puts each key where getPartition says', async () => {
  const parted = pairs().partitionBy(byLength);
  assert.equal(parted.getNumPartitions(), 3);
  assert.equal(parted.partitioner, byLength);
  const parts = await parted.glom().collect();
  parts.forEach((part, i) => {
    for (const [k] of part) assert.equal(k.length % 3, i, `key ${JSON.stringify(k)}`);
  });
  assert.deepEqual(parts.flat().sort(), words.map((w, i) => [w, i]).sort());
});

test('the shuffle methods take a custom partitioner and give the plain results', async () => {
  const reduced = pairs().reduceByKey((a, b) => a + b, { partitioner: byLength });
  assert.equal(reduced.partitioner, byLength);
  assert.deepEqual(new Map(await reduced.collect()), plainSums());

  const grouped = await pairs().groupByKey({ partitioner: byLength }).collect();
  assert.deepEqual(
    new Map(grouped.map(([k, vs]) => [k, vs.reduce((a, b) => a + b, 0)])),
    plainSums(),
  );

  const other = ctx.parallelize<[string, string]>(
    [
      ['a', 'x'],
      ['ccc', 'y'],
      ['zz', 'w'],
    ],
    2,
  );
  const joined = await pairs().join(other, { partitioner: byLength }).collect();
  const expected = words.flatMap((w, i) =>
    w === 'a' ? [[w, [i, 'x']]] : w === 'ccc' ? [[w, [i, 'y']]] : [],
  );
  assert.deepEqual(joined.sort(), expected.sort());

  const sorted = await pairs().repartitionAndSortWithinPartitions(byLength).glom().collect();
  for (const part of sorted) {
    const keys = part.map(([k]) => k);
    assert.deepEqual(keys, [...keys].sort());
  }
});

test('getPartition receives env as its last argument', async () => {
  const modulo = new Partitioner(4, (key: number, env) => key % env.n, { env: { n: 4 } });
  const parts = await ctx
    .range(0, 40, 1, 3)
    .map((x): [number, number] => [x, x])
    .partitionBy(modulo)
    .glom()
    .collect();
  parts.forEach((part, i) => assert.ok(part.every(([k]) => k % 4 === i)));
  assert.equal(parts.flat().length, 40);
});

test('two RDDs partitioned by the same instance join without a shuffle', async () => {
  const left = pairs().partitionBy(byLength).cache();
  const right = ctx
    .parallelize<[string, string]>(
      [
        ['bb', 'r1'],
        ['f', 'r2'],
      ],
      2,
    )
    .partitionBy(byLength);
  const joined = left.join(right);
  assert.ok(
    joined.dependencies().every((d) => d.kind === 'narrow'),
    joined.toDebugString(),
  );
  assert.deepEqual(
    (await joined.collect()).sort(),
    [
      ['bb', [1, 'r1']],
      ['bb', [9, 'r1']],
      ['f', [5, 'r2']],
    ].sort(),
  );
  // An equal function in another instance is another partitioner, as in Spark without equals().
  const lookalike = new Partitioner(3, (key: string) => key.length % 3);
  assert.ok(
    left
      .join(right.partitionBy(lookalike))
      .dependencies()
      .some((d) => d.kind === 'shuffle'),
  );
  assert.equal(byLength.equals(lookalike), false);
  assert.equal(byLength.equals(new HashPartitioner(3)), false);
});

test('lookup on a custom-partitioned RDD computes only the key’s partition', async () => {
  const parted = pairs().partitionBy(byLength);
  const tasks = await resultTasks(async () => {
    assert.deepEqual((await parted.lookup('a')).sort(), [0, 10, 8]);
  });
  assert.deepEqual(tasks, [1]);
});

for (const [what, bad] of [
  ['a partition past numPartitions', 3],
  ['a negative partition', -1],
  ['a fraction', 1.5],
  ['not a number', 'one'],
] as const) {
  test(`getPartition giving ${what} fails the job naming the partitioner and the key`, async () => {
    const broken = new Partitioner(
      3,
      function brokenPartitioning(key: string, env: { bad: unknown }): number {
        return key === 'ccc' ? (env.bad as number) : 0;
      },
      { env: { bad } },
    );
    const err = await pairs()
      .partitionBy(broken)
      .collect()
      .then(
        () => assert.fail('the job should fail'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof KindlingError, String(err));
    assert.match(err.message, /brokenPartitioning/);
    assert.match(err.message, /"ccc"/);
    assert.match(err.message, /\[0, 3\)/);
  });
}

test('a custom partitioner is refused at construction when it cannot travel', () => {
  const n = 3;
  assert.throws(
    () => new Partitioner(3, (key: string) => key.length % n),
    (e: unknown) => e instanceof KindlingError && e.code === 'TASK_NOT_SERIALIZABLE',
  );
  assert.throws(
    () => new Partitioner(0, () => 0),
    (e: unknown) => e instanceof KindlingError && e.code === 'INVALID_ARGUMENT',
  );
});

test('a partitioner named by fn() works, and lookup then searches every partition', async () => {
  const mod = path.join(dir, 'partitioning.mjs');
  fs.writeFileSync(mod, 'export function byFirstChar(key) { return key.charCodeAt(0) % 2; }\n');
  const p = new Partitioner(2, fn(mod, 'byFirstChar'));
  const parted = pairs()
    .filter(([k]) => k !== '')
    .partitionBy(p);
  const parts = await parted.glom().collect();
  parts.forEach((part, i) => assert.ok(part.every(([k]) => k.charCodeAt(0) % 2 === i)));
  assert.deepEqual((await parted.lookup('bb')).sort(), [1, 9]);
});

test('filterByRange computes only the partitions whose range can hold the keys', async () => {
  const keyed = ctx.range(0, 1000, 1, 4).map((x): [number, number] => [x, x * 2]);
  const expected = Array.from({ length: 101 }, (_, i) => [i + 300, (i + 300) * 2]);

  // Bounds already sampled: pruned at the call.
  const sorted = keyed.sortByKey(true, 10);
  await sorted.count();
  const known = sorted.filterByRange(300, 400);
  assert.ok(known.getNumPartitions() < 10, `${known.getNumPartitions()} partitions`);
  const tasks = await resultTasks(async () => assert.deepEqual(await known.collect(), expected));
  assert.deepEqual(tasks, [known.getNumPartitions()]);

  // Chained onto sortByKey: the bounds are sampled in the first job, and pruning happens there.
  const chained = keyed.sortByKey(true, 10).filterByRange(300, 400);
  const chainedTasks = await resultTasks(async () =>
    assert.deepEqual(await chained.collect(), expected),
  );
  assert.ok((chainedTasks.at(-1) ?? 10) < 10, `${chainedTasks.join(',')} result tasks`);
  assert.equal(chainedTasks.at(-1), chained.getNumPartitions());

  // Descending order and an RDD without a range partitioner give the same answers.
  const descending = keyed.sortByKey(false, 10).filterByRange(300, 400);
  assert.deepEqual(await descending.collect(), [...expected].reverse());
  assert.deepEqual(await keyed.filterByRange(300, 400).collect(), expected);
});

test('Partitioner is the type of every partitioner and the class of custom ones', () => {
  // Checked by tsc when this file compiles: all assignable to the Partitioner type.
  const all: Partitioner[] = [byLength, new HashPartitioner(2), pairs().sortByKey().partitioner!];
  assert.equal(all.length, 3);
  assert.ok(byLength instanceof Partitioner);
  assert.equal(byLength.kind, 'custom');
  assert.equal(byLength.getPartition('abcd'), 1);
});

test('a checkpoint of a custom-partitioned RDD keeps the partitioner in this program only', async () => {
  ctx.setCheckpointDir(path.join(dir, 'checkpoints'));
  const parted = pairs().partitionBy(byLength);
  parted.checkpoint();
  const before = (await parted.glom().collect()).map((p) => p.length);
  assert.ok(parted.isCheckpointed());
  assert.equal(parted.partitioner, byLength);
  const reopened = ctx.checkpointFile<[string, number]>(parted.getCheckpointFile() as string);
  assert.equal(reopened.partitioner, undefined);
  assert.deepEqual(
    (await reopened.glom().collect()).map((p) => p.length),
    before,
  );
});
