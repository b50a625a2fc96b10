// Every public method of the streaming API (DStream with its pair methods, StreamingContext and
// its static getOrCreate, StateSpec, the clocks) refuses an argument past its documented ones
// with INVALID_ARGUMENT naming the method called and the position, as RDD and Context do
// (test/e2e/method-arity.test.ts): JavaScript would drop it (dstream.map(f, opts, 3),
// ssc.start(1)). One call each with one argument too many, for every method the arity tables
// check; the methods returning a Promise reject.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Context,
  HashPartitioner,
  ManualClock,
  StateSpec,
  StorageLevel,
  StreamingContext,
  SystemClock,
} from 'kindling';
import {
  DSTREAM_ARITY,
  MANUAL_CLOCK_ARITY,
  STATE_SPEC_ARITY,
  STATE_SPEC_STATIC_ARITY,
  STREAMING_CONTEXT_ARITY,
  STREAMING_CONTEXT_STATIC_ARITY,
  SYSTEM_CLOCK_ARITY,
} from '../../src/streaming/stream-arity.js';
import {
  action,
  assertCallsCover,
  assertEachRefusesOneMore,
  assertInternalUnpublished,
  sync,
  target,
  type Call,
} from '../e2e/arity-calls.js';
import { tempDir } from './helpers.js';

const ctx = new Context({ workers: 1, progress: false });
const root = tempDir('arity');
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const clock = new ManualClock();
const ssc = new StreamingContext(ctx, 1000, { clock });
const nums = ssc.queueStream([[1, 2]]);
const pairs = nums.map((n): [number, number] => [n, n]);
const add = (a: number, b: number): number => a + b;
const same = (x: unknown): unknown => x;
const listener = (): void => undefined;
const spec = StateSpec.function((_k: number, v: number | undefined) => v);
const mapped = pairs.mapWithState(spec);

const D = target('dstream', nums);
const P = target('dstream', pairs);
const M = target('dstream', mapped);
const S = target('ssc', ssc);
const STATIC = target('StreamingContext', StreamingContext);
const SPEC = target('StateSpec', spec);
const SPEC_STATIC = target('StateSpec', StateSpec);
const CLOCK = target('clock', clock);
const SYSTEM_CLOCK = target('clock', new SystemClock());

const CALLS: Call[] = [
  // ---- DStream
  sync(D, 'setName', 'nums'),
  sync(D, 'toString'),
  sync(D, 'map', same, {}),
  sync(D, 'filter', same, {}),
  sync(D, 'flatMap', (x: number) => [x], {}),
  sync(D, 'mapPartitions', same, { preservesPartitioning: true }),
  sync(D, 'transform', same),
  sync(D, 'transformWith', nums, same),
  sync(D, 'union', nums),
  sync(D, 'glom'),
  sync(D, 'repartition', 2),
  sync(D, 'reduce', add, {}),
  sync(D, 'countByValue', 2),
  sync(D, 'count'),
  sync(D, 'window', 2000, 1000),
  sync(D, 'reduceByWindow', add, add, 2000, 1000, {}),
  sync(D, 'countByWindow', 2000, 1000),
  sync(D, 'countByValueAndWindow', 2000, 1000, 2),
  sync(M, 'stateSnapshots'),
  sync(D, 'remember', 1000),
  sync(D, 'slice', 0, 1000),
  sync(D, 'persist', StorageLevel.MEMORY_AND_DISK),
  sync(D, 'cache'),
  sync(D, 'checkpoint', 1000),
  sync(D, 'foreachRDD', listener),
  sync(D, 'print', 1),
  sync(D, 'saveAsTextFiles', path.join(root, 'text'), 'txt'),
  sync(D, 'saveAsObjectFiles', path.join(root, 'objects'), 'obj'),
  // ---- pair methods
  sync(P, 'mapValues', same, {}),
  sync(P, 'flatMapValues', (v: number) => [v], {}),
  sync(P, 'groupByKey', 2),
  sync(P, 'reduceByKey', add, 2),
  sync(P, 'combineByKey', same, add, add, 2),
  sync(P, 'join', pairs, 2),
  sync(P, 'leftOuterJoin', pairs, 2),
  sync(P, 'rightOuterJoin', pairs, 2),
  sync(P, 'fullOuterJoin', pairs, 2),
  sync(P, 'cogroup', pairs, 2),
  sync(P, 'reduceByKeyAndWindow', add, add, 2000, 1000, {}),
  sync(P, 'groupByKeyAndWindow', 2000, 1000, 2),
  sync(P, 'updateStateByKey', (vs: number[]) => vs.length, {}),
  sync(P, 'mapWithState', spec),
  // ---- StreamingContext
  sync(S, 'checkpoint', path.join(root, 'checkpoint')),
  sync(S, 'getCheckpointDir'),
  sync(S, 'getState'),
  sync(S, 'queueStream', [[1]], true),
  sync(S, 'textFileStream', root),
  sync(S, 'fileStream', root, {}),
  sync(S, 'socketTextStream', 'localhost', 9),
  action(S, 'start'),
  action(S, 'awaitTermination', 1),
  action(S, 'awaitTerminationOrTimeout', 1),
  sync(S, 'remember', 1000),
  action(S, 'stop', { stopContext: false }),
  sync(S, 'on', 'error', listener),
  sync(S, 'off', 'error', listener),
  action(STATIC, 'getOrCreate', path.join(root, 'recovered'), () => ssc),
  // ---- StateSpec and the clocks
  sync(SPEC, 'timeout', 1000),
  sync(SPEC, 'initialState', ctx.parallelize<[number, number]>([[1, 1]])),
  sync(SPEC, 'numPartitions', 2),
  sync(SPEC, 'partitionBy', new HashPartitioner(2)),
  sync(SPEC_STATIC, 'function', same, {}),
  sync(CLOCK, 'now'),
  action(CLOCK, 'advance', 1000),
  action(CLOCK, 'setTime', 1000),
  sync(SYSTEM_CLOCK, 'now'),
];

