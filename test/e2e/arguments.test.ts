// Arguments as Spark users write them: numPartitions given positionally, options objects that
// refuse unknown keys (naming the key and the method called), top/takeOrdered with a key
// function as in PySpark, one key equality for every keyed operation, and listener arguments.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Context,
  HashPartitioner,
  KindlingError,
  StateSpec,
  StreamingContext,
  type RDD,
} from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const pairs = (): RDD<[string, number]> =>
  ctx.parallelize<[string, number]>(
    [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['c', 4],
    ],
    2,
  );
const other = (): RDD<[string, string]> =>
  ctx.parallelize<[string, string]>(
    [
      ['a', 'x'],
      ['d', 'y'],
    ],
    2,
  );

function invalid(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, pattern);
    return true;
  };
}

const sorted = <T>(xs: T[]): T[] =>
  [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

test('numPartitions may be given positionally wherever Spark takes it', async () => {
  const add = (a: number, b: number): number => a + b;
  const cases: [string, RDD<unknown>][] = [
    ['reduceByKey', pairs().reduceByKey(add, 3)],
    ['groupByKey', pairs().groupByKey(3)],
    ['sortByKey', pairs().sortByKey(true, 3)],
    ['sortBy', pairs().sortBy(([, v]) => v, false, 3)],
    ['join', pairs().join(other(), 3)],
    ['leftOuterJoin', pairs().leftOuterJoin(other(), 3)],
    ['rightOuterJoin', pairs().rightOuterJoin(other(), 3)],
    ['fullOuterJoin', pairs().fullOuterJoin(other(), 3)],
    ['cogroup', pairs().cogroup(other(), 3)],
    ['distinct', pairs().distinct(3)],
    ['combineByKey', pairs().combineByKey((v) => v, add, add, 3)],
    ['aggregateByKey', pairs().aggregateByKey(0, add, add, 3)],
    ['foldByKey', pairs().foldByKey(0, add, 3)],
    ['partitionBy', pairs().partitionBy(3)],
  ];
  for (const [name, rdd] of cases) assert.equal(rdd.getNumPartitions(), 3, name);
  assert.deepEqual(sorted(await pairs().reduceByKey(add, 3).collect()), [
    ['a', 4],
    ['b', 2],
    ['c', 4],
  ]);
  assert.deepEqual(
    await pairs()
      .sortBy(([, v]) => v, false, 3)
      .collect(),
    [
      ['c', 4],
      ['a', 3],
      ['b', 2],
      ['a', 1],
    ],
  );
  assert.deepEqual(await pairs().join(other(), 3).collect(), [
    ['a', [1, 'x']],
    ['a', [3, 'x']],
  ]);
});

test('a number and the options object mean the same partitioning', () => {
  const viaNumber = pairs().groupByKey(4);
  const viaObject = pairs().groupByKey({ numPartitions: 4 });
  assert.ok(viaNumber.partitioner?.equals(viaObject.partitioner!));
  assert.equal(pairs().sortByKey(false, { numPartitions: 2 }).getNumPartitions(), 2);
});

test('a bad positional numPartitions is refused naming the method', () => {
  assert.throws(() => pairs().groupByKey(0), invalid(/rdd\.groupByKey.*numPartitions/));
  assert.throws(() => pairs().reduceByKey((a, b) => a + b, 1.5), invalid(/rdd\.reduceByKey/));
  assert.throws(
    () => pairs().sortBy(([, v]) => v, true, -1),
    invalid(/rdd\.sortBy\b.*numPartitions/),
  );
});

test('numPartitions and a partitioner given together are refused, naming both', () => {
  const both = { numPartitions: 8, partitioner: new HashPartitioner(2) };
  const add = (a: number, b: number): number => a + b;
  const calls: [string, () => unknown][] = [
    ['reduceByKey', () => pairs().reduceByKey(add, both)],
    ['groupByKey', () => pairs().groupByKey(both)],
    ['combineByKey', () => pairs().combineByKey((v) => v, add, add, both)],
    ['aggregateByKey', () => pairs().aggregateByKey(0, add, add, both)],
    ['foldByKey', () => pairs().foldByKey(0, add, both)],
    ['join', () => pairs().join(other(), both)],
    ['fullOuterJoin', () => pairs().fullOuterJoin(other(), both)],
    ['cogroup', () => pairs().cogroup(other(), both)],
    ['groupBy', () => pairs().groupBy(([k]) => k, both)],
    ['intersection', () => pairs().intersection(pairs(), both)],
    ['subtract', () => pairs().subtract(pairs(), both)],
    ['subtractByKey', () => pairs().subtractByKey(other(), both)],
  ];
  for (const [method, call] of calls) {
    assert.throws(
      call,
      invalid(new RegExp(`rdd\\.${method} opts.*numPartitions or opts\\.partitioner, not both`)),
    );
  }
});

test('a partitioner given where numPartitions goes is refused, saying to pass { partitioner }', () => {
  // Scala's reduceByKey(partitioner, f) has no counterpart here: API.md takes a number or the
  // options object in that place. It was refused as an options object with an unknown key 'kind'.
  const p = new HashPartitioner(3) as unknown as number;
  const add = (a: number, b: number): number => a + b;
  const calls: [string, () => unknown][] = [
    ['reduceByKey', () => pairs().reduceByKey(add, p)],
    ['groupByKey', () => pairs().groupByKey(p)],
    ['combineByKey', () => pairs().combineByKey((v) => v, add, add, p)],
    ['aggregateByKey', () => pairs().aggregateByKey(0, add, add, p)],
    ['foldByKey', () => pairs().foldByKey(0, add, p)],
    ['join', () => pairs().join(other(), p)],
    ['leftOuterJoin', () => pairs().leftOuterJoin(other(), p)],
    ['rightOuterJoin', () => pairs().rightOuterJoin(other(), p)],
    ['fullOuterJoin', () => pairs().fullOuterJoin(other(), p)],
    ['cogroup', () => pairs().cogroup(other(), p)],
    ['groupBy', () => pairs().groupBy(([k]) => k, p)],
    ['intersection', () => pairs().intersection(pairs(), p)],
    ['subtract', () => pairs().subtract(pairs(), p)],
    ['subtractByKey', () => pairs().subtractByKey(other(), p)],
  ];
  for (const [method, call] of calls) {
    assert.throws(
      call,
      invalid(
        new RegExp(
          `^Invalid argument rdd\\.${method} opts: expected a number of partitions or an options object; ` +
            `pass a partitioner as \\{ partitioner \\}: rdd\\.${method}\\(\\.\\.\\., \\{ partitioner \\}\\), received a HashPartitioner$`,
        ),
      ),
      method,
    );
  }
  // Where Spark takes no partitioner, the message says so.
  for (const [method, call] of [
    ['distinct', () => pairs().distinct(p)],
    ['sortByKey', () => pairs().sortByKey(true, p)],
    ['sortBy', () => pairs().sortBy(([, v]) => v, true, p)],
    ['map', () => pairs().map((x) => x, p as unknown as { env: undefined })],
  ] as const) {
    assert.throws(
      call,
      invalid(new RegExp(`rdd\\.${method} opts: .*takes no partitioner`)),
      method,
    );
  }
  const ssc = new StreamingContext(ctx, 1000);
  const stream = ssc.queueStream<[string, number]>([[['a', 1]]]);
  assert.throws(
    () => stream.reduceByKey(add, p),
    invalid(/dstream\.reduceByKey opts: .*\{ partitioner \}/),
  );
  // The documented form.
  assert.equal(
    pairs()
      .reduceByKey(add, { partitioner: new HashPartitioner(3) })
      .getNumPartitions(),
    3,
  );
});

test('an unknown option key is refused, naming the key and the method', async () => {
  const add = (a: number, b: number): number => a + b;
  // Typos as plain JavaScript callers make them (TypeScript already flags literal ones).
  const typo = { numPartitons: 3 } as unknown as { numPartitions: number };
  const envTypo = { evn: { k: 1 } } as unknown as { env: { k: number } };
  const calls: [RegExp, () => unknown][] = [
    [/rdd\.reduceByKey.*numPartitons/, () => pairs().reduceByKey(add, typo)],
    [/rdd\.groupByKey.*numPartitons/, () => pairs().groupByKey(typo)],
    [/rdd\.sortByKey.*numPartitons/, () => pairs().sortByKey(true, typo)],
    [/rdd\.sortBy\b.*numPartitons/, () => pairs().sortBy(([, v]) => v, true, typo)],
    [/rdd\.join.*numPartitons/, () => pairs().join(other(), typo)],
    [/rdd\.fullOuterJoin.*numPartitons/, () => pairs().fullOuterJoin(other(), typo)],
    [/rdd\.cogroup.*numPartitons/, () => pairs().cogroup(other(), typo)],
    [/rdd\.distinct.*numPartitons/, () => pairs().distinct(typo)],
    [/rdd\.foldByKey.*numPartitons/, () => pairs().foldByKey(0, add, typo)],
    [/rdd\.aggregateByKey.*numPartitons/, () => pairs().aggregateByKey(0, add, add, typo)],
    [/rdd\.combineByKey.*numPartitons/, () => pairs().combineByKey((v) => v, add, add, typo)],
    [/rdd\.map\b.*evn/, () => pairs().map((x) => x, envTypo)],
    [
      /rdd\.mapPartitions\b.*preservePartitioning/,
      () =>
        pairs().mapPartitions((it) => it, {
          preservePartitioning: true,
        } as unknown as { preservesPartitioning: boolean }),
    ],
    [/rdd\.reduce\b.*evn/, () => ctx.range(0, 3).reduce(add, envTypo)],
    [/rdd\.foreach\b.*evn/, () => ctx.range(0, 3).foreach(() => undefined, envTypo)],
    [
      /rdd\.top\b.*keey/,
      () => pairs().top(1, { keey: ([, v]: [string, number]) => v } as unknown as { key: () => 0 }),
    ],
  ];
  for (const [pattern, call] of calls) {
    // Transformations throw at the call, actions reject: either way the same error.
    await assert.rejects(Promise.resolve().then(call), invalid(pattern), pattern.source);
  }
});

test('a stream refuses an unknown option key where it is defined, naming the method', () => {
  const ssc = new StreamingContext(ctx, 1000);
  const stream = ssc.queueStream<[string, number]>([[['a', 1]]]);
  const typo = { numPartitons: 3 } as unknown as { numPartitions: number };
  const envTypo = { evn: { k: 1 } } as unknown as { env: { k: number } };
  assert.throws(() => stream.map((x) => x, envTypo), invalid(/dstream\.map\b.*evn/));
  assert.throws(
    () => stream.reduceByKey((a, b) => a + b, typo),
    invalid(/dstream\.reduceByKey.*numPartitons/),
  );
  assert.throws(
    () =>
      stream.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length, typo),
    invalid(/dstream\.updateStateByKey.*numPartitons/),
  );
});

