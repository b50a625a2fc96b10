// An error names the method the user called and the argument, never a method Kindling built
// it on (max on top, treeAggregate on mapPartitions, countByKey on keys, reduceByKeyLocally on
// reduceByKey), and a bad argument of an action is refused before any job runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, KindlingError, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 2 });
after(() => ctx.stop());

let jobs = 0;
ctx.on('jobStart', () => jobs++);

const nums = (): RDD<number> => ctx.parallelize([3, 1, 2], 2);
const pairs = (): RDD<[string, number]> =>
  ctx.parallelize<[string, number]>(
    [
      ['a', 1],
      ['b', 2],
    ],
    2,
  );
const add = (a: number, b: number): number => a + b;
const cmp = (a: number, b: number): number => a - b;
const notAFunction = 'x' as unknown as typeof add;

function named(code: string, pattern: RegExp, not?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    if (not !== undefined) assert.doesNotMatch(e.message, not);
    return true;
  };
}
const invalid = (pattern: RegExp, not?: RegExp): ((e: unknown) => boolean) =>
  named('INVALID_ARGUMENT', pattern, not);

/** The call is refused, by a throw or a rejection, and no job ran for it. */
async function refusedBeforeAnyJob(
  call: () => unknown,
  check: (e: unknown) => boolean,
  label: string,
): Promise<void> {
  const before = jobs;
  await assert.rejects(Promise.resolve().then(call), check, label);
  assert.equal(jobs, before, `${label}: a job ran before the refusal`);
}

test('max and min name themselves, not top and takeOrdered', async () => {
  const k = 2;
  const cases: [string, () => unknown, (e: unknown) => boolean][] = [
    ['max order', () => nums().max(notAFunction), invalid(/^Invalid argument rdd\.max order/)],
    [
      'min order',
      () => nums().min(5 as unknown as typeof cmp),
      invalid(/^Invalid argument rdd\.min order/),
    ],
    ['max opts', () => nums().max(cmp, 5 as never), invalid(/^Invalid argument rdd\.max opts/)],
    [
      'max free variable',
      () => nums().max((a, b) => a - b * k),
      named(
        'TASK_NOT_SERIALIZABLE',
        /passed to rdd\.max \(defined at [^)]+\) uses the free variable 'k'/,
      ),
    ],
  ];
  for (const [label, call, check] of cases) await refusedBeforeAnyJob(call, check, label);
  assert.equal(await nums().max(cmp), 3);
  assert.equal(await nums().min(cmp), 1);
});

test('treeAggregate and treeReduce check their functions at the call, naming themselves', async () => {
  const k = 2;
  const cases: [string, () => unknown, (e: unknown) => boolean][] = [
    [
      'seqOp free variable',
      () => nums().treeAggregate(0, (a, x) => a + x * k, add),
      named(
        'TASK_NOT_SERIALIZABLE',
        /passed to rdd\.treeAggregate \(defined at [^)]+\) uses the free variable 'k'/,
        /mapPartitions|opts\.env/,
      ),
    ],
    [
      'combOp free variable',
      () => nums().treeAggregate(0, add, (a, b) => a + b * k),
      named(
        'TASK_NOT_SERIALIZABLE',
        /passed to rdd\.treeAggregate \(defined at [^)]+\) uses the free variable 'k'/,
        /reduceByKey|opts\.env/,
      ),
    ],
    // These failed every task attempt ("env.seqOp is not a function"), or only after the job.
    ['seqOp', () => nums().treeAggregate(0, notAFunction, add), invalid(/rdd\.treeAggregate/)],
    ['combOp', () => nums().treeAggregate(0, add, notAFunction), invalid(/rdd\.treeAggregate/)],
    [
      'treeReduce free variable',
      () => nums().treeReduce((a, b) => a + b * k),
      named(
        'TASK_NOT_SERIALIZABLE',
        /passed to rdd\.treeReduce \(defined at [^)]+\) uses the free variable 'k'/,
        /mapPartitions|opts\.env/,
      ),
    ],
    ['treeReduce f', () => nums().treeReduce(notAFunction), invalid(/rdd\.treeReduce/)],
  ];
  for (const [label, call, check] of cases) await refusedBeforeAnyJob(call, check, label);
  assert.equal(await nums().treeAggregate(0, add, add), 6);
  assert.equal(await nums().treeReduce(add), 6);
});

test("aggregate's and fold's main-thread combOp is checked before the job, naming the method", async () => {
  await refusedBeforeAnyJob(
    () => nums().aggregate(0, add, notAFunction),
    invalid(/^Invalid argument rdd\.aggregate combOp/),
    'aggregate combOp',
  );
  // combOp runs on the main thread only: it may use free variables.
  const k = 10;
  assert.equal(await nums().aggregate(0, add, (a, b) => a + b + k), 26);
});

