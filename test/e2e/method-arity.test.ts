// Every public method of RDD (pair and numeric methods included) and Context refuses an argument
// past its documented ones with INVALID_ARGUMENT naming the method and the position: JavaScript
// would drop it (rdd.take(3, 4), rdd.map(f, env, 3)). One call each with one argument too many,
// for every method the arity tables check (arity-calls.ts); actions reject rather than throw,
// as for any other bad argument of theirs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Context,
  HashPartitioner,
  KindlingError,
  ManualClock,
  Partitioner,
  RangePartitioner,
  StorageLevel,
  StreamingContext,
  SystemClock,
} from 'kindling';
import { CONTEXT_ARITY, RDD_ARITY } from '../../src/method-arity.js';
import {
  action,
  assertCallsCover,
  assertEachRefusesOneMore,
  assertInternalUnpublished,
  sync,
  target,
  type Call,
} from './arity-calls.js';

const ctx = new Context({ workers: 2, progress: false });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-arity-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});
const textFile = path.join(root, 'lines.txt');
fs.writeFileSync(textFile, 'a\nb\n');

const nums = ctx.parallelize([1, 2, 3, 4], 2);
const PAIRS: [string, number][] = [
  ['a', 1],
  ['b', 2],
];
const pairs = ctx.parallelize(PAIRS, 2);
const add = (a: number, b: number): number => a + b;
const same = (x: unknown): unknown => x;
const cmp = (a: number, b: number): number => a - b;
const listener = (): void => undefined;

const C = target('ctx', ctx);
const N = target('rdd', nums);
const P = target('rdd', pairs);

const CALLS: Call[] = [
  // ---- Context
  sync(C, 'parallelize', [1, 2], 1),
  sync(C, 'range', 0, 4, 1, 2),
  sync(C, 'textFile', textFile, 1),
  sync(C, 'objectFile', root),
  sync(C, 'wholeTextFiles', textFile, 1),
  sync(C, 'binaryFiles', textFile, 1),
  sync(C, 'binaryRecords', textFile, 1, 1),
  sync(C, 'emptyRDD'),
  sync(C, 'union', [nums]),
  sync(C, 'setCheckpointDir', root),
  sync(C, 'getCheckpointDir'),
  sync(C, 'checkpointFile', root),
  sync(C, 'broadcast', 1),
  sync(C, 'longAccumulator', 'n'),
  sync(C, 'accumulator', 0, add, add, 'n'),
  sync(C, 'doubleAccumulator', 'n'),
  sync(C, 'on', 'jobEnd', listener),
  sync(C, 'off', 'jobEnd', listener),
  sync(C, 'cancelAllJobs'),
  sync(C, 'setLocalProperty', 'k', 'v'),
  sync(C, 'getLocalProperty', 'k'),
  sync(C, 'setJobGroup', 'g', 'description'),
  sync(C, 'clearJobGroup'),
  sync(C, 'cancelJobGroup', 'g'),
  action(C, 'uiWebUrl'),
  action(C, 'stop'),
  // ---- RDD: handles, narrow transformations
  sync(N, 'getNumPartitions'),
  sync(N, 'setName', 'n'),
  sync(N, 'dependencies'),
  sync(N, 'toDebugString'),
  sync(N, 'toString'),
  sync(N, 'map', same, {}),
  sync(N, 'filter', same, {}),
  sync(N, 'flatMap', (x: number) => [x], {}),
  sync(N, 'mapPartitions', same, { preservesPartitioning: true }),
  sync(N, 'mapPartitionsWithIndex', (_i: number, it: unknown) => it, {}),
  sync(N, 'keyBy', same, {}),
  sync(N, 'glom'),
  sync(N, 'zipWithIndex'),
  sync(N, 'zipWithUniqueId'),
  sync(N, 'sample', false, 0.5, 1),
  sync(N, 'union', nums),
  sync(N, 'coalesce', 1, false),
  sync(N, 'repartition', 2),
  sync(N, 'cartesian', nums),
  sync(N, 'distinct', 2),
  sync(N, 'groupBy', same, 2),
  sync(N, 'intersection', nums, 2),
  sync(N, 'subtract', nums, 2),
  sync(N, 'randomSplit', [1, 1], 1),
  sync(N, 'pipe', 'cat'),
  sync(N, 'zip', nums),
  sync(N, 'zipPartitions', nums, nums, same, {}),
  sync(N, 'sortBy', same, true, 2),
  // ---- pair transformations
  sync(P, 'mapValues', same, {}),
  sync(P, 'flatMapValues', (v: number) => [v], {}),
  sync(P, 'keys'),
  sync(P, 'values'),
  sync(P, 'reduceByKey', add, 2),
  sync(P, 'groupByKey', 2),
  sync(P, 'combineByKey', same, add, add, 2),
  sync(P, 'aggregateByKey', 0, add, add, 2),
  sync(P, 'foldByKey', 0, add, 2),
  sync(P, 'join', pairs, 2),
  sync(P, 'leftOuterJoin', pairs, 2),
  sync(P, 'rightOuterJoin', pairs, 2),
  sync(P, 'fullOuterJoin', pairs, 2),
  sync(P, 'cogroup', pairs, pairs, pairs, 2),
  sync(P, 'subtractByKey', pairs, 2),
  sync(P, 'sortByKey', true, 2),
  sync(P, 'partitionBy', 2),
  sync(P, 'repartitionAndSortWithinPartitions', new HashPartitioner(2)),
  sync(P, 'sampleByKey', false, { a: 0.5, b: 0.5 }, 1),
  sync(P, 'filterByRange', 'a', 'b'),
  // ---- persistence and checkpoints
  sync(N, 'persist', StorageLevel.MEMORY_ONLY),
  sync(N, 'cache'),
  sync(N, 'unpersist'),
  sync(N, 'getStorageLevel'),
  sync(N, 'checkpoint'),
  sync(N, 'localCheckpoint'),
  sync(N, 'isCheckpointed'),
  sync(N, 'isLocallyCheckpointed'),
  sync(N, 'getCheckpointFile'),
  // ---- actions
  action(N, 'collect'),
  action(N, 'count'),
  action(N, 'first'),
  action(N, 'take', 1),
  action(N, 'takeOrdered', 1, cmp, {}),
  action(N, 'top', 1, cmp, {}),
  action(N, 'max', cmp, {}),
  action(N, 'min', cmp, {}),
  action(N, 'reduce', add, {}),
  action(N, 'fold', 0, add, {}),
  action(N, 'aggregate', 0, add, add, {}),
  action(N, 'treeAggregate', 0, add, add, 2),
  action(N, 'treeReduce', add, 2),
  action(N, 'countByValue'),
  action(N, 'foreach', listener, {}),
  action(N, 'foreachPartition', listener, {}),
  action(N, 'saveAsTextFile', path.join(root, 'text-out'), {}),
  action(N, 'saveAsObjectFile', path.join(root, 'object-out')),
  action(N, 'isEmpty'),
  action(N, 'takeSample', false, 1, 1),
  action(N, 'countApprox', 1000, 0.9),
  action(N, 'sumApprox', 1000, 0.9),
  action(N, 'meanApprox', 1000, 0.9),
  action(N, 'countApproxDistinct', 0.05),
  sync(N, 'toLocalIterator'),
  action(N, 'sum'),
  action(N, 'stats'),
  action(N, 'mean'),
  action(N, 'variance'),
  action(N, 'sampleVariance'),
  action(N, 'stdev'),
  action(N, 'sampleStdev'),
  action(N, 'histogram', [0, 2, 4], true),
  action(P, 'countByKey'),
  action(P, 'lookup', 'a'),
  action(P, 'collectAsMap'),
  action(P, 'reduceByKeyLocally', add, {}),
];

