// Every action against a plain computation of the same thing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const data = Array.from({ length: 500 }, (_, i) => (i * 37) % 101);
const rdd = () => ctx.parallelize(data, 6);

test('collect, count, first and take', async () => {
  assert.deepEqual(await rdd().collect(), data);
  assert.equal(await rdd().count(), data.length);
  assert.equal(await rdd().first(), data[0]);
  assert.deepEqual(await rdd().take(123), data.slice(0, 123));
  assert.deepEqual(
    await rdd()
      .filter((x) => x === 100)
      .take(2),
    [100, 100],
  );
  assert.deepEqual(await rdd().take(0), []);
  await assert.rejects(ctx.emptyRDD().first(), /empty/);
});

test('takeOrdered and top, with and without a comparator', async () => {
  const sorted = [...data].sort((a, b) => a - b);
  assert.deepEqual(await rdd().takeOrdered(7), sorted.slice(0, 7));
  assert.deepEqual(await rdd().top(5), sorted.slice(-5).reverse());
  assert.deepEqual(await rdd().takeOrdered(4, (a, b) => b - a), sorted.slice(-4).reverse());
  assert.deepEqual(await rdd().top(0), []);
  for (const n of [-1, 1.5]) {
    await assert.rejects(rdd().top(n), {
      code: 'INVALID_ARGUMENT',
      message: /rdd\.top n: expected a non-negative integer/,
    });
  }
});

test('takeOrdered and top order undefined records as sortBy does, and show them to a comparator', async () => {
  for (const r of [ctx.parallelize([3, undefined, 1], 1), ctx.parallelize([3, undefined, 1], 3)]) {
    // The key order: undefined first.
    assert.deepEqual(await r.sortBy((x) => x).collect(), [undefined, 1, 3]);
    assert.deepEqual(await r.takeOrdered(3), [undefined, 1, 3]);
    assert.deepEqual(await r.takeOrdered(1), [undefined]);
    assert.deepEqual(await r.top(3), [3, 1, undefined]);
    // A comparator that puts undefined last is asked about it, and obeyed.
    const undefinedLast = (a: number | undefined, b: number | undefined) =>
      (a ?? Infinity) - (b ?? Infinity);
    assert.deepEqual(await r.takeOrdered(3, undefinedLast), [1, 3, undefined]);
    assert.deepEqual(await r.top(1, undefinedLast), [undefined]);
  }
});

test('reduce, fold and aggregate', async () => {
  const sum = data.reduce((a, b) => a + b, 0);
  assert.equal(await rdd().reduce((a, b) => a + b), sum);
  assert.equal(await rdd().fold(0, (a, b) => a + b), sum);
  const agg = await rdd().aggregate(
    { n: 0, s: 0 },
    (acc, x) => ({ n: acc.n + 1, s: acc.s + x }),
    (a, b) => ({ n: a.n + b.n, s: a.s + b.s }),
  );
  assert.deepEqual(agg, { n: data.length, s: sum });
  await assert.rejects(
    ctx.emptyRDD<number>().reduce((a, b) => a + b),
    /empty/,
  );
});

test('countByValue, countByKey and lookup', async () => {
  const expected = new Map<number, number>();
  for (const x of data) expected.set(x, (expected.get(x) ?? 0) + 1);
  assert.deepEqual(
    new Map([...(await rdd().countByValue())].sort()),
    new Map([...expected].sort()),
  );
  const byKey = await rdd()
    .map((x) => [x % 2, x] as [number, number])
    .countByKey();
  assert.equal(byKey.get(0), data.filter((x) => x % 2 === 0).length);
  const pairs = rdd().map((x) => [x, x * 10] as [number, number]);
  assert.deepEqual(
    await pairs.lookup(42),
    data.filter((x) => x === 42).map((x) => x * 10),
  );
  const parted = pairs.reduceByKey((a, b) => a + b);
  assert.deepEqual(await parted.lookup(42), [data.filter((x) => x === 42).length * 420]);
});

test('foreach and foreachPartition run in workers and report through accumulators', async () => {
  const acc = ctx.longAccumulator('seen');
  await rdd().foreach((x, env) => env.acc.add(x), { env: { acc } });
  assert.equal(
    acc.value,
    data.reduce((a, b) => a + b, 0),
  );
  const parts = ctx.longAccumulator();
  await rdd().foreachPartition((_it, env) => env.parts.add(1), { env: { parts } });
  assert.equal(parts.value, 6);
});

test('broadcast values reach the workers', async () => {
  const table = ctx.broadcast(
    new Map([
      [1, 'one'],
      [2, 'two'],
    ]),
  );
  const got = await ctx
    .parallelize([1, 2, 3], 3)
    .map((x, env) => env.table.value.get(x) ?? '?', { env: { table } })
    .collect();
  assert.deepEqual(got, ['one', 'two', '?']);
});

