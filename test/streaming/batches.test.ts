// The batch loop: batch times, order, one batch at a time, listener events,
// start-time validation and the lifecycle (Spark's StreamingContext.validate, JobGenerator.restart, SPARK-14701).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Context,
  ManualClock,
  StreamingContext,
  isKindlingError,
  type BatchCompletedEvent,
} from 'kindling';
import { collectBatches, deferred, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

test('batches fall at start time + k * interval and advance() resolves once every due batch has finished', async () => {
  const clock = new ManualClock(2500);
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const got = collectBatches(ssc.queueStream([[1], [2, 3], [4]]).map((x) => x * 10));
  await ssc.start();
  await clock.advance(499);
  assert.deepEqual([...got.keys()], []);
  await clock.advance(1);
  assert.deepEqual([...got.entries()], [[3000, [10]]]);
  await clock.advance(2000);
  assert.deepEqual(
    [...got.entries()],
    [
      [3000, [10]],
      [4000, [20, 30]],
      [5000, [40]],
    ],
  );
  await clock.advance(1000);
  assert.deepEqual(got.get(6000), [], 'an exhausted queue gives empty batches');
  await ssc.stop({ stopContext: false });
});

test('batches run one at a time and in order: a slow batch delays the next', async () => {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(ctx, 100, { clock });
  const started: number[] = [];
  const entered = deferred();
  const release = deferred();
  ssc.on('batchStarted', (e) => started.push(e.batchTimeMs));
  ssc.queueStream([[1], [2], [3]]).foreachRDD(async (rdd, t) => {
    if (t === 100) {
      entered.resolve();
      await release.promise;
    }
    await rdd.count();
  });
  await ssc.start();
  const advanced = clock.advance(300);
  await entered.promise;
  assert.deepEqual(started, [100], 'the second batch waits for the first');
  release.resolve();
  await advanced;
  assert.deepEqual(started, [100, 200, 300]);
  await ssc.stop({ stopContext: false });
});

test('batchCompleted reports records and delays', async () => {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const events: BatchCompletedEvent[] = [];
  ssc.on('batchCompleted', (e) => events.push(e));
  ssc
    .queueStream([['a', 'b', 'c'], ['d']])
    .count()
    .foreachRDD(async (rdd) => void (await rdd.collect()));
  await ssc.start();
  await clock.advance(2000);
  assert.deepEqual(
    events.map((e) => [e.batchTimeMs, e.records, e.replayed]),
    [
      [1000, 3, false],
      [2000, 1, false],
    ],
  );
  assert.equal(events[0]?.schedulingDelayMs, 1000, 'batch 1000 started when the clock read 2000');
  for (const e of events) {
    assert.ok(e.processingDelayMs > 0);
    assert.equal(e.totalDelayMs, e.schedulingDelayMs + e.processingDelayMs);
  }
  await ssc.stop({ stopContext: false });
});

test('the system clock drives batches; awaitTermination times out, then resolves after stop', async () => {
  const ssc = new StreamingContext(ctx, 50);
  const first = deferred<number>();
  ssc.on('batchCompleted', (e) => first.resolve(e.batchTimeMs));
  ssc.queueStream([[1, 2]]).foreachRDD(async (rdd) => void (await rdd.count()));
  await ssc.start();
  const t = await first.promise;
  assert.equal(t % 50, 0, 'batch times are on the interval grid');
  assert.equal(await ssc.awaitTermination(10), false);
  await ssc.stop({ stopContext: false });
  assert.equal(await ssc.awaitTermination(), true);
  assert.equal(ssc.getState(), 'stopped');
});

test('start() refuses a graph without outputs, and a stateful stream without a checkpoint directory', async () => {
  const empty = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  empty.queueStream([[1]]).map((x) => x);
  await assert.rejects(
    empty.start(),
    (e) => isKindlingError(e, 'UNSUPPORTED_OPERATION') && /No output operations/.test(e.message),
  );
  assert.equal(empty.getState(), 'stopped');

  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const pairs = ssc.queueStream([[['a', 1] as [string, number]]]);
  pairs.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length).print();
  await assert.rejects(
    ssc.start(),
    (e) =>
      isKindlingError(e, 'CHECKPOINT_DIR_NOT_SET') &&
      /updateStateByKey#1/.test(e.message) &&
      /checkpoint\(dir\)/.test(e.message),
  );
});

