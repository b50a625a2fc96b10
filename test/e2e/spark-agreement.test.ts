// Existing methods where Kindling disagreed with Spark's documented results (issue 10, item 8):
// each runs Spark's own documented example and compares it with a plain computation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const byKey = <V>(rows: [unknown, V][]): [unknown, V][] =>
  [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

test('lookup on the result of sortByKey answers before any other action, as Spark does', async () => {
  const data: [string, number][] = [
    ['a', 1],
    ['b', 2],
    ['1', 3],
    ['d', 4],
    ['2', 5],
    ['b', 6],
  ];
  for (const slices of [1, 3, 8]) {
    const sorted = ctx.parallelize(data, slices).sortByKey(true, 3);
    assert.deepEqual((await sorted.lookup('b')).sort(), [2, 6]);
    assert.deepEqual(await sorted.lookup('zz'), []);
    const descending = ctx.parallelize(data, slices).sortByKey(false);
    assert.deepEqual(await descending.lookup('1'), [3]);
  }
});

test('cogroup takes up to three other RDDs and groupWith any number, dropping none', async () => {
  const w = ctx.parallelize<[string, number]>(
    [
      ['a', 5],
      ['b', 6],
    ],
    2,
  );
  const x = ctx.parallelize<[string, number]>([['a', 1]], 3);
  const y = ctx.parallelize<[string, string]>([['a', 'two']], 1);
  const z = ctx.parallelize<[string, number]>(
    [
      ['b', 42],
      ['c', 7],
    ],
    4,
  );
  const three: [string, [number[], number[], string[], number[]]][] = await w
    .cogroup(x, y, z)
    .collect();
  assert.deepEqual(byKey(three), [
    ['a', [[5], [1], ['two'], []]],
    ['b', [[6], [], [], [42]]],
    ['c', [[], [], [], [7]]],
  ]);
  const two: [string, [number[], number[], string[]]][] = await w.cogroup(x, y, 2).collect();
  assert.equal(two.length, 2);
  assert.deepEqual(byKey(two)[0], ['a', [[5], [1], ['two']]]);
  const many = await w.groupWith(x, y, z, z).collect();
  assert.deepEqual(byKey(many)[2], ['c', [[], [], [], [7], [7]]]);
  assert.deepEqual(byKey(await w.groupWith(x).collect())[0], ['a', [[5], [1]]]);
  // A fourth RDD is refused by name, never silently dropped.
  const untyped = w as unknown as { cogroup(...args: unknown[]): unknown };
  assert.throws(() => untyped.cogroup(x, y, z, z), {
    code: 'INVALID_ARGUMENT',
    message: /groupWith/,
  });
  assert.throws(() => untyped.cogroup(x, [1, 2]), { code: 'INVALID_ARGUMENT' });
});

test('isLocallyCheckpointed is true as soon as localCheckpoint marks the RDD', async () => {
  const rdd = ctx.range(0, 10, 1, 2).map((x) => x * 2);
  assert.equal(rdd.isLocallyCheckpointed(), false);
  rdd.localCheckpoint();
  assert.equal(rdd.isLocallyCheckpointed(), true);
  assert.equal(rdd.isCheckpointed(), false);
  assert.equal(await rdd.count(), 10);
  assert.equal(rdd.isLocallyCheckpointed(), true);
  assert.equal(rdd.isCheckpointed(), true);
});

test('textFile reads comma-separated paths, as Spark and Hadoop do', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-commas-'));
  try {
    const a = Array.from({ length: 300 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 200 }, (_, i) => `b${i}`);
    fs.writeFileSync(path.join(dir, 'a.txt'), a.join('\n') + '\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), b.join('\n'));
    for (const minPartitions of [1, 4, 9]) {
      const lines = await ctx
        .textFile(`${path.join(dir, 'a.txt')},${path.join(dir, 'sub')}`, minPartitions)
        .collect();
      assert.deepEqual(lines, [...a, ...b]);
    }
    assert.throws(() => ctx.textFile(`${path.join(dir, 'a.txt')},${path.join(dir, 'nope')}`), {
      code: 'INVALID_ARGUMENT',
      message: /nope/,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sortByKey's keyfunc orders by the function of each key, as PySpark's", async () => {
  const data: [string, number][] = ['Mary', 'had', 'a', 'little', 'lamb', 'whose', 'fleece'].map(
    (w, i) => [w, i],
  );
  const expected = [...data].sort((p, q) =>
    p[0].toLowerCase() < q[0].toLowerCase() ? -1 : p[0].toLowerCase() > q[0].toLowerCase() ? 1 : 0,
  );
  for (const slices of [1, 3, 10]) {
    const sorted = ctx
      .parallelize(data, slices)
      .sortByKey(true, { numPartitions: 3, keyfunc: (k) => k.toLowerCase() });
    assert.deepEqual(await sorted.collect(), expected);
    const byLength = ctx
      .parallelize(data, slices)
      .sortByKey(false, { keyfunc: (k, env) => k.length * env.sign, env: { sign: -1 } });
    assert.deepEqual(
      (await byLength.collect()).map(([k]) => k.length),
      data.map(([k]) => k.length).sort((p, q) => p - q),
    );
  }
  assert.throws(() => ctx.parallelize(data).sortByKey(true, { keyfunc: 3 as never }), {
    code: 'INVALID_ARGUMENT',
  });
});