test('ssc.stop and StateSpec.function refuse unknown option keys', async () => {
  const ssc = new StreamingContext(ctx, 1000);
  // A typo of stopContext must not stop this file's context.
  const typo = { stopContex: false } as unknown as { stopContext: boolean };
  await assert.rejects(ssc.stop(typo), invalid(/ssc\.stop.*stopContex/));
  const envTypo = { evn: 1 } as unknown as { env: number };
  assert.throws(
    () => StateSpec.function((_k: string, v: number | undefined) => v, envTypo),
    invalid(/StateSpec\.function.*evn/),
  );
  await ssc.stop({ stopContext: false });
  assert.deepEqual(await ctx.range(0, 3).collect(), [0, 1, 2], 'the context still works');
});

test('error messages name the method the user called', () => {
  assert.throws(
    () => pairs().sortBy(([, v]) => v, true, 'three' as unknown as number),
    invalid(/rdd\.sortBy\b/),
  );
  assert.throws(
    () => pairs().foldByKey(0, 'add' as unknown as (a: number, b: number) => number),
    invalid(/rdd\.foldByKey/),
  );
  const k = 2;
  assert.throws(
    () => pairs().sortBy(([, v]) => v * k),
    (e: unknown) =>
      e instanceof KindlingError &&
      e.code === 'TASK_NOT_SERIALIZABLE' &&
      /rdd\.sortBy\b/.test(e.message),
  );
});

