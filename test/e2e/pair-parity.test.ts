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
