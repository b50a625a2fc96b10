// Errors and lineage point at the user's code: a function that throws in a worker shows this
// file and the throwing line in its rebuilt stack, toDebugString says where each RDD was made,
// and a bad fn(module, exportName) fails before any task runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Context, KindlingError, fn, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 2 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-locations-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

// This test file as it runs (compiled JavaScript), and the line holding a marker text in it.
const thisFile = fileURLToPath(import.meta.url);
const thisName = path.basename(thisFile);
function lineOf(marker: string): number {
  const lines = fs.readFileSync(thisFile, 'utf8').split('\n');
  const found = lines.flatMap((l, i) =>
    l.includes(marker) && !l.includes('lineOf(') ? [i + 1] : [],
  );
  assert.equal(found.length, 1, `one line holds ${marker}`);
  return found[0] as number;
}

async function failureOf(rdd: RDD<unknown>): Promise<Error> {
  const err = await rdd.collect().then(
    () => assert.fail('the job should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof KindlingError, String(err));
  assert.equal(err.code, 'TASK_FAILED');
  assert.ok(err.cause instanceof Error);
  return err.cause;
}

/** The first frame of the stack below the message line. */
function topFrame(stack: string | undefined): string {
  return stack?.split('\n').find((l) => l.trimStart().startsWith('at ')) ?? '';
}

test('a function that throws in a worker shows this file and the throwing line in cause.stack', async () => {
  const cause = await failureOf(
    ctx.parallelize([1, 2, 3, 4], 2).map((x) => {
      if (x === 3) throw new Error('inline boom'); // marker: inline-throw
      return x;
    }),
  );
  assert.equal(cause.message, 'inline boom');
  const frame = topFrame(cause.stack);
  assert.ok(frame.includes(`${thisName}:${lineOf('marker: inline-throw')}:`), cause.stack);
  assert.doesNotMatch(cause.stack ?? '', /<anonymous>:\d+:\d+\)?\n/);
});

test('a function defined earlier and passed by name is located where it was defined', async () => {
  function parseRecord(s: string): number {
    const n = Number(s);
    if (Number.isNaN(n)) throw new TypeError(`not a number: ${s}`); // marker: named-throw
    return n;
  }
  const cause = await failureOf(ctx.parallelize(['1', 'x', '3'], 3).map(parseRecord));
  assert.equal(cause.name, 'TypeError');
  const frame = topFrame(cause.stack);
  assert.match(frame, /at parseRecord /);
  assert.ok(frame.includes(`${thisName}:${lineOf('marker: named-throw')}:`), cause.stack);
});

test('the column of the frame is the column of the throw in this file', async () => {
  // prettier-ignore
  const cause = await failureOf(ctx.parallelize([1], 1).map((x) => { if (x > 0) throw new RangeError('column'); return x; })); // marker: one-line
  const line = lineOf('marker: one-line');
  const text = fs.readFileSync(thisFile, 'utf8').split('\n')[line - 1] as string;
  const column = text.indexOf("new RangeError('column')") + 1;
  assert.match(
    topFrame(cause.stack),
    new RegExp(`${thisName}:${line}:${column}\\)?$`),
    cause.stack,
  );
});

test('a function placed in env that throws is located in this file too', async () => {
  const check = (x: number): number => {
    if (x === 2) throw new Error('helper boom'); // marker: env-helper
    return x;
  };
  const cause = await failureOf(
    ctx.parallelize([1, 2], 2).map((x, env) => env.check(x), { env: { check } }),
  );
  assert.ok(cause.stack?.includes(`${thisName}:${lineOf('marker: env-helper')}:`), cause.stack);
});

test('a function whose source is not in its file names the call that passed it', async () => {
  // new Function's text ("function anonymous(...") appears in no file: only the call is known.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a function without a file
  const made = new Function('x', "if (x === 1) throw new Error('made'); return x;") as (
    x: number,
  ) => number;
  const cause = await failureOf(ctx.parallelize([1], 1).map(made)); // marker: passed-call
  assert.ok(
    cause.stack?.includes(`passed to rdd.map at`) &&
      cause.stack.includes(`${thisName}:${lineOf('marker: passed-call')}:`),
    cause.stack,
  );
});

// Node strips a .ts file's types itself from 22.18 (process.features.typescript): each type
// annotation becomes spaces, so a shipped function's text is not the file's.
const stripsTypes = (process.features as { typescript?: unknown }).typescript;
test(
  'a .ts job that Node runs itself shows the throwing line and column of the .ts file',
  { skip: stripsTypes ? false : `Node ${process.version} does not run .ts files itself` },
  () => {
    const index = pathToFileURL(fileURLToPath(new URL('../../src/index.js', import.meta.url)));
    const job = path.join(dir, 'stripped.mts');
    const throwing =
      "  .map((x: number): number => { if (x === 2) throw new Error('boom'); return x; })";
    fs.writeFileSync(
      job,
      [
        `import { Context } from '${index.href}';`,
        'const ctx = new Context({ workers: 1, progress: false, maxTaskFailures: 1 });',
        'const rdd = ctx.range(0, 4, 1, 1)',
        throwing,
        'try { await rdd.collect(); } catch (e) {',
        "  console.log(((e as Error).cause as Error).stack?.split('\\n')[1]);",
        '}',
        'await ctx.stop();',
        '',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [job], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const column = throwing.indexOf('new Error') + 1;
    assert.equal(run.stdout.trim(), `at ${pathToFileURL(job).href}:4:${column}`);
  },
);

test('toDebugString says where each RDD was created, as Spark does', () => {
  const numbers = ctx.parallelize([1, 2, 3], 3); // marker: debug-source
  const pairs = numbers.map((x) => [x % 2, x] as [number, number]); // marker: debug-map
  const sums = pairs.reduceByKey((a, b) => a + b); // marker: debug-reduce
  const lines = sums.toDebugString().split('\n');
  assert.match(
    lines[0] ?? '',
    new RegExp(
      `ShuffledRDD\\[\\d+\\] at reduceByKey at \\S*${thisName}:${lineOf('marker: debug-reduce')}\\b`,
    ),
  );
  assert.ok(
    lines.some(
      (l) =>
        l.includes(`MapPartitionsRDD[${pairs.id}] at map at `) &&
        l.includes(`${thisName}:${lineOf('marker: debug-map')}`),
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.some(
      (l) =>
        l.includes(`at parallelize at `) &&
        l.includes(`${thisName}:${lineOf('marker: debug-source')}`),
    ),
    lines.join('\n'),
  );
});

test('fn() naming a module that cannot be imported fails before any task runs, naming it', async () => {
  const missing = path.join(dir, 'no-such-module.js');
  let tasks = 0;
  const onTask = (): void => {
    tasks++;
  };
  ctx.on('taskEnd', onTask);
  try {
    const rdd = ctx.parallelize([1, 2, 3], 3).map(fn(missing, 'parse'));
    await assert.rejects(rdd.collect(), (e: unknown) => {
      assert.ok(e instanceof KindlingError);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.ok(e.message.includes('no-such-module.js') && e.message.includes('parse'), e.message);
      return true;
    });
    assert.equal(tasks, 0);
  } finally {
    ctx.off('taskEnd', onTask);
  }
});

test('fn() naming an export the module lacks fails before any task runs, naming both', async () => {
  const mod = path.join(dir, 'helpers.mjs');
  fs.writeFileSync(mod, 'export function triple(x) { return x * 3; }\n');
  let tasks = 0;
  const onTask = (): void => {
    tasks++;
  };
  ctx.on('taskEnd', onTask);
  try {
    const good = ctx.parallelize([1, 2], 2).map(fn(mod, 'triple'));
    assert.deepEqual(await good.collect(), [3, 6]);
    const before = tasks;
    const bad = good.filter(fn(mod, 'isEven'));
    await assert.rejects(bad.collect(), (e: unknown) => {
      assert.ok(e instanceof KindlingError);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.match(e.message, /helpers\.mjs/);
      assert.match(e.message, /isEven/);
      return true;
    });
    assert.equal(tasks, before);
    // The same check covers a reference placed in env.
    const inEnv = ctx
      .parallelize([1], 1)
      .map((x, env) => (env.f as unknown as (x: number) => number)(x), {
        env: { f: fn(mod, 'nope') },
      });
    await assert.rejects(
      inEnv.collect(),
      (e: unknown) =>
        e instanceof KindlingError && e.code === 'INVALID_ARGUMENT' && /nope/.test(e.message),
    );
    assert.equal(tasks, before);
  } finally {
    ctx.off('taskEnd', onTask);
  }
});