test('top and takeOrdered take a one-argument key function, as PySpark does', async () => {
  const data = pairs();
  assert.deepEqual(await data.top(2, ([, n]) => n), [
    ['c', 4],
    ['a', 3],
  ]);
  assert.deepEqual(await data.takeOrdered(2, ([, n]) => n), [
    ['a', 1],
    ['b', 2],
  ]);
  assert.deepEqual(await data.top(1, { key: ([, n]) => -n }), [['a', 1]]);
  assert.deepEqual(
    await data.top(2, { key: ([, n], env) => Math.abs(n - env.pivot) }, { env: { pivot: 4 } }),
    [
      ['a', 1],
      ['b', 2],
    ],
  );
  // Comparators keep working: two parameters (and a third for env).
  assert.deepEqual(await data.top(2, (x, y) => x[1] - y[1]), [
    ['c', 4],
    ['a', 3],
  ]);
  assert.deepEqual(
    await data.takeOrdered(1, (x, y, env) => env.sign * (x[1] - y[1]), { env: { sign: -1 } }),
    [['c', 4]],
  );
});

test('a function whose arity says neither key function nor comparator is refused', async () => {
  const data = pairs();
  await assert.rejects(
    data.top(1, (() => 0) as unknown as (a: [string, number], b: [string, number]) => number),
    invalid(/rdd\.top/),
  );
  const four = (a: unknown, b: unknown, c: unknown, d: unknown): number => (d ? 0 : 1);
  await assert.rejects(
    data.takeOrdered(1, four as unknown as (a: [string, number], b: [string, number]) => number),
    invalid(/rdd\.takeOrdered/),
  );
});

