// Every public method of RDD (pair and numeric methods included) and Context refuses an argument
// past its documented ones with INVALID_ARGUMENT naming the method and the position: JavaScript
// would drop it (rdd.take(3, 4), rdd.map(f, env, 3)). One table, one call each with one argument
// too many; actions reject rather than throw, as for any other bad argument of theirs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, HashPartitioner, KindlingError, RDD, StorageLevel } from 'kindling';

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

interface Call {
  on: Context | RDD<unknown>;
  method: string;
  /** The documented arguments, all of them: the call adds one more. */
  args: unknown[];
  /** Actions return a Promise, which rejects. */
  rejects: boolean;
}
const sync = (on: Call['on'], method: string, ...args: unknown[]): Call => ({
  on,
  method,
  args,
  rejects: false,
});
const action = (on: Call['on'], method: string, ...args: unknown[]): Call => ({
  on,
  method,
  args,
  rejects: true,
});

const CALLS: Call[] = [
  // ---- Context
  sync(ctx, 'parallelize', [1, 2], 1),
  sync(ctx, 'range', 0, 4, 1, 2),
  sync(ctx, 'textFile', textFile, 1),
  sync(ctx, 'objectFile', root),
  sync(ctx, 'wholeTextFiles', textFile, 1),
  sync(ctx, 'binaryFiles', textFile, 1),
  sync(ctx, 'binaryRecords', textFile, 1, 1),
  sync(ctx, 'emptyRDD'),
  sync(ctx, 'union', [nums]),
  sync(ctx, 'setCheckpointDir', root),
  sync(ctx, 'getCheckpointDir'),
  sync(ctx, 'checkpointFile', root),
  sync(ctx, 'broadcast', 1),
  sync(ctx, 'longAccumulator', 'n'),
  sync(ctx, 'accumulator', 0, add, add, 'n'),
  sync(ctx, 'doubleAccumulator', 'n'),
  sync(ctx, 'on', 'jobEnd', listener),
  sync(ctx, 'off', 'jobEnd', listener),
  sync(ctx, 'cancelAllJobs'),
  sync(ctx, 'setLocalProperty', 'k', 'v'),
  sync(ctx, 'getLocalProperty', 'k'),
  sync(ctx, 'setJobGroup', 'g', 'description'),
  sync(ctx, 'clearJobGroup'),
  sync(ctx, 'cancelJobGroup', 'g'),
  action(ctx, 'uiWebUrl'),
  action(ctx, 'stop'),
  // ---- RDD: handles, narrow transformations
  sync(nums, 'getNumPartitions'),
  sync(nums, 'setName', 'n'),
  sync(nums, 'dependencies'),
  sync(nums, 'toDebugString'),
  sync(nums, 'toString'),
  sync(nums, 'map', same, {}),
  sync(nums, 'filter', same, {}),
  sync(nums, 'flatMap', (x: number) => [x], {}),
  sync(nums, 'mapPartitions', same, { preservesPartitioning: true }),
  sync(nums, 'mapPartitionsWithIndex', (_i: number, it: unknown) => it, {}),
  sync(nums, 'keyBy', same, {}),
  sync(nums, 'glom'),
  sync(nums, 'zipWithIndex'),
  sync(nums, 'zipWithUniqueId'),
  sync(nums, 'sample', false, 0.5, 1),
  sync(nums, 'union', nums),
  sync(nums, 'coalesce', 1, false),
  sync(nums, 'repartition', 2),
  sync(nums, 'cartesian', nums),
  sync(nums, 'distinct', 2),
  sync(nums, 'groupBy', same, 2),
  sync(nums, 'intersection', nums, 2),
  sync(nums, 'subtract', nums, 2),
  sync(nums, 'randomSplit', [1, 1], 1),
  sync(nums, 'pipe', 'cat'),
  sync(nums, 'zip', nums),
  sync(nums, 'zipPartitions', nums, nums, same, {}),
  sync(nums, 'sortBy', same, true, 2),
  // ---- pair transformations
  sync(pairs, 'mapValues', same, {}),
  sync(pairs, 'flatMapValues', (v: number) => [v], {}),
  sync(pairs, 'keys'),
  sync(pairs, 'values'),
  sync(pairs, 'reduceByKey', add, 2),
  sync(pairs, 'groupByKey', 2),
  sync(pairs, 'combineByKey', same, add, add, 2),
  sync(pairs, 'aggregateByKey', 0, add, add, 2),
  sync(pairs, 'foldByKey', 0, add, 2),
  sync(pairs, 'join', pairs, 2),
  sync(pairs, 'leftOuterJoin', pairs, 2),
  sync(pairs, 'rightOuterJoin', pairs, 2),
  sync(pairs, 'fullOuterJoin', pairs, 2),
  sync(pairs, 'cogroup', pairs, pairs, pairs, 2),
  sync(pairs, 'subtractByKey', pairs, 2),
  sync(pairs, 'sortByKey', true, 2),
  sync(pairs, 'partitionBy', 2),
  sync(pairs, 'repartitionAndSortWithinPartitions', new HashPartitioner(2)),
  sync(pairs, 'sampleByKey', false, { a: 0.5, b: 0.5 }, 1),
  sync(pairs, 'filterByRange', 'a', 'b'),
  // ---- persistence and checkpoints
  sync(nums, 'persist', StorageLevel.MEMORY_ONLY),
  sync(nums, 'cache'),
  sync(nums, 'unpersist'),
  sync(nums, 'getStorageLevel'),
  sync(nums, 'checkpoint'),
  sync(nums, 'localCheckpoint'),
  sync(nums, 'isCheckpointed'),
  sync(nums, 'isLocallyCheckpointed'),
  sync(nums, 'getCheckpointFile'),
  // ---- actions
  action(nums, 'collect'),
  action(nums, 'count'),
  action(nums, 'first'),
  action(nums, 'take', 1),
  action(nums, 'takeOrdered', 1, cmp, {}),
  action(nums, 'top', 1, cmp, {}),
  action(nums, 'max', cmp, {}),
  action(nums, 'min', cmp, {}),
  action(nums, 'reduce', add, {}),
  action(nums, 'fold', 0, add, {}),
  action(nums, 'aggregate', 0, add, add, {}),
  action(nums, 'treeAggregate', 0, add, add, 2),
  action(nums, 'treeReduce', add, 2),
  action(nums, 'countByValue'),
  action(nums, 'foreach', listener, {}),
  action(nums, 'foreachPartition', listener, {}),
  action(nums, 'saveAsTextFile', path.join(root, 'text-out'), {}),
  action(nums, 'saveAsObjectFile', path.join(root, 'object-out')),
  action(nums, 'isEmpty'),
  action(nums, 'takeSample', false, 1, 1),
  action(nums, 'countApprox', 1000, 0.9),
  action(nums, 'sumApprox', 1000, 0.9),
  action(nums, 'meanApprox', 1000, 0.9),
  action(nums, 'countApproxDistinct', 0.05),
  sync(nums, 'toLocalIterator'),
  action(nums, 'sum'),
  action(nums, 'stats'),
  action(nums, 'mean'),
  action(nums, 'variance'),
  action(nums, 'sampleVariance'),
  action(nums, 'stdev'),
  action(nums, 'sampleStdev'),
  action(nums, 'histogram', [0, 2, 4], true),
  action(pairs, 'countByKey'),
  action(pairs, 'lookup', 'a'),
  action(pairs, 'collectAsMap'),
  action(pairs, 'reduceByKeyLocally', add, {}),
];

