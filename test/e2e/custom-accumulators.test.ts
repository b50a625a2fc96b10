// Custom accumulators (ctx.accumulator(zero, add, merge), Spark's AccumulatorV2): tasks fold
// into their own copy of zero with the shipped add, the main thread merges each successful
// task's value once, so a retried task's additions are not counted twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, KindlingError } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 3 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-accumulators-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const unionSets = (a: Set<string>, b: Set<string>): Set<string> => {
  for (const x of b) a.add(x);
  return a;
};

test('a set accumulator gathers what every task added, as a plain computation does', async () => {
  const words = ['to', 'be', 'or', 'not', 'to', 'be', 'that', 'is'];
  const seen = ctx.accumulator(new Set<string>(), (s, w: string) => s.add(w), unionSets, 'words');
  // Five partitions for eight words, one of them empty after the filter.
  await ctx
    .parallelize(words, 5)
    .filter((w) => w !== 'is')
    .foreach((w, env) => env.seen.add(w), { env: { seen } });
  assert.deepEqual(seen.value, new Set(words.filter((w) => w !== 'is')));
  assert.equal(seen.name, 'words');
});

test('additions inside a transformation count once per successful task', async () => {
  const stats = ctx.accumulator(
    { n: 0, max: -Infinity },
    (s, x: number) => ({ n: s.n + 1, max: Math.max(s.max, x) }),
    (a, b) => ({ n: a.n + b.n, max: Math.max(a.max, b.max) }),
  );
  const doubled = await ctx
    .range(0, 1000, 1, 7)
    .map(
      (x, env) => {
        env.stats.add(x);
        return x * 2;
      },
      { env: { stats } },
    )
    .count();
  assert.equal(doubled, 1000);
  assert.deepEqual(stats.value, { n: 1000, max: 999 });
});

test("a retried task's additions are counted once", async () => {
  const marker = path.join(dir, 'failed-once');
  const records = ctx.accumulator(
    [] as number[],
    (list, x: number) => {
      list.push(x);
      return list;
    },
    (a, b) => a.concat(b),
  );
  await ctx.parallelize([1, 2, 3, 4, 5, 6], 3).foreach(
    (x, env) => {
      env.records.add(x);
      const fs = require('node:fs') as typeof import('node:fs');
      // The first attempt of the partition holding 4 fails after adding 3 and 4.
      if (x === 4 && !fs.existsSync(env.marker)) {
        fs.writeFileSync(env.marker, '');
        throw new Error('first attempt fails');
      }
    },
    { env: { records, marker } },
  );
  assert.ok(fs.existsSync(marker), 'the task failed once');
  assert.deepEqual(
    records.value.sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6],
  );
});

test('add and reset work on the main thread too', () => {
  const acc = ctx.accumulator(
    '',
    (s, c: string) => s + c,
    (a, b) => a + b,
  );
  acc.add('a');
  acc.add('b');
  assert.equal(acc.value, 'ab');
  acc.reset();
  assert.equal(acc.value, '');
});

test('an accumulator whose add cannot travel, or whose zero cannot be cloned, is refused at once', () => {
  const limit = 3;
  assert.throws(
    () =>
      ctx.accumulator(
        0,
        (a, x: number) => Math.min(a + x, limit),
        (a, b) => a + b,
      ),
    (e: unknown) => e instanceof KindlingError && e.code === 'TASK_NOT_SERIALIZABLE',
  );
  assert.throws(
    () =>
      ctx.accumulator(
        { f: () => 1 },
        (a) => a,
        (a) => a,
      ),
    (e: unknown) => e instanceof KindlingError && e.code === 'INVALID_ARGUMENT',
  );
});

test('a merge that throws fails the job naming the accumulator', async () => {
  const broken = ctx.accumulator(
    0,
    (a, x: number) => a + x,
    () => {
      throw new Error('cannot merge');
    },
    'broken',
  );
  const err = await ctx
    .parallelize([1, 2], 2)
    .foreach((x, env) => env.broken.add(x), { env: { broken } })
    .then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof KindlingError, String(err));
  assert.match(err.message, /accumulator \d+ \(broken\)/);
  assert.match(err.message, /cannot merge/);
});
