// Numeric accumulators: a long accumulator holds integers (Spark's LongAccumulator), so it
// refuses a fraction or an integer past 2^53 on the main thread and in tasks, naming itself, and
// a total that safe additions would carry past 2^53 - 1 (added, or merged from tasks);
// value may be set on the main thread (PySpark's Accumulator.value setter) and is refused in a
// task, where a handle only adds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, KindlingError } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 3 });
after(() => ctx.stop());

const numbers = Array.from({ length: 10 }, (_, i) => i + 1);

function refused(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

test('a long accumulator refuses a fraction or an unsafe integer on the main thread', () => {
  const acc = ctx.longAccumulator('hits');
  for (const bad of [0.5, -1.25, NaN, Infinity, 2 ** 53, '1']) {
    assert.throws(
      () => acc.add(bad as number),
      refused(
        'INVALID_ARGUMENT',
        new RegExp(
          `^Invalid argument longAccumulator ${acc.id} \\(hits\\) add n: expected an integer`,
        ),
      ),
      String(bad),
    );
  }
  acc.add(3);
  acc.add(-5);
  acc.add(Number.MAX_SAFE_INTEGER - 1);
  assert.equal(acc.value, Number.MAX_SAFE_INTEGER - 3);
  // A double accumulator takes fractions.
  const d = ctx.doubleAccumulator('halves');
  d.add(0.5);
  d.add(0.25);
  assert.equal(d.value, 0.75);
  assert.throws(
    () => d.add(NaN),
    refused('INVALID_ARGUMENT', /doubleAccumulator \d+ \(halves\) add n/),
  );
});

test('in a task, a fraction added to a long accumulator fails the job at once, naming it', async () => {
  const acc = ctx.longAccumulator('hits');
  let attempts = 0;
  const count = (): void => void attempts++;
  ctx.on('taskEnd', count);
  try {
    await assert.rejects(
      ctx.parallelize(numbers, 2).foreach((x, env) => env.acc.add(x / 4), { env: { acc } }),
      refused(
        'TASK_FAILED',
        new RegExp(`longAccumulator ${acc.id} \\(hits\\) add n: expected an integer`),
      ),
    );
  } finally {
    ctx.off('taskEnd', count);
  }
  assert.ok(attempts <= 2, `${attempts} task attempts: an INVALID_ARGUMENT is not retried`);
  assert.equal(acc.value, 0, "a failed task's updates do not count");
  // Integers still add up from tasks.
  await ctx.parallelize(numbers, 3).foreach((x, env) => env.acc.add(x), { env: { acc } });
  assert.equal(acc.value, 55);
});

test('a long total past 2^53 - 1 in either direction is refused on the main thread, naming the accumulator', () => {
  for (const sign of [1, -1]) {
    const acc = ctx.longAccumulator('big');
    acc.add(sign * (Number.MAX_SAFE_INTEGER - 1));
    assert.throws(
      () => acc.add(sign * 2),
      refused(
        'INVALID_ARGUMENT',
        new RegExp(
          `^Invalid argument longAccumulator ${acc.id} \\(big\\) add n: adding ${sign * 2} to a ` +
            `total of ${sign * (Number.MAX_SAFE_INTEGER - 1)} passes 2\\^53 - 1`,
        ),
      ),
    );
    assert.equal(
      acc.value,
      sign * (Number.MAX_SAFE_INTEGER - 1),
      'the refused add changed nothing',
    );
    acc.add(sign);
    assert.equal(acc.value, sign * Number.MAX_SAFE_INTEGER);
  }
  // A double accumulator rounds, as doubles do.
  const d = ctx.doubleAccumulator('wide');
  d.add(Number.MAX_SAFE_INTEGER);
  d.add(2);
  assert.equal(d.value, Number.MAX_SAFE_INTEGER + 2);
});

test("merging tasks' additions past 2^53 - 1 in either direction fails the job, naming the accumulator", async () => {
  for (const sign of [1, -1]) {
    // Each task adds 2^52, a safe total of its own; the second merged carries the total to 2^53.
    const acc = ctx.longAccumulator('merged');
    const half = sign * 2 ** 52;
    await assert.rejects(
      ctx.parallelize([half, half], 2).foreach((x, env) => env.acc.add(x), { env: { acc } }),
      refused(
        'TASK_FAILED',
        new RegExp(
          `^Cannot merge a task's additions into longAccumulator ${acc.id} \\(merged\\): ` +
            `adding ${half} to a total of ${half} passes 2\\^53 - 1`,
        ),
      ),
    );
    assert.equal(acc.value, half, 'the refused merge changed nothing');
  }
});

test("a task's merges are all applied or none: one past 2^53 - 1 leaves the others as they were", async () => {
  // The task adds 1 to `counted` (merged first) and 2^52 to `big`, whose total is 2^52 already.
  const counted = ctx.longAccumulator('counted');
  const big = ctx.longAccumulator('big');
  big.add(2 ** 52);
  await assert.rejects(
    ctx.parallelize([2 ** 52], 1).foreach(
      (x, env) => {
        env.counted.add(1);
        env.big.add(x);
      },
      { env: { counted, big } },
    ),
    refused('TASK_FAILED', /into longAccumulator \d+ \(big\)/),
  );
  assert.equal(counted.value, 0, "the task's other merge was not applied");
  assert.equal(big.value, 2 ** 52);
});

test('in a task, additions past 2^53 - 1 fail the job at once, naming the accumulator', async () => {
  const acc = ctx.longAccumulator('task');
  let failedAttempts = 0;
  const count = (e: { successful: boolean }): void => {
    if (!e.successful) failedAttempts++;
  };
  ctx.on('taskEnd', count);
  try {
    await assert.rejects(
      ctx.parallelize([2 ** 52, 2 ** 52], 1).foreach((x, env) => env.acc.add(x), { env: { acc } }),
      refused(
        'TASK_FAILED',
        new RegExp(
          `attempt 1: Invalid argument longAccumulator ${acc.id} \\(task\\) add n: adding ` +
            `${2 ** 52} to a total of ${2 ** 52} passes 2\\^53 - 1`,
        ),
      ),
    );
  } finally {
    ctx.off('taskEnd', count);
  }
  assert.equal(failedAttempts, 1, 'an INVALID_ARGUMENT is not retried');
  assert.equal(acc.value, 0, "a failed task's updates do not count");
});

test('value may be set on the main thread, checked as add checks it', async () => {
  const acc = ctx.longAccumulator('total');
  acc.value = 100;
  await ctx.parallelize(numbers, 2).foreach((x, env) => env.acc.add(x), { env: { acc } });
  assert.equal(acc.value, 155);
  assert.throws(
    () => {
      acc.value = 0.5;
    },
    refused('INVALID_ARGUMENT', /longAccumulator \d+ \(total\) value: expected an integer/),
  );
  assert.equal(acc.value, 155);
  const d = ctx.doubleAccumulator();
  d.value = 0.5;
  assert.equal(d.value, 0.5);
  const seen = ctx.accumulator(
    [] as string[],
    (a, s: string) => [...a, s],
    (a, b) => [...a, ...b],
  );
  seen.value = ['start'];
  seen.add('main');
  assert.deepEqual(seen.value, ['start', 'main']);
});

test("in a task, an accumulator's value is refused, read or set, naming the accumulator", async () => {
  const acc = ctx.longAccumulator('hits');
  const custom = ctx.accumulator(
    0,
    (a, n: number) => a + n,
    (a, b) => a + b,
    'sum',
  );
  const calls: [RegExp, () => Promise<unknown>][] = [
    [
      new RegExp(
        `longAccumulator ${acc.id} \\(hits\\)\\.value is read and set on the main thread only`,
      ),
      () =>
        ctx
          .parallelize(numbers, 2)
          .map((x, env) => x + env.acc.value, { env: { acc } })
          .collect(),
    ],
    [
      new RegExp(
        `longAccumulator ${acc.id} \\(hits\\)\\.value is read and set on the main thread only`,
      ),
      () =>
        ctx.parallelize(numbers, 2).foreach(
          (x, env) => {
            env.acc.value = x;
          },
          { env: { acc } },
        ),
    ],
    [
      new RegExp(
        `accumulator ${custom.id} \\(sum\\)\\.value is read and set on the main thread only`,
      ),
      () =>
        ctx
          .parallelize(numbers, 2)
          .map((x, env) => x + env.custom.value, { env: { custom } })
          .collect(),
    ],
  ];
  for (const [pattern, call] of calls) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof KindlingError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  }
  assert.equal(acc.value, 0);
  assert.equal(custom.value, 0);
});
