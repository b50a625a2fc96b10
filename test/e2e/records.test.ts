// Records and functions as they cross threads: class instances with methods or accessors are
// refused where they would lose their prototype, plain data of every cloneable kind arrives
// unchanged, functions travel in env, and TASK_NOT_SERIALIZABLE gives advice that works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, KindlingError, fn } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-records-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

class Point {
  constructor(readonly x: number) {}
  get dbl(): number {
    return this.x * 2;
  }
}

/** The job fails naming the RDD and the class; the refusal itself is INVALID_ARGUMENT. */
function refusedRecord(rddName: string, className: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    const refusal = e.code === 'INVALID_ARGUMENT' ? e : e.cause;
    assert.ok(refusal instanceof Error);
    assert.equal((refusal as KindlingError).code, 'INVALID_ARGUMENT');
    assert.match(e.message, new RegExp(`\\b${className}\\b`));
    assert.match(e.message, new RegExp(rddName));
    return true;
  };
}

test('parallelize refuses class instances with accessors, naming the class', () => {
  assert.throws(
    () => ctx.parallelize([new Point(1), new Point(2)]),
    (e: unknown) =>
      e instanceof KindlingError &&
      e.code === 'INVALID_ARGUMENT' &&
      /\bPoint\b/.test(e.message) &&
      /parallelize/.test(e.message),
  );
  assert.throws(
    () => ctx.parallelize([['k', new Point(1)]]),
    (e: unknown) => e instanceof KindlingError && /\bPoint\b/.test(e.message),
  );
});

test('a class instance made in a worker is refused where it leaves the thread', async () => {
  const made = ctx
    .range(0, 10, 1, 2)
    .map((x) => {
      class Temp {
        constructor(readonly v: number) {}
        twice(): number {
          return this.v * 2;
        }
      }
      return new Temp(x);
    })
    .setName('temps');
  await assert.rejects(made.collect(), refusedRecord('temps', 'Temp'));
  // Through a shuffle write and into a cache block alike.
  await assert.rejects(
    made
      .keyBy((t) => t.v % 2)
      .groupByKey()
      .collect(),
    refusedRecord('RDD \\d+', 'Temp'),
  );
  await assert.rejects(
    made
      .cache()
      .map(() => 1)
      .count(),
    refusedRecord('temps', 'Temp'),
  );
  // A batch that starts with plain data and ends with an instance is refused too.
  await assert.rejects(
    ctx
      .range(0, 1, 1, 1)
      .flatMap(() => {
        class Late {
          get one(): number {
            return 1;
          }
        }
        return [{ plain: true }, new Late()];
      })
      .collect(),
    refusedRecord('RDD \\d+', 'Late'),
  );
  // Inside one thread the instance keeps its methods: using them there is fine.
  assert.deepEqual(
    await made
      .unpersist()
      .map((t) => t.twice())
      .collect(),
    [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
  );
});

test('plain data of every cloneable kind arrives unchanged', async () => {
  const bare = Object.create(null) as Record<string, number>;
  bare.z = 1;
  class Bag {
    a = 1; // fields only: nothing a clone could lose
  }
  const records: unknown[] = [
    { a: 1, b: [1, 'x'] },
    new Map([[1, { y: 2 }]]),
    new Set(['s']),
    new Date(0),
    new Uint8Array([1, 2]),
    new Float64Array([0.5]),
    10n,
    bare,
    [null, undefined],
    new RangeError('r'),
    new Bag(),
  ];
  const out = await ctx.parallelize(records, 3).collect();
  assert.equal(out.length, records.length);
  assert.deepEqual(out.slice(0, 7), records.slice(0, 7));
  assert.deepEqual(out[7], { z: 1 }); // a null prototype has nothing to lose
  assert.deepEqual(out[8], [null, undefined]);
  assert.ok(out[9] instanceof RangeError);
  assert.deepEqual(out[10], { a: 1 });
});

test('functions in env travel as source and run in the worker', async () => {
  const double = (x: number): number => x * 2;
  const helpers = { inc: (x: number): number => x + 1, k: 10 };
  const out = await ctx
    .range(0, 4, 1, 2)
    .map((x, env) => env.helpers.inc(env.double(x)) * env.helpers.k, {
      env: { double, helpers },
    })
    .collect();
  assert.deepEqual(out, [10, 30, 50, 70]);
  // A module's export works in env too.
  const mod = path.join(dir, 'helpers.mjs');
  fs.writeFileSync(mod, 'export function triple(x) { return x * 3; }\n');
  assert.deepEqual(
    await ctx
      .range(0, 3)
      // The env type holds the FunctionRef; in the worker it is the function itself.
      .map((x, env) => (env.triple as unknown as (x: number) => number)(x), {
        env: { triple: fn(mod, 'triple') },
      })
      .collect(),
    [0, 3, 6],
  );
});

test('a function in env is held to the same free-variable check', () => {
  const factor = 3;
  const scale = (x: number): number => x * factor;
  assert.throws(
    () => ctx.range(0, 3).map((x, env) => env.scale(x), { env: { scale } }),
    (e: unknown) =>
      e instanceof KindlingError &&
      e.code === 'TASK_NOT_SERIALIZABLE' &&
      /'factor'/.test(e.message) &&
      /env\.scale/.test(e.message),
  );
});

test('TASK_NOT_SERIALIZABLE advice fits the kind of value named, and following it works', async () => {
  const double = (x: number): number => x * 2;
  let message = '';
  try {
    ctx.range(0, 3).map((x) => double(x));
  } catch (e) {
    assert.ok(e instanceof KindlingError && e.code === 'TASK_NOT_SERIALIZABLE');
    message = e.message;
  }
  assert.match(message, /'double'/);
  assert.match(message, /env: \{ double \}/);
  assert.match(message, /env\.double\(/);
  assert.match(message, /fn\(/);
  assert.match(message, /inside/);
  // The advice, followed to the letter.
  assert.deepEqual(
    await ctx
      .range(0, 3)
      .map((x, env) => env.double(x), { env: { double } })
      .collect(),
    [0, 2, 4],
  );

  let classMessage = '';
  try {
    ctx.range(0, 3).map((x) => new Point(x));
  } catch (e) {
    assert.ok(e instanceof KindlingError && e.code === 'TASK_NOT_SERIALIZABLE');
    classMessage = e.message;
  }
  assert.match(classMessage, /class 'Point' inside the function/);
  assert.doesNotMatch(classMessage, /env: \{ Point \}/);

  const k = 3;
  let valueMessage = '';
  try {
    ctx.range(0, 3).map((x) => x * k);
  } catch (e) {
    assert.ok(e instanceof KindlingError && e.code === 'TASK_NOT_SERIALIZABLE');
    valueMessage = e.message;
  }
  assert.match(valueMessage, /'k'/);
  assert.match(valueMessage, /env: \{ k \}/);
  assert.doesNotMatch(valueMessage, /fn\(/);
});