test('reduceByKeyLocally, countByKey, lookup and collectAsMap name themselves', async () => {
  const k = 2;
  await refusedBeforeAnyJob(
    () => pairs().reduceByKeyLocally((a, b) => a + b * k),
    named('TASK_NOT_SERIALIZABLE', /passed to rdd\.reduceByKeyLocally \(defined at [^)]+\) uses/),
    'reduceByKeyLocally',
  );
  // A key that cannot be compared by value is refused at the call, not in every task.
  await refusedBeforeAnyJob(
    () => pairs().lookup({} as unknown as string),
    invalid(/rdd\.lookup key/),
    'lookup',
  );
  await refusedBeforeAnyJob(
    () => pairs().lookup(Symbol('k') as unknown as string),
    invalid(/rdd\.lookup key/),
    'lookup symbol',
  );
  const notPairs = nums() as unknown as RDD<[number, number]>;
  await assert.rejects(
    notPairs.countByKey(),
    named(
      'TASK_FAILED',
      new RegExp(`^Task failed in RDD ${notPairs.id} .*\\bcountByKey\\b`),
      /\bkeys\b/,
    ),
  );
  await assert.rejects(
    notPairs.collectAsMap(),
    invalid(/^Invalid argument rdd\.collectAsMap record/),
  );
  assert.deepEqual(
    await pairs().countByKey(),
    new Map([
      ['a', 1],
      ['b', 1],
    ]),
  );
});

test("sortByKey's keyfunc is checked as the function passed to sortByKey", () => {
  const k = 2;
  assert.throws(
    () => pairs().sortByKey(true, { keyfunc: (key) => key.repeat(k) }),
    named(
      'TASK_NOT_SERIALIZABLE',
      /passed to rdd\.sortByKey \(defined at [^)]+\) uses the free variable 'k'/,
      /opts\.env/,
    ),
  );
});

test('every argument check of RDD and Context methods names the method', async () => {
  const file = new URL(import.meta.url).pathname;
  const cases: [RegExp, () => unknown][] = [
    [/rdd\.setName name/, () => nums().setName(5 as unknown as string)],
    [/rdd\.persist level/, () => nums().persist('x' as never)],
    [/rdd\.coalesce numPartitions/, () => nums().coalesce(0)],
    [/rdd\.coalesce shuffle/, () => nums().coalesce(2, 'x' as unknown as boolean)],
    [/rdd\.repartition numPartitions/, () => nums().repartition(0)],
    [/rdd\.sample withReplacement/, () => nums().sample('x' as unknown as boolean, 0.5)],
    [/rdd\.sample seed/, () => nums().sample(false, 0.5, 1.5)],
    [/rdd\.union other/, () => nums().union(5 as never)],
    [/rdd\.saveAsTextFile path/, () => nums().saveAsTextFile('')],
    [/rdd\.saveAsObjectFile path/, () => nums().saveAsObjectFile('')],
    [
      /rdd\.repartitionAndSortWithinPartitions partitioner/,
      () => pairs().repartitionAndSortWithinPartitions(3 as never),
    ],
    [/ctx\.parallelize data/, () => ctx.parallelize(5 as never)],
    [/ctx\.parallelize numSlices/, () => ctx.parallelize([1], 0)],
    [/ctx\.range numSlices/, () => ctx.range(0, 3, 1, 0)],
    [/ctx\.textFile path/, () => ctx.textFile('')],
    [/ctx\.textFile minPartitions/, () => ctx.textFile(file, 0)],
    [/ctx\.wholeTextFiles path/, () => ctx.wholeTextFiles('')],
    [/ctx\.wholeTextFiles minPartitions/, () => ctx.wholeTextFiles(file, 0)],
    [/ctx\.binaryFiles path/, () => ctx.binaryFiles('')],
    [/ctx\.binaryRecords path/, () => ctx.binaryRecords('', 1)],
    [/ctx\.binaryRecords recordLength/, () => ctx.binaryRecords(file, 0)],
    [/ctx\.union rdds/, () => ctx.union(5 as never)],
    [/ctx\.union rdds\[0\]/, () => ctx.union([5] as never)],
    [/ctx\.broadcast value/, () => ctx.broadcast(() => 1)],
    [/ctx\.longAccumulator name/, () => ctx.longAccumulator(5 as unknown as string)],
    [/ctx\.doubleAccumulator name/, () => ctx.doubleAccumulator(5 as unknown as string)],
    [/ctx\.accumulator name/, () => ctx.accumulator(0, add, add, 5 as unknown as string)],
    [/ctx\.setCheckpointDir dir/, () => ctx.setCheckpointDir('')],
    [/ctx\.checkpointFile path/, () => ctx.checkpointFile('')],
  ];
  for (const [pattern, call] of cases) {
    await refusedBeforeAnyJob(
      call,
      invalid(new RegExp(`^Invalid argument ${pattern.source}`)),
      pattern.source,
    );
  }
});
