// Every narrow transformation against the same computation done with plain arrays.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, isKindlingError } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const data = Array.from({ length: 1000 }, (_, i) => i);
const nums = () => ctx.parallelize(data, 7);

test('parallelize slices contiguously as Spark does', async () => {
  const parts = await ctx.parallelize([1, 2, 3, 4, 5, 6, 7], 3).glom().collect();
  assert.deepEqual(parts, [
    [1, 2],
    [3, 4],
    [5, 6, 7],
  ]);
});

test('range follows start, end and step, also downwards', async () => {
  assert.deepEqual(await ctx.range(0, 10, 3, 2).collect(), [0, 3, 6, 9]);
  assert.deepEqual(await ctx.range(10, 0, -4, 3).collect(), [10, 6, 2]);
  assert.equal(await ctx.range(0, 1_000_000, 1, 8).count(), 1_000_000);
});

test('range refuses bounds and steps that are not safe integers, naming the argument', () => {
  const refused = (argument: string) => ({
    code: 'INVALID_ARGUMENT',
    message: new RegExp(`ctx\\.range ${argument}`),
  });
  assert.throws(() => ctx.range(2 ** 53 - 2, 2 ** 53 + 2), refused('end'));
  assert.throws(() => ctx.range(2 ** 60, 2 ** 60 + 1000), refused('start'));
  assert.throws(() => ctx.range(0, 1, 0.1), refused('step'));
  assert.throws(() => ctx.range(0.5, 3), refused('start'));
  assert.throws(() => ctx.range(0, 10, 0), refused('step'));
  assert.throws(() => ctx.range(-(2 ** 53 - 1), 2 ** 53 - 1), refused('end'));
  assert.equal(ctx.range(2 ** 53 - 5, 2 ** 53 - 1).getNumPartitions(), ctx.defaultParallelism);
});

test('map, filter and flatMap pass env as the last argument', async () => {
  const env = { k: 3, min: 100 };
  const got = await nums()
    .map((x, e) => x * e.k, { env })
    .filter((x, e) => x > e.min, { env })
    .flatMap((x) => [x, -x])
    .collect();
  assert.deepEqual(
    got,
    data
      .map((x) => x * 3)
      .filter((x) => x > 100)
      .flatMap((x) => [x, -x]),
  );
});

test('mapPartitions and mapPartitionsWithIndex see each partition once', async () => {
  const sums = await nums()
    .mapPartitions((it) => [[...it].reduce((a, b) => a + b, 0)])
    .collect();
  assert.equal(sums.length, 7);
  assert.equal(
    sums.reduce((a, b) => a + b, 0),
    data.reduce((a, b) => a + b, 0),
  );
  const idx = await nums()
    .mapPartitionsWithIndex((i, it) => [[i, [...it].length]])
    .collect();
  assert.deepEqual(
    idx.map(([i]) => i),
    [0, 1, 2, 3, 4, 5, 6],
  );
});

test('keyBy, keys, values, mapValues and flatMapValues', async () => {
  const pairs = nums().keyBy((x) => x % 10);
  assert.deepEqual(await pairs.take(3), [
    [0, 0],
    [1, 1],
    [2, 2],
  ]);
  assert.deepEqual(
    (await pairs.keys().collect()).slice(0, 12),
    data.slice(0, 12).map((x) => x % 10),
  );
  assert.deepEqual(await pairs.values().collect(), data);
  assert.deepEqual(
    await pairs
      .mapValues((v) => v + 1)
      .values()
      .collect(),
    data.map((x) => x + 1),
  );
  assert.equal(await pairs.flatMapValues((v) => [v, v]).count(), 2000);
});

test('zipWithIndex numbers records in partition order', async () => {
  const got = await ctx.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithIndex().collect();
  assert.deepEqual(got, [
    ['a', 0],
    ['b', 1],
    ['c', 2],
    ['d', 3],
    ['e', 4],
  ]);
});