test('a StreamingContext option or listener event that does not exist is refused, naming it', () => {
  assert.throws(
    // @ts-expect-error a typo in the options: the system clock would drive the batches
    () => new StreamingContext(ctx, 1000, { clok: new ManualClock() }),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'StreamingContext opts.clok',
  );
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  for (const [method, register] of [
    // @ts-expect-error no such event: the listener would never be called
    ['ssc.on', () => ssc.on('batchDone', () => undefined)],
    // @ts-expect-error no such event
    ['ssc.off', () => ssc.off('batchDone', () => undefined)],
  ] as const) {
    assert.throws(
      register,
      (e) =>
        isKindlingError(e, 'INVALID_ARGUMENT') &&
        e.context.argument === `${method} event` &&
        /batchStarted, batchCompleted, error/.test(e.message),
    );
  }
  assert.throws(
    // @ts-expect-error a listener is a function
    () => ssc.on('error', 'log'),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'ssc.on listener',
  );
});

test('one StreamingContext is active at a time, and the graph is fixed once started', async () => {
  const clock = new ManualClock();
  const a = new StreamingContext(ctx, 1000, { clock });
  const stream = a.queueStream([[1]]);
  stream.print();
  await a.start();
  assert.throws(
    () => stream.map((x) => x),
    (e) =>
      isKindlingError(e, 'UNSUPPORTED_OPERATION') &&
      /after the StreamingContext has started/.test(e.message),
  );
  const b = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  b.queueStream([[1]]).print();
  await assert.rejects(b.start(), /Only one StreamingContext/);
  await a.stop({ stopContext: false });
  await assert.rejects(a.start(), /already been stopped/);
});

test('a failed batch stops the stream: advance and awaitTermination reject with the error', async () => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const errors: unknown[] = [];
  ssc.on('error', (e) => errors.push(e));
  ssc.queueStream([[1], [2]]).foreachRDD((_rdd, t) => {
    if (t === 2000) throw new Error('sink down');
  });
  await ssc.start();
  await clock.advance(1000);
  await assert.rejects(
    clock.advance(2000),
    (e) => isKindlingError(e, 'STREAMING_BATCH_FAILED') && /2000 ms.*sink down/.test(e.message),
  );
  await assert.rejects(ssc.awaitTermination(), /sink down/);
  assert.equal(errors.length, 1);
  await ssc.stop({ stopContext: false });
});

test('a task failure inside a batch keeps its own error code', async () => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc
    .queueStream([[1, 2]])
    .map((x) => {
      if (x === 2) throw new Error('bad record');
      return x;
    })
    .print();
  await ssc.start();
  await assert.rejects(
    clock.advance(1000),
    (e) => isKindlingError(e, 'TASK_FAILED') && /bad record/.test(e.message),
  );
  await ssc.stop({ stopContext: false });
});

for (const graceful of [false, true]) {
  test(
    `stop({ graceful: ${graceful} }) awaited inside foreachRDD returns, and the stream stops after that batch`,
    { timeout: 30_000 },
    async () => {
      const clock = new ManualClock();
      const ssc = new StreamingContext(ctx, 1000, { clock });
      const ran: number[] = [];
      let returned = false;
      ssc.queueStream([[1], [2], [3]]).foreachRDD(async (_rdd, t) => {
        ran.push(t);
        if (t !== 2000) return;
        // The batch calling stop() is one the stop waits for: it must not wait for itself.
        await ssc.stop({ stopContext: false, graceful });
        returned = true;
      });
      await ssc.start();
      await clock.setTime(3000); // batches 1000, 2000 and 3000 are all due
      assert.equal(await ssc.awaitTermination(), true);
      assert.ok(returned, 'stop() returned inside the batch');
      assert.equal(ssc.getState(), 'stopped');
      // Graceful runs the batches already due; otherwise the running batch is the last.
      assert.deepEqual(ran, graceful ? [1000, 2000, 3000] : [1000, 2000]);
    },
  );
}

test('a graceful stop checkpoints the latest state, so a restart has nothing to replay', async () => {
  const dir = tempDir('graceful');
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc.checkpoint(path.join(dir, 'cp'));
  const state = ssc
    .queueStream([[['a', 1] as [string, number]], [['a', 2] as [string, number]]])
    .updateStateByKey(
      (vs: number[], s: number | undefined) => (s ?? 0) + vs.reduce((x, y) => x + y, 0),
    );
  state.print();
  await ssc.start();
  await clock.advance(2000);
  await ssc.stop({ stopContext: false, graceful: true });
  const files = fs.readdirSync(path.join(dir, 'cp')).filter((f) => f.startsWith('checkpoint-'));
  assert.ok(files.includes('checkpoint-2000'));
  const text = fs.readFileSync(path.join(dir, 'cp', 'checkpoint-2000'), 'utf8');
  const data = JSON.parse(text.slice(text.indexOf('\n') + 1)) as {
    state: { timeMs: number }[];
    pendingMs: number[];
  };
  assert.deepEqual(
    data.state.map((s) => s.timeMs),
    [2000],
    'the state of the last batch is checkpointed',
  );
  assert.deepEqual(data.pendingMs, []);
  fs.rmSync(dir, { recursive: true, force: true });
});
