// Failures: user errors retried then reported with their cause, dying workers
// replaced, cancellation, a stopped context, bad arguments, uncloneable results.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, KindlingError, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 3 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-fail-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a throwing function is tried maxTaskFailures times, then TASK_FAILED carries the cause', async () => {
  const log = path.join(dir, 'attempts.log');
  const rdd = ctx
    .parallelize([1, 2, 3, 4], 2)
    .setName('numbers')
    .map(
      (x, env) => {
        if (x === 3) {
          (require('node:fs') as typeof fs).appendFileSync(env.log, 'attempt\n');
          class ParseError extends Error {
            override name = 'ParseError';
          }
          throw new ParseError(`bad record ${x}`);
        }
        return x;
      },
      { env: { log } },
    );
  const err = await rdd.collect().then(
    () => assert.fail('the job should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof KindlingError);
  assert.equal(err.code, 'TASK_FAILED');
  assert.match(err.message, /RDD \d+ .*partition 1/);
  assert.match(err.message, /bad record 3/);
  const cause = err.cause as Error;
  assert.equal(cause.name, 'ParseError');
  assert.equal(cause.message, 'bad record 3');
  assert.match(cause.stack ?? '', /ParseError: bad record 3/);
  assert.equal(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length, 3);
});

test('a worker that exits is replaced and its task retried', async () => {
  const marker = path.join(dir, 'exited-once');
  const got = await ctx
    .parallelize([1, 2, 3, 4, 5, 6], 3)
    .map(
      (x, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        if (x === 4 && !fs.existsSync(env.marker)) {
          fs.writeFileSync(env.marker, '');
          process.exit(7);
        }
        return x * 10;
      },
      { env: { marker } },
    )
    .collect();
  assert.deepEqual(got, [10, 20, 30, 40, 50, 60]);
  assert.ok(fs.existsSync(marker), 'the worker did exit once');
});

test('cancelAllJobs rejects running actions with JOB_CANCELLED and the context stays usable', async () => {
  const started = new Promise<void>((resolve) => ctx.on('jobStart', () => resolve()));
  const job = ctx
    .parallelize([1, 2], 2)
    .map((x) => {
      for (;;) if (x < 0) break;
      return x;
    })
    .collect();
  await started;
  ctx.cancelAllJobs();
  await assert.rejects(job, { code: 'JOB_CANCELLED' });
  assert.equal(await ctx.range(0, 100, 1, 4).count(), 100);
});

test('a result that cannot be cloned names what could not be cloned', async () => {
  await assert.rejects(
    ctx
      .parallelize([1], 1)
      .map((x) => () => x)
      .collect(),
    (e: unknown) =>
      e instanceof KindlingError &&
      e.code === 'RESULT_NOT_CLONEABLE' &&
      /could not be cloned/.test(e.message),
  );
});

test('a free variable is refused at the call that defines the function, naming it', () => {
  const factor = 3;
  assert.throws(
    () => ctx.parallelize([1]).map((x) => x * factor),
    (e: unknown) =>
      e instanceof KindlingError &&
      e.code === 'TASK_NOT_SERIALIZABLE' &&
      /'factor'/.test(e.message) &&
      /env/.test(e.message),
  );
});

test('bad arguments are INVALID_ARGUMENT naming the argument and the value', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new Context({ workers: 0 }), /options\.workers.*received 0/],
    [
      () => new Context({ checkpointCompression: 'zip' as 'lz4' }),
      /options\.checkpointCompression/,
    ],
    [() => ctx.parallelize(5 as unknown as number[]), /data/],
    [() => ctx.range(0, 10, 0), /step/],
    [() => ctx.parallelize([1]).sample(false, 2), /fraction.*received 2/],
    [() => ctx.parallelize([1]).coalesce(0), /numPartitions/],
    // A function in env travels as source now; a WeakMap still cannot be cloned.
    [() => ctx.parallelize([1]).map((x) => x, { env: { w: new WeakMap() } }), /opts\.env/],
    [() => ctx.parallelize([1]).map(42 as unknown as (x: number) => number), /function/],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: unknown) =>
        e instanceof KindlingError && e.code === 'INVALID_ARGUMENT' && message.test(e.message),
    );
  }
});

test('a stopped context refuses new work with CONTEXT_STOPPED', async () => {
  const other = new Context({ workers: 1, progress: false });
  const rdd = other.parallelize([1, 2, 3]);
  assert.equal(await rdd.count(), 3);
  await other.stop();
  await assert.rejects(rdd.count(), { code: 'CONTEXT_STOPPED' });
  assert.throws(() => other.parallelize([1]), { code: 'CONTEXT_STOPPED' });
});

