// The shuffle transformations on pair RDDs against plain Map computations.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, HashPartitioner, RangePartitioner } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 97}`);
const pairs = () => ctx.parallelize(words, 5).map((w) => [w, 1] as [string, number]);

function plainCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

test('reduceByKey, foldByKey, aggregateByKey and combineByKey agree with a plain count', async () => {
  const expected = plainCounts();
  assert.deepEqual(
    new Map(
      await pairs()
        .reduceByKey((a, b) => a + b)
        .collect(),
    ),
    expected,
  );
  assert.deepEqual(
    new Map(
      await pairs()
        .foldByKey(0, (a, b) => a + b)
        .collect(),
    ),
    expected,
  );
  const agg = await pairs()
    .aggregateByKey(
      { n: 0 },
      (acc, v) => ({ n: acc.n + v }),
      (a, b) => ({ n: a.n + b.n }),
    )
    .collect();
  assert.deepEqual(new Map(agg.map(([k, v]) => [k, v.n])), expected);
  const comb = await pairs()
    .combineByKey(
      (v) => [v],
      (c: number[], v) => [...c, v],
      (a, b) => [...a, ...b],
      { numPartitions: 3 },
    )
    .mapValues((c) => c.length)
    .collect();
  assert.deepEqual(new Map(comb), expected);
});

test('groupByKey gathers every value of a key', async () => {
  const grouped = await pairs()
    .groupByKey({ numPartitions: 4 })
    .mapValues((vs) => vs.length)
    .collect();
  assert.deepEqual(new Map(grouped), plainCounts());
});

test('keys compare by value: numbers, strings, booleans, bigints and arrays', async () => {
  const data: [unknown, number][] = [
    [1, 1],
    [1, 1],
    ['1', 1],
    [true, 1],
    [true, 1],
    [5n, 1],
    [5n, 1],
    [[1, 'a'], 1],
    [[1, 'a'], 1],
    [-0, 1],
    [0, 1],
  ];
  const got = await ctx
    .parallelize(data, 4)
    .reduceByKey((a, b) => a + b)
    .collect();
  const byKey = new Map(
    got.map(([k, v]) => [
      JSON.stringify(k, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)),
      v,
    ]),
  );
  assert.deepEqual(Object.fromEntries(byKey), {
    '1': 2,
    '"1"': 1,
    true: 2,
    '"5n"': 2,
    '[1,"a"]': 2,
    '0': 2,
  });
});

test('joins match Spark semantics for inner, left, right and full outer', async () => {
  const a = ctx.parallelize(
    [
      [1, 'a'],
      [2, 'b'],
      [2, 'bb'],
      [3, 'c'],
    ] as [number, string][],
    2,
  );
  const b = ctx.parallelize(
    [
      [2, 'X'],
      [3, 'Y'],
      [4, 'Z'],
    ] as [number, string][],
    3,
  );
  const sort = <T>(xs: T[]) => xs.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  assert.deepEqual(
    sort(await a.join(b).collect()),
    sort([
      [2, ['b', 'X']],
      [2, ['bb', 'X']],
      [3, ['c', 'Y']],
    ]),
  );
  assert.deepEqual(
    sort(await a.leftOuterJoin(b).collect()),
    sort([
      [1, ['a', undefined]],
      [2, ['b', 'X']],
      [2, ['bb', 'X']],
      [3, ['c', 'Y']],
    ]),
  );
  assert.deepEqual(
    sort(await a.rightOuterJoin(b).collect()),
    sort([
      [2, ['b', 'X']],
      [2, ['bb', 'X']],
      [3, ['c', 'Y']],
      [4, [undefined, 'Z']],
    ]),
  );
  assert.equal((await a.fullOuterJoin(b).collect()).length, 5);
  const cg = new Map(await a.cogroup(b).collect());
  assert.deepEqual(cg.get(2), [['b', 'bb'], ['X']]);
  assert.deepEqual(cg.get(4), [[], ['Z']]);
});