test('a job refuses broadcasts and accumulators of another Context, however deep in env', async () => {
  // Two fresh contexts, so that each handle of `other` has the id of a handle of `own`.
  const own = new Context({ workers: 1, progress: false });
  const other = new Context({ workers: 1, progress: false });
  try {
    const mine = own.broadcast('mine');
    const myCount = own.longAccumulator('mine');
    const theirs = other.broadcast('theirs');
    const theirCount = other.longAccumulator('theirs');
    const theirSet = other.accumulator(
      [] as number[],
      (a, x: number) => [...a, x],
      (a, b) => [...a, ...b],
    );
    assert.equal(theirs.id, mine.id);
    assert.equal(theirCount.id, myCount.id);
    const r = own.parallelize([1, 2], 2);
    const refused = (path: string, handle: string) => ({
      code: 'INVALID_ARGUMENT',
      message: new RegExp(
        `${path}: expected an? \\w+ of this Context, received ${handle}.*another Context`,
      ),
    });
    await assert.rejects(
      r.map((_x, env) => env.b.value, { env: { b: theirs } }).collect(),
      refused('rdd\\.map opts\\.env\\.b', 'Broadcast 0'),
    );
    await assert.rejects(
      r.foreach((x, env) => env.deep.list[1]?.a.add(x), {
        env: { deep: { list: [{ a: myCount }, { a: theirCount }] } },
      }),
      refused('rdd\\.foreach opts\\.env\\.deep\\.list\\[1\\]\\.a', 'Accumulator 0 \\(theirs\\)'),
    );
    await assert.rejects(
      r
        .map((x) => [x % 2, x] as [number, number])
        .reduceByKey((a, b, env) => a + b + env.s.length, { env: { s: [[theirSet]] } })
        .collect(),
      refused('rdd\\.reduceByKey opts\\.env\\.s\\[0\\]\\[0\\]', 'Accumulator 1'),
    );
    await assert.rejects(
      r.top(1, (a, b, env) => a - b + env.b.value.length, { env: { b: theirs } }),
      refused('rdd\\.top opts\\.env\\.b', 'Broadcast 0'),
    );
    await other.stop();
    await assert.rejects(
      r.map((_x, env) => env.b.value, { env: { b: theirs } }).collect(),
      refused('rdd\\.map opts\\.env\\.b', 'Broadcast 0'),
    );
    // Nothing of `other` reached `own`'s handles of the same ids, which still work.
    assert.equal(myCount.value, 0);
    assert.equal(theirCount.value, 0);
    await r.foreach((x, env) => env.c.add(x), { env: { c: myCount } });
    assert.equal(myCount.value, 3);
    assert.deepEqual(await r.map((_x, env) => env.b.value, { env: { b: mine } }).collect(), [
      'mine',
      'mine',
    ]);
  } finally {
    await other.stop();
    await own.stop();
  }
});

test('saveAsTextFile writes strings as is and other records as JSON, then _SUCCESS', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-save-'));
  const out = path.join(dir, 'out');
  try {
    await ctx.parallelize(['a', { b: 1 }, [2, 3], 4], 2).saveAsTextFile(out);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files, ['_SUCCESS', 'part-00000', 'part-00001']);
    const lines = files
      .filter((f) => f.startsWith('part-'))
      .flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
    assert.deepEqual(lines, ['a', '{"b":1}', '[2,3]', '4']);
    await assert.rejects(ctx.parallelize([1]).saveAsTextFile(out), { code: 'INVALID_ARGUMENT' });
    assert.deepEqual(fs.readdirSync(dir), ['out'], 'no temp directories left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('textFile reads a file, a directory and a glob without losing or cutting lines', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-text-'));
  try {
    const lines = Array.from({ length: 2000 }, (_, i) => `línea ${i} — ${'é'.repeat(i % 7)}`);
    fs.writeFileSync(path.join(dir, 'a.txt'), lines.slice(0, 1000).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b.txt'), lines.slice(1000).join('\r\n'));
    fs.writeFileSync(path.join(dir, '_ignored'), 'x\n');
    assert.deepEqual(
      await ctx.textFile(path.join(dir, 'a.txt'), 7).collect(),
      lines.slice(0, 1000),
    );
    assert.deepEqual(await ctx.textFile(dir, 5).collect(), lines);
    assert.deepEqual(await ctx.textFile(path.join(dir, '*.txt'), 3).count(), 2000);
    assert.throws(() => ctx.textFile(path.join(dir, 'missing.txt')), { code: 'INVALID_ARGUMENT' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