test('sample with a seed gives the same result every run', async () => {
  const a = await nums().sample(false, 0.1, 42).collect();
  const b = await nums().sample(false, 0.1, 42).collect();
  assert.deepEqual(a, b);
  assert.ok(a.length > 50 && a.length < 150, `sample size ${a.length}`);
  const withRepl = await nums().sample(true, 2, 7).count();
  assert.ok(withRepl > 1500 && withRepl < 2500, `with replacement ${withRepl}`);
});

test('sample refuses a fraction that is not finite, or past Int.MaxValue copies, at the call', () => {
  for (const fraction of [Infinity, 1e300, 2 ** 31, NaN, -1]) {
    assert.throws(() => nums().sample(true, fraction, 1), {
      code: 'INVALID_ARGUMENT',
      message: /rdd\.sample fraction/,
    });
  }
  assert.throws(() => nums().sample(false, Infinity, 1), { code: 'INVALID_ARGUMENT' });
  assert.equal(
    nums()
      .sample(true, 2 ** 31 - 1, 1)
      .getNumPartitions(),
    7,
  );
});

test('union, coalesce, repartition and cartesian keep every record', async () => {
  const u = nums().union(ctx.parallelize([5000, 5001], 1));
  assert.equal(u.getNumPartitions(), 8);
  assert.deepEqual(await u.collect(), [...data, 5000, 5001]);
  const c = nums().coalesce(3);
  assert.equal(c.getNumPartitions(), 3);
  assert.deepEqual(await c.collect(), data);
  const r = nums().repartition(4);
  assert.equal(r.getNumPartitions(), 4);
  assert.deepEqual(
    (await r.collect()).sort((a, b) => a - b),
    data,
  );
  const sizes = (await r.glom().collect()).map((p) => p.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) < 50, `repartition sizes ${sizes.join(',')}`);
  const cart = await ctx
    .parallelize([1, 2], 2)
    .cartesian(ctx.parallelize(['x', 'y'], 2))
    .collect();
  assert.deepEqual(cart.sort(), [
    [1, 'x'],
    [1, 'y'],
    [2, 'x'],
    [2, 'y'],
  ]);
});

test('distinct compares records by value, arrays included', async () => {
  const got = await ctx
    .parallelize([1, 2, 2, 3, 1, 'a', 'a', [1, 2], [1, 2], [2, 1]], 3)
    .distinct()
    .collect();
  assert.equal(got.length, 6);
});

test('distinct refuses a record that does not compare by value, naming the RDD it came from', async () => {
  const objects = ctx.parallelize<unknown>([1, { a: 1 }, 2], 2).setName('objects');
  await assert.rejects(objects.distinct().collect(), (e: unknown) => {
    assert.ok(isKindlingError(e, 'TASK_FAILED'), String(e));
    assert.match(e.message, /RDD \d+ \(objects\).*expected a key that compares by value/);
    return true;
  });
});

test('glom returns one array per partition and emptyRDD has none', async () => {
  assert.equal((await nums().glom().collect()).length, 7);
  assert.deepEqual(await ctx.emptyRDD<number>().collect(), []);
  assert.equal(await ctx.emptyRDD().count(), 0);
});

test('toDebugString prints the lineage with a shuffle indented', () => {
  const s = nums()
    .map((x) => [x % 3, x] as [number, number])
    .reduceByKey((a, b) => a + b)
    .toDebugString();
  const lines = s.split('\n');
  assert.match(lines[0] ?? '', /ShuffledRDD/);
  assert.ok(
    lines.some((l) => /^\s+\+-.*MapPartitionsRDD/.test(l)),
    s,
  );
  assert.ok(
    lines.some((l) => /ParallelCollectionRDD/.test(l)),
    s,
  );
});

test('each task gets its own copy of env, so mutating it leaks nothing into later tasks', async () => {
  const seen = await ctx
    .parallelize([1, 2, 3, 4, 5, 6, 7, 8], 8)
    .mapPartitions(
      (it, env) => {
        for (const x of it) env.items.push(x);
        return [env.items.length];
      },
      { env: { items: [] as number[] } },
    )
    .collect();
  assert.deepEqual(seen, [1, 1, 1, 1, 1, 1, 1, 1]);
});