/** groupWith takes any number of other RDDs, as Spark's. */
const UNBOUNDED = new Set(['groupWith']);

/** On the prototypes, but no public API: @internal engine calls and private methods. */
const NOT_PUBLIC = new Set([
  'derive',
  'isRDD',
  'getDependenciesForScheduling',
  'runInJobGroup',
  'newRddId',
  'peekRddId',
  'newShuffleId',
  'registerShuffleOwner',
  'markPersisted',
  'unpersist@ctx',
  'markForCheckpoint',
  'markForLocalCheckpoint',
  'sampleRangeBounds',
  'runJob',
  'runJobInternal',
  'probeStorage',
  'getScheduler',
  'handleSideOutputs',
  'schedulerListener',
  'emit',
  'recordStreamingBatch',
  'addEventSink',
  'startUi',
  'publish',
  'publishLine',
  'assertActive',
  'newAccumulator',
]);

function methodsOf(proto: object): string[] {
  const out = new Set<string>();
  for (let p = proto; p !== Object.prototype; p = Object.getPrototypeOf(p) as object) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (name !== 'constructor' && typeof d?.value === 'function') out.add(name);
    }
  }
  return [...out].sort();
}

const prefixOf = (on: Call['on']): 'ctx' | 'rdd' => (on instanceof Context ? 'ctx' : 'rdd');

test('the table holds every public method of RDD and Context', () => {
  for (const [prefix, proto] of [
    ['ctx', Context.prototype],
    ['rdd', RDD.prototype],
  ] as const) {
    const listed = CALLS.filter((c) => prefixOf(c.on) === prefix).map((c) => c.method);
    const publicMethods = methodsOf(proto).filter(
      (m) => !NOT_PUBLIC.has(m) && !NOT_PUBLIC.has(`${m}@${prefix}`) && !UNBOUNDED.has(m),
    );
    assert.deepEqual([...listed].sort(), publicMethods, prefix);
  }
});

test('each refuses one argument past its documented ones, naming the method and the position', async () => {
  for (const { on, method, args, rejects } of CALLS) {
    const where = `${prefixOf(on)}.${method}`;
    const n = args.length;
    const expected = n === 0 ? 'no arguments' : `at most ${n} argument${n === 1 ? '' : 's'}`;
    const refused = (e: unknown): boolean => {
      assert.ok(e instanceof KindlingError, `${where}: expected a KindlingError, got ${String(e)}`);
      assert.equal(e.code, 'INVALID_ARGUMENT', where);
      assert.equal(
        e.message,
        `Invalid argument ${where} argument ${n + 1}: expected ${expected}, received "extra"`,
      );
      return true;
    };
    const call = (): unknown =>
      (Reflect.get(on, method) as (...a: unknown[]) => unknown).apply(on, [...args, 'extra']);
    if (rejects) {
      let result: unknown;
      assert.doesNotThrow(() => (result = call()), `${where} rejects, never throws`);
      await assert.rejects(result as Promise<unknown>, refused, where);
    } else assert.throws(call, refused, where);
  }
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