test("the calls cover every method the tables check, and the tables' internal ones are no public API", () => {
  assertCallsCover(CALLS, [C], CONTEXT_ARITY);
  assertCallsCover(CALLS, [N, P], RDD_ARITY);
  assertInternalUnpublished(
    new URL('../../src/context.d.ts', import.meta.url),
    'Context',
    CONTEXT_ARITY,
  );
  assertInternalUnpublished(new URL('../../src/rdd/rdd.d.ts', import.meta.url), 'RDD', RDD_ARITY);
});

test('each refuses one argument past its documented ones, naming the method and the position', async () => {
  await assertEachRefusesOneMore(CALLS);
});

test('the documented arguments stay accepted, and nothing ran for a refused call', async () => {
  assert.equal(ctx.isStopped, false, 'ctx.stop("extra") did not stop the context');
  assert.equal(
    nums.getStorageLevel(),
    StorageLevel.NONE,
    'rdd.persist(level, "extra") did nothing',
  );
  assert.equal(fs.existsSync(path.join(root, 'text-out')), false);
  assert.deepEqual(await pairs.reduceByKey(add, 2).collectAsMap(), new Map(PAIRS));
  // An optional argument left undefined is no extra one.
  assert.equal(pairs.reduceByKey(add, undefined).getNumPartitions(), 2);
  assert.deepEqual(await nums.take(2), [1, 2]);
  // groupWith takes any number of RDDs.
  assert.equal((await pairs.groupWith(pairs, pairs, pairs, pairs).collect()).length, 2);
});

test('public constructors refuse an argument past their own too, naming the class', () => {
  const refused = (make: () => unknown, where: string, most: number): void =>
    assert.throws(make, (e: unknown) => {
      assert.ok(e instanceof KindlingError, String(e));
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.ok(e.message.includes(`${where} argument ${most + 1}`), e.message);
      return true;
    });
  const bad = [1, 2, 3, 4] as unknown[];
  const construct = (C: unknown, n: number): unknown =>
    Reflect.construct(C as new (...a: unknown[]) => unknown, bad.slice(0, n));
  refused(() => construct(Context, 2), 'new Context', 1);
  refused(() => construct(HashPartitioner, 2), 'new HashPartitioner', 1);
  refused(() => construct(RangePartitioner, 4), 'new RangePartitioner', 3);
  refused(() => construct(Partitioner, 4), 'new Partitioner', 3);
  refused(() => construct(StreamingContext, 4), 'new StreamingContext', 3);
  refused(() => construct(ManualClock, 2), 'new ManualClock', 1);
  refused(() => construct(SystemClock, 1), 'new SystemClock', 0);
  // Their own arguments stay accepted.
  assert.equal(new HashPartitioner(3).numPartitions, 3);
  assert.equal(new ManualClock(5).now(), 5);
});