test('NaN and -0 keys: lookup, reduceByKey, join, distinct and countByKey agree', async () => {
  const data = ctx.parallelize<[unknown, number]>(
    [
      [NaN, 1],
      [0, 10],
      [NaN, 2],
      [-0, 20],
      [[NaN, -0], 100],
      [[NaN, 0], 200],
    ],
    3,
  );
  const reduced = await data.reduceByKey((a, b) => a + b).collect();
  assert.equal(reduced.length, 3);
  const byKey = new Map(reduced.map(([k, v]) => [JSON.stringify(k), v]));
  assert.equal(byKey.get('null'), 3); // JSON.stringify(NaN) is 'null'
  assert.equal(byKey.get('0'), 30);
  assert.equal(byKey.get('[null,0]'), 300);

  assert.deepEqual((await data.lookup(NaN)).sort(), [1, 2]);
  assert.deepEqual((await data.lookup(0)).sort(), [10, 20]);
  assert.deepEqual((await data.lookup(-0)).sort(), [10, 20]);
  assert.deepEqual((await data.lookup([NaN, 0])).sort(), [100, 200]);
  // Through a partitioner, lookup reads only the key's partition.
  const partitioned = data.reduceByKey((a, b) => a + b, 4);
  assert.deepEqual(await partitioned.lookup(NaN), [3]);
  assert.deepEqual(await partitioned.lookup(-0), [30]);

  const joined = await data
    .join(
      ctx.parallelize<[unknown, string]>(
        [
          [NaN, 'nan'],
          [-0, 'zero'],
        ],
        2,
      ),
    )
    .collect();
  assert.equal(joined.length, 4);
  assert.equal(joined.filter(([, [, w]]) => w === 'nan').length, 2);

  assert.equal((await data.keys().distinct().collect()).length, 3);
  const counts = await data.countByKey();
  assert.equal(counts.size, 3);
  assert.equal(counts.get(NaN), 2);
  assert.equal(counts.get(0), 2);
});

test('ctx.on refuses an unknown event and a listener that is not a function', () => {
  assert.throws(() => ctx.on('nope' as 'jobEnd', () => undefined), invalid(/'nope'|nope/));
  assert.throws(() => ctx.on('jobEnd', 5 as unknown as () => void), invalid(/listener/));
});
