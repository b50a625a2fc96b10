// The windowed operators added for Spark parity (reduceByWindow with and without
// an inverse, countByWindow, countByValueAndWindow, groupByKeyAndWindow) against
// a plain computation of every window, across window boundaries, empty batches
// and windows that drain; slice() and remember(); durations that are not
// multiples of the slide refused naming the argument.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Context, ManualClock, StreamingContext, isKindlingError } from 'kindling';
import { collectBatches, sortRecords, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
const dirs: string[] = [];
after(async () => {
  await ctx.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// Eight batches, then three more with nothing (the queue is drained): windows fill and drain.
const NUMS = [[1, 2], [3], [], [4, 5, 6], [], [], [7], [8, 9]];
const BATCHES = 11;

function started(): { ssc: StreamingContext; clock: ManualClock } {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const dir = tempDir('windows');
  dirs.push(dir);
  ssc.checkpoint(path.join(dir, 'cp'));
  return { ssc, clock };
}

/** The records of the batches in (t - windowMs, t]. */
function windowAt(t: number, windowMs: number): number[] {
  return NUMS.flatMap((batch, i) =>
    (i + 1) * 1000 > t - windowMs && (i + 1) * 1000 <= t ? batch : [],
  );
}

function counted<T>(xs: T[]): [T, number][] {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return sortRecords([...m]);
}

/** Batch times of a stream sliding every `slideMs`, up to the last batch. */
function times(slideMs: number): number[] {
  return Array.from(
    { length: Math.floor((BATCHES * 1000) / slideMs) },
    (_, i) => (i + 1) * slideMs,
  );
}

test('reduceByWindow without an inverse reduces each window, and gives no record for an empty one', async () => {
  const { ssc, clock } = started();
  const nums = ssc.queueStream(NUMS.map((b) => [...b]));
  const sums = collectBatches(nums.reduceByWindow((a, b) => a + b, undefined, 3000));
  const slid = collectBatches(
    nums.reduceByWindow((a, b, env) => Math.max(a, b) + env.zero, undefined, 4000, 2000, {
      env: { zero: 0 },
    }),
  );
  await ssc.start();
  await clock.advance(BATCHES * 1000);
  await ssc.stop({ stopContext: false });
  for (const t of times(1000)) {
    const w = windowAt(t, 3000);
    assert.deepEqual(sums.get(t), w.length === 0 ? [] : [w.reduce((a, b) => a + b)], `at ${t}`);
  }
  assert.deepEqual([...slid.keys()], times(2000), 'a 2 s slide gives every other batch');
  for (const t of times(2000)) {
    const w = windowAt(t, 4000);
    assert.deepEqual(slid.get(t), w.length === 0 ? [] : [Math.max(...w)], `max at ${t}`);
  }
});

test('reduceByWindow with an inverse keeps its value incrementally, as Spark: none before the first record, then the window’s', async () => {
  const { ssc, clock } = started();
  const nums = ssc.queueStream([[], ...NUMS].map((b) => [...b]));
  const sums = collectBatches(
    nums.reduceByWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      3000,
    ),
  );
  const slid = collectBatches(
    nums.reduceByWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      4000,
      2000,
    ),
  );
  await ssc.start();
  await clock.advance((BATCHES + 1) * 1000);
  await ssc.stop({ stopContext: false });
  // Shifted by the leading empty batch: batch i of NUMS is at (i + 2) s.
  const inWindow = (t: number, w: number): number[] => windowAt(t - 1000, w);
  for (const t of times(1000).concat((BATCHES + 1) * 1000)) {
    const expected = t < 2000 ? [] : [inWindow(t, 3000).reduce((a, b) => a + b, 0)];
    assert.deepEqual(sums.get(t), expected, `at ${t}`);
  }
  for (const t of [2000, 4000, 6000, 8000, 10000, 12000]) {
    const expected = t < 2000 ? [] : [inWindow(t, 4000).reduce((a, b) => a + b, 0)];
    assert.deepEqual(slid.get(t), expected, `slid at ${t}`);
  }
});

test('countByWindow gives one record per window, 0 when empty; countByValueAndWindow drops values whose count fell to 0', async () => {
  const { ssc, clock } = started();
  const nums = ssc.queueStream(NUMS.map((b) => [...b]));
  const counts = collectBatches(nums.countByWindow(3000));
  const slidCounts = collectBatches(nums.countByWindow(4000, 2000));
  const byValue = collectBatches(nums.map((n) => `r${n % 3}`).countByValueAndWindow(3000));
  const parts = new Map<number, number>();
  const slidByValue = nums.map((n) => n % 2 === 0).countByValueAndWindow(4000, 2000, 3);
  slidByValue.foreachRDD((rdd, t) => void parts.set(t, rdd.getNumPartitions()));
  const slid = collectBatches(slidByValue);
  await ssc.start();
  await clock.advance(BATCHES * 1000);
  await ssc.stop({ stopContext: false });
  for (const t of times(1000)) {
    const w = windowAt(t, 3000);
    assert.deepEqual(counts.get(t), [w.length], `countByWindow at ${t}`);
    assert.deepEqual(byValue.get(t), counted(w.map((n) => `r${n % 3}`)), `by value at ${t}`);
  }
  for (const t of times(2000)) {
    const w = windowAt(t, 4000);
    assert.deepEqual(slidCounts.get(t), [w.length], `countByWindow(4000, 2000) at ${t}`);
    assert.deepEqual(slid.get(t), counted(w.map((n) => n % 2 === 0)), `slid by value at ${t}`);
    assert.equal(parts.get(t), 3);
  }
});

test('groupByKeyAndWindow groups every value of a key in the window; filterFunc applies to the first window too', async () => {
  const { ssc, clock } = started();
  const nums = ssc.queueStream(NUMS.map((b) => [...b]));
  const pairs = nums.map((n): [string, number] => [n % 2 === 0 ? 'even' : 'odd', n]);
  const groups = collectBatches(
    pairs.groupByKeyAndWindow(3000, 2000, 2).mapValues((vs) => [...vs].sort((a, b) => a - b)),
  );
  // Spark's filterFunc decides which pairs the window keeps (meant for expired, zero-count
  // keys): here one key is never kept, and it never appears, the first window included.
  const oddOnly = collectBatches(
    pairs
      .mapValues(() => 1)
      .reduceByKeyAndWindow(
        (a, b) => a + b,
        (a, b) => a - b,
        2000,
        1000,
        { filterFunc: ([k, n]) => k === 'odd' && n > 0 },
      ),
  );
  await ssc.start();
  await clock.advance(BATCHES * 1000);
  await ssc.stop({ stopContext: false });
  const parity = (n: number): string => (n % 2 === 0 ? 'even' : 'odd');
  for (const t of times(2000)) {
    const w = windowAt(t, 3000);
    const expected = ['even', 'odd']
      .map((k): [string, number[]] => [k, w.filter((n) => parity(n) === k).sort((a, b) => a - b)])
      .filter(([, vs]) => vs.length > 0);
    assert.deepEqual(groups.get(t), expected, `groupByKeyAndWindow at ${t}`);
  }
  for (const t of times(1000)) {
    const expected = counted(windowAt(t, 2000).map(parity)).filter(([k]) => k === 'odd');
    assert.deepEqual(oddOnly.get(t), expected, `filtered window at ${t}`);
  }
});

test('slice returns the remembered RDDs of a time range, aligned to the slide; a forgotten time is refused', async () => {
  const { ssc, clock } = started();
  const nums = ssc.queueStream(NUMS.map((b) => [...b]));
  const doubled = nums.map((n) => n * 2);
  const windowed = nums.window(2000, 2000);
  const recent = nums.map((n) => n + 100);
  const unused = nums.map((n) => -n);
  assert.throws(
    () => doubled.slice(1000, 2000),
    (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION') && /not been initialized/.test(e.message),
  );
  ssc.remember(5000);
  recent.remember(8000);
  // Inside a batch: the last three batches, this one included.
  const lastThree = new Map<number, number[]>();
  doubled.foreachRDD(async (_rdd, t) => {
    const rdds = doubled.slice(t - 2000, t);
    const records = await Promise.all(rdds.map((r) => r.collect()));
    lastThree.set(
      t,
      records.flat().sort((a, b) => a - b),
    );
  });
  windowed.foreachRDD(() => undefined);
  recent.foreachRDD(() => undefined);
  await ssc.start();
  await clock.advance(8000);
  assert.throws(
    () => nums.remember(1000),
    (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION'),
  );
  assert.throws(
    () => ssc.remember(1000),
    (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION'),
  );
  const collectAll = async (rdds: { collect(): Promise<number[]> }[]): Promise<number[][]> =>
    Promise.all(rdds.map((r) => r.collect()));

  // remember(5000) after batch 8000: times after 3000 are kept.
  const mid = await collectAll(doubled.slice(4500, 6999));
  assert.deepEqual(
    mid,
    NUMS.slice(3, 6).map((b) => b.map((n) => n * 2)),
    'times 4000 to 6000: from and to aligned down to the slide',
  );
  const future = await collectAll(doubled.slice(7000, 20000));
  assert.deepEqual(
    future,
    [NUMS[6], NUMS[7]].map((b) => (b ?? []).map((n) => n * 2)),
  );
  const windows = await collectAll(windowed.slice(4000, 8000));
  assert.deepEqual(
    windows.map((w) => w.sort((a, b) => a - b)),
    [4000, 6000, 8000].map((t) => windowAt(t, 2000)),
    'a window sliding every 2 s gives the windows of its own times',
  );
  const longer = await collectAll(recent.slice(1000, 8000));
  assert.deepEqual(longer.length, 8, 'remember(8000) on the stream keeps every batch');
  for (let t = 1000; t <= 8000; t += 1000) {
    assert.deepEqual(
      lastThree.get(t),
      windowAt(t, 3000)
        .map((n) => n * 2)
        .sort((a, b) => a - b),
    );
  }
  assert.throws(
    () => doubled.slice(2000, 8000),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.slice fromMs' &&
      /remember/.test(e.message),
  );
  assert.throws(
    () => unused.slice(1000, 8000),
    (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION') && /output operation/.test(e.message),
  );
  assert.throws(
    () => doubled.slice(5000, 4000),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'dstream.slice toMs',
  );
  assert.throws(
    () => doubled.slice(Number.NaN, 4000),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'dstream.slice fromMs',
  );
  await ssc.stop({ stopContext: false });
});

test('window and slide durations that are not multiples of the batch are refused naming the argument', () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const nums = ssc.queueStream([[1]]);
  const pairs = nums.map((n): [number, number] => [n, n]);
  const cases: [() => unknown, string][] = [
    [
      () => nums.reduceByWindow((a, b) => a + b, undefined, 1500),
      'dstream.reduceByWindow windowMs',
    ],
    [
      () =>
        nums.reduceByWindow(
          (a, b) => a + b,
          (a, b) => a - b,
          3000,
          500,
        ),
      'dstream.reduceByWindow slideMs',
    ],
    [() => nums.countByWindow(2500), 'dstream.countByWindow windowMs'],
    [() => nums.countByWindow(3000, 0), 'dstream.countByWindow slideMs'],
    [() => nums.countByValueAndWindow(0), 'dstream.countByValueAndWindow windowMs'],
    [() => nums.countByValueAndWindow(4000, 1999), 'dstream.countByValueAndWindow slideMs'],
    [() => pairs.groupByKeyAndWindow(3000.5), 'dstream.groupByKeyAndWindow windowMs'],
    // @ts-expect-error a duration is a number of milliseconds
    [() => pairs.groupByKeyAndWindow('3s'), 'dstream.groupByKeyAndWindow windowMs'],
    [
      () => pairs.reduceByKeyAndWindow((a, b) => a + b, undefined, 2500),
      'dstream.reduceByKeyAndWindow windowMs',
    ],
    [() => nums.window(4000, 2000).countByWindow(3000), 'dstream.countByWindow windowMs'],
    [() => nums.window(4000, 1500), 'dstream.window slideMs'],
    [() => ssc.remember(0), 'ssc.remember durationMs'],
    [() => nums.remember(-5), 'dstream.remember durationMs'],
  ];
  for (const [call, argument] of cases) {
    assert.throws(
      call,
      (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === argument,
      `${call.toString()} names ${argument}`,
    );
  }
  assert.throws(
    () => nums.window(4000, 2000).countByWindow(3000),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /slide 2000 ms/.test(e.message),
  );
  assert.throws(
    () =>
      pairs.reduceByKeyAndWindow((a, b) => a + b, undefined, 2000, 1000, {
        filterFunc: ([, n]) => n > 0,
      }),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /filterFunc/.test(e.message),
  );
  assert.throws(
    // @ts-expect-error a typo in an options object
    () => nums.countByValueAndWindow(2000, 1000, { numPartiton: 2 }),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /numPartiton/.test(e.message),
  );
});

test('incremental windows need a checkpoint directory, as every stateful stream', async () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  ssc
    .queueStream([[1]])
    .countByWindow(2000)
    .setName('windowCount')
    .print();
  await assert.rejects(
    ssc.start(),
    (e) => isKindlingError(e, 'CHECKPOINT_DIR_NOT_SET') && /windowCount/.test(e.message),
  );
});

test('an s3:// streaming checkpoint directory is refused, not made into a local folder named s3:', async () => {
  const cwd = tempDir('s3-cwd');
  dirs.push(cwd);
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
    assert.throws(
      () => ssc.checkpoint('s3://bucket/cp'),
      (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION') && /s3:\/\/bucket\/cp/.test(e.message),
    );
    await assert.rejects(
      StreamingContext.getOrCreate('s3://bucket/cp', () => ssc),
      (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION') && /checkpointDir/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(cwd), []);
  } finally {
    process.chdir(before);
  }
});