test('sortByKey gives a total order across partitions in both directions', async () => {
  const keys = Array.from({ length: 3000 }, (_, i) => (i * 7877) % 3001);
  const rdd = ctx.parallelize(
    keys.map((k) => [k, k * 2] as [number, number]),
    6,
  );
  const asc = await rdd.sortByKey(true, { numPartitions: 4 }).collect();
  assert.deepEqual(
    asc.map(([k]) => k),
    [...keys].sort((x, y) => x - y),
  );
  const desc = await rdd.sortByKey(false).keys().collect();
  assert.deepEqual(
    desc,
    [...keys].sort((x, y) => y - x),
  );
  const parts = await rdd.sortByKey(true, { numPartitions: 4 }).glom().collect();
  assert.equal(parts.length, 4);
  assert.ok(
    parts.every((p) => p.length > 300),
    `balanced: ${parts.map((p) => p.length).join(',')}`,
  );
  const byLen = await ctx
    .parallelize(['ccc', 'a', 'bb', 'dddd'], 2)
    .sortBy((s) => s.length, false)
    .collect();
  assert.deepEqual(byLen, ['dddd', 'ccc', 'bb', 'a']);
});

test('partitionBy places keys where the partitioner says, and is not repeated', async () => {
  const p = new HashPartitioner(3);
  const parted = pairs().partitionBy(p);
  assert.equal(parted.partitioner, p);
  const glommed = await parted.glom().collect();
  glommed.forEach((part, i) => part.forEach(([k]) => assert.equal(p.getPartition(k), i)));
  assert.equal(parted.partitionBy(new HashPartitioner(3)), parted);
  const reduced = parted.reduceByKey((a, b) => a + b, { partitioner: new HashPartitioner(3) });
  assert.ok(
    reduced.dependencies().every((d) => d.kind === 'narrow'),
    'no second shuffle',
  );
  assert.deepEqual(new Map(await reduced.collect()), plainCounts());
});

test('a RangePartitioner built by the user partitions by sampled bounds', async () => {
  const rdd = ctx.parallelize(
    Array.from({ length: 1000 }, (_, i) => [i, i] as [number, number]),
    4,
  );
  const parts = await rdd.partitionBy(new RangePartitioner(4, rdd)).glom().collect();
  const maxes = parts.map((p) => Math.max(...p.map(([k]) => k)));
  const mins = parts.map((p) => Math.min(...p.map(([k]) => k)));
  for (let i = 1; i < 4; i++) assert.ok((maxes[i - 1] ?? 0) < (mins[i] ?? 0));
});

test('map tasks past shuffleSpillRecords spill to extra files and the results do not change', async () => {
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-spill-'));
  const small = new Context({ workers: 2, progress: false, localDir, shuffleSpillRecords: 300 });
  try {
    const data = Array.from({ length: 5000 }, (_, i) => [i % 700, i] as [number, number]);
    const grouped = small.parallelize(data, 4).groupByKey({ numPartitions: 3 });
    const sums = new Map(await grouped.mapValues((vs) => vs.reduce((a, b) => a + b, 0)).collect());
    const expected = new Map<number, number>();
    for (const [k, v] of data) expected.set(k, (expected.get(k) ?? 0) + v);
    assert.deepEqual(sums, expected);
    const files = (fs.readdirSync(localDir, { recursive: true }) as string[]).map((f) =>
      path.basename(f),
    );
    assert.ok(
      files.some((f) => /^shuffle_.*\.spill\d+\.data$/.test(f)),
      'spill files were written',
    );
    const sorted = await small
      .parallelize(data, 4)
      .sortByKey(false, { numPartitions: 3 })
      .keys()
      .collect();
    assert.deepEqual(
      sorted,
      data.map(([k]) => k).sort((a, b) => b - a),
    );
  } finally {
    await small.stop();
    fs.rmSync(localDir, { recursive: true, force: true });
  }
});