const dts = (file: string): URL => new URL(`../../src/streaming/${file}`, import.meta.url);

test("the calls cover every method the tables check, and the tables' internal ones are no public API", () => {
  assertCallsCover(CALLS, [D, P, M], DSTREAM_ARITY);
  assertCallsCover(CALLS, [S], STREAMING_CONTEXT_ARITY);
  assertCallsCover(CALLS, [STATIC], STREAMING_CONTEXT_STATIC_ARITY);
  assertCallsCover(CALLS, [SPEC], STATE_SPEC_ARITY);
  assertCallsCover(CALLS, [SPEC_STATIC], STATE_SPEC_STATIC_ARITY);
  assertCallsCover(CALLS, [CLOCK], MANUAL_CLOCK_ARITY);
  assertCallsCover(CALLS, [SYSTEM_CLOCK], SYSTEM_CLOCK_ARITY);
  assertInternalUnpublished(dts('dstream.d.ts'), 'DStream', DSTREAM_ARITY);
  assertInternalUnpublished(
    dts('streaming-context.d.ts'),
    'StreamingContext',
    STREAMING_CONTEXT_ARITY,
  );
  assertInternalUnpublished(dts('clock.d.ts'), 'ManualClock', MANUAL_CLOCK_ARITY);
});

test('each refuses one argument past its documented ones, naming the method and the position', async () => {
  await assertEachRefusesOneMore(CALLS);
});

test('nothing ran for a refused call, and the documented arguments stay accepted', async () => {
  assert.equal(ssc.getState(), 'initialized', 'ssc.start("extra") did not start the stream');
  assert.equal(ssc.getCheckpointDir(), undefined, 'ssc.checkpoint(dir, "extra") set nothing');
  assert.equal(clock.now(), 0, 'clock.advance(1000, "extra") did not move the clock');
  assert.equal(fs.existsSync(path.join(root, 'recovered')), false);
  // An optional argument left undefined is no extra one.
  assert.equal(nums.window(2000, undefined).slideDurationMs, 1000);

  // mapWithState (its stream is made above) needs one.
  ssc.checkpoint(path.join(root, 'checkpoint'));
  const seen: number[][] = [];
  nums
    .map((n) => n * 10, undefined)
    .foreachRDD(async (rdd) => {
      seen.push(await rdd.collect());
    });
  await ssc.start();
  await clock.advance(1000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(seen, [[10, 20]]);
  assert.equal(ssc.getState(), 'stopped');
});

test('ssc.stop refuses option values that are not booleans, and stops nothing', async () => {
  const own = new Context({ workers: 1, progress: false });
  const s = new StreamingContext(own, 1000, { clock: new ManualClock(0) });
  await assert.rejects(
    s.stop({ stopContext: 'no' as unknown as boolean }),
    /Invalid argument ssc\.stop opts\.stopContext: expected a boolean, received "no"/,
  );
  await assert.rejects(
    s.stop({ graceful: 1 as unknown as boolean }),
    /ssc\.stop opts\.graceful: expected a boolean/,
  );
  assert.equal(s.getState(), 'initialized');
  assert.equal(await own.range(0, 3).count(), 3);
  await s.stop();
  assert.equal(s.getState(), 'stopped');
});

test('StateSpec.function refuses what is not a function where it is called', () => {
  assert.throws(
    () => StateSpec.function(42 as unknown as () => undefined),
    /Invalid argument StateSpec\.function mappingFunction: expected a function or fn\(module, exportName\), received 42/,
  );
});
