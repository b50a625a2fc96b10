// Pair RDD methods added for Spark parity against plain Map computations, on several
// partitionings including empty partitions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const pairs: [string, number][] = Array.from({ length: 800 }, (_, i) => [`k${(i * 31) % 53}`, i]);

function layouts<T>(xs: T[]): RDD<T>[] {
  return [
    ctx.parallelize(xs, 1),
    ctx.parallelize(xs, 6),
    ctx.parallelize(xs.slice(0, 4), 11),
    ctx
      .parallelize(xs, 4)
      .mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? [] : it))
      .union(ctx.parallelize<T>([], 3))
      .union(ctx.parallelize(xs, 4).mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? it : []))),
  ];
}

const byKeyThenValue = (a: [string, number], b: [string, number]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];

test('subtractByKey keeps the pairs whose key the other RDD lacks', async () => {
  const other: [string, boolean][] = [
    ['k1', true],
    ['k2', false],
    ['k40', true],
    ['zz', true],
  ];
  const drop = new Set(other.map(([k]) => k));
  for (const rdd of layouts(pairs)) {
    const all = await rdd.collect();
    for (const right of [ctx.parallelize(other, 1), ctx.parallelize(other, 5)]) {
      const got = await rdd.subtractByKey(right, 3).collect();
      assert.deepEqual(
        got.sort(byKeyThenValue),
        all.filter(([k]) => !drop.has(k)).sort(byKeyThenValue),
      );
    }
  }
});

test('collectAsMap keeps one value a key (the last), keys compared by value', async () => {
  for (const rdd of layouts(pairs)) {
    const all = await rdd.collect();
    assert.deepEqual(await rdd.collectAsMap(), new Map(all));
  }
  const arrays = await ctx
    .parallelize<[number[], string]>(
      [
        [[1, 2], 'a'],
        [[1, 2], 'b'],
        [[3], 'c'],
      ],
      1,
    )
    .collectAsMap();
  assert.equal(arrays.size, 2);
  assert.deepEqual([...arrays.values()], ['b', 'c']);
});

test('reduceByKeyLocally agrees with a plain reduction by key', async () => {
  for (const rdd of layouts(pairs)) {
    const plain = new Map<string, number>();
    for (const [k, v] of await rdd.collect()) plain.set(k, (plain.get(k) ?? 0) + v * 2);
    const got = await rdd
      .mapValues((v, env) => v * env.k, { env: { k: 2 } })
      .reduceByKeyLocally((a, b) => a + b);
    assert.deepEqual(
      new Map([...got].sort(([a], [b]) => (a < b ? -1 : 1))),
      new Map([...plain].sort(([a], [b]) => (a < b ? -1 : 1))),
    );
  }
});

test('sampleByKey keeps each key at its fraction, seeded, stable across runs', async () => {
  const fractions = new Map<string, number>();
  for (let k = 0; k < 53; k++) fractions.set(`k${k}`, k % 3 === 0 ? 0 : k % 3 === 1 ? 1 : 0.5);
  for (const rdd of layouts(pairs)) {
    const all = await rdd.collect();
    const sample = await rdd.sampleByKey(false, fractions, 11).collect();
    assert.deepEqual(await rdd.sampleByKey(false, fractions, 11).collect(), sample);
    const keep = new Set(sample.map(([, v]) => v));
    for (const [k, v] of all) {
      const f = fractions.get(k);
      if (f === 0) assert.ok(!keep.has(v), `${k} has fraction 0`);
      if (f === 1) assert.ok(keep.has(v), `${k} has fraction 1`);
    }
    const replaced = await rdd.sampleByKey(true, fractions, 3).collect();
    assert.ok(replaced.every(([k]) => fractions.get(k) !== 0));
  }
  const half = await ctx
    .parallelize(pairs, 4)
    .sampleByKey(false, { ...Object.fromEntries(fractions) }, 5)
    .count();
  assert.ok(half > 0);
  await assert.rejects(
    ctx
      .parallelize(pairs, 1)
      .sampleByKey(false, new Map([['k1', 0.5]]))
      .collect(),
    /no fraction for key/,
  );
  assert.throws(() => ctx.parallelize(pairs).sampleByKey(false, new Map([['k1', 2]])), {
    code: 'INVALID_ARGUMENT',
  });
  for (const fraction of [Infinity, 1e300]) {
    assert.throws(() => ctx.parallelize(pairs).sampleByKey(true, { k1: 0.5, k2: fraction }), {
      code: 'INVALID_ARGUMENT',
      message: /rdd\.sampleByKey fractions \(key "k2"\)/,
    });
  }
});

test('filterByRange keeps the keys in [lower, upper], with or without a range partitioner', async () => {
  for (const rdd of [...layouts(pairs), ctx.parallelize(pairs, 5).sortByKey(true, 4)]) {
    const all = await rdd.collect();
    const got = await rdd.filterByRange('k2', 'k31').collect();
    assert.deepEqual(
      got.sort(byKeyThenValue),
      all.filter(([k]) => k >= 'k2' && k <= 'k31').sort(byKeyThenValue),
    );
  }
  // As Spark's: through a PartitionPruningRDD on a range partitioner, whose partition indices
  // are no longer the partitioner's, so no partitioner; any other partitioner is kept.
  const sorted = ctx.parallelize(pairs, 3).sortByKey();
  assert.equal(sorted.filterByRange('k1', 'k2').partitioner, undefined);
  const hashed = ctx.parallelize(pairs, 3).partitionBy(4);
  assert.equal(hashed.filterByRange('k1', 'k2').partitioner, hashed.partitioner);
});