test('stop() while an action is starting rejects it with CONTEXT_STOPPED: no job runs after stop', async () => {
  const other = new Context({ workers: 2, progress: false });
  let ran = 0;
  other.on('jobStart', () => ran++);
  // Not awaited: stop() is called while the action still prepares its job.
  const outcome = assert.rejects(other.parallelize([1, 2, 3, 4], 2).count(), {
    code: 'CONTEXT_STOPPED',
  });
  await other.stop();
  await outcome;
  assert.equal(ran, 0, 'no job started after stop()');
});

test('stop() cancels running jobs with JOB_CANCELLED, saying the Context was stopped', async () => {
  const other = new Context({ workers: 2, progress: false });
  await other.parallelize([1]).count();
  let started!: () => void;
  const jobStarted = new Promise<void>((resolve) => (started = resolve));
  other.on('stageSubmitted', () => started());
  const running = other
    .parallelize([1, 2, 3, 4], 2)
    .map((x) => {
      const until = Date.now() + 60_000;
      while (Date.now() < until);
      return x;
    })
    .count();
  const outcome = assert.rejects(running, (e: unknown) => {
    assert.ok(e instanceof KindlingError);
    assert.equal(e.code, 'JOB_CANCELLED');
    assert.match(e.message, /Job \d+ .*the Context was stopped/);
    return true;
  });
  await jobStarted;
  await other.stop();
  await outcome;
});

test('joins and cartesian refuse an RDD of another Context, running or stopped', async () => {
  const other = new Context({ workers: 1, progress: false });
  const mine = ctx.parallelize<[number, string]>([[1, 'a']], 2);
  const theirs = other.parallelize<[number, string]>([[1, 'x']], 2);
  const calls: [string, () => unknown][] = [
    ['join', () => mine.join(theirs)],
    ['leftOuterJoin', () => mine.leftOuterJoin(theirs)],
    ['rightOuterJoin', () => mine.rightOuterJoin(theirs)],
    ['fullOuterJoin', () => mine.fullOuterJoin(theirs)],
    ['cartesian', () => mine.cartesian(theirs)],
  ];
  const refused = (method: string) => (e: unknown) =>
    e instanceof KindlingError &&
    e.code === 'INVALID_ARGUMENT' &&
    e.message.includes(`rdd.${method} other: expected an RDD of this Context`);
  for (const [method, call] of calls) assert.throws(call, refused(method));
  await other.stop();
  for (const [method, call] of calls) assert.throws(call, refused(method));
});

test('lost shuffle output is recomputed from lineage', async () => {
  const localDir = path.join(dir, 'local');
  const other = new Context({ workers: 2, progress: false, localDir });
  try {
    const counted = other
      .parallelize(['a', 'b', 'a', 'c', 'b', 'a'], 3)
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b);
    assert.equal(await counted.count(), 3);
    const shuffleFiles = (fs.readdirSync(localDir, { recursive: true }) as string[]).filter((f) =>
      path.basename(f).startsWith('shuffle_'),
    );
    assert.ok(shuffleFiles.length > 0, 'map output was written under localDir');
    for (const f of shuffleFiles) fs.rmSync(path.join(localDir, f));
    assert.deepEqual(
      new Map(await counted.collect()),
      new Map([
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ]),
    );
  } finally {
    await other.stop();
  }
  assert.deepEqual(fs.readdirSync(localDir), [], 'stop() removes shuffle and cache files');
});

test('a record the engine refuses fails the job at once, naming the RDD and what was wrong', async () => {
  let attempts = 0;
  const onTask = (): void => {
    attempts++;
  };
  ctx.on('taskEnd', onTask);
  // The types refuse reduceByKey on numbers; plain JavaScript callers meet the runtime check.
  const notPairs = ctx.parallelize([1, 2, 3], 1) as unknown as RDD<[number, number]>;
  try {
    await assert.rejects(
      notPairs.reduceByKey((a, b) => a + b).collect(),
      (e: unknown) =>
        e instanceof KindlingError &&
        e.code === 'TASK_FAILED' &&
        /attempt 1: .*\[key, value\] pair/.test(e.message) &&
        (e.cause as KindlingError).code === 'INVALID_ARGUMENT',
    );
  } finally {
    ctx.off('taskEnd', onTask);
  }
  assert.equal(attempts, 1, 'not retried');
});
