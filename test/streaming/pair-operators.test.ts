// The per-batch operators of Spark's DStream and PairDStreamFunctions added for
// parity (transformWith, join and the outer joins, cogroup, glom, repartition,
// reduce, flatMapValues, groupByKey, combineByKey), each against a plain
// computation of the same batches, empty batches and one-sided keys included;
// arguments are checked where the stream is defined.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Context,
  ManualClock,
  StreamingContext,
  isKindlingError,
  type DStream,
  type RDD,
} from 'kindling';
import { collectBatches, sortRecords } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

type Pair = [string, number];
type Tagged = [string, string];

// Six batches on each side; the fifth is empty on both, the second and third on one.
const LEFT: Pair[][] = [
  [
    ['a', 1],
    ['b', 2],
    ['a', 3],
  ],
  [],
  [['c', 4]],
  [
    ['a', 5],
    ['d', 6],
    ['d', 7],
  ],
  [],
  [['b', 8]],
];
const RIGHT: Tagged[][] = [
  [
    ['a', 'x'],
    ['c', 'y'],
  ],
  [['a', 'z']],
  [],
  [
    ['d', 'w'],
    ['d', 'v'],
    ['e', 'u'],
  ],
  [],
  [['b', 't']],
];
const TIMES = LEFT.map((_, i) => (i + 1) * 1000);

/** Runs the streams `build` defines over LEFT and RIGHT, one batch per second. */
async function run(build: (left: DStream<Pair>, right: DStream<Tagged>) => void): Promise<void> {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  build(queue(ssc, LEFT), queue(ssc, RIGHT));
  await ssc.start();
  await clock.advance(LEFT.length * 1000);
  await ssc.stop({ stopContext: false });
}

function queue<T>(ssc: StreamingContext, batches: T[][]): DStream<T> {
  return ssc.queueStream(batches.map((b) => [...b]));
}

/** Plain joins of one batch: every left value with every right value of its key. */
function plainJoin(
  left: Pair[],
  right: Tagged[],
  how: 'inner' | 'left' | 'right' | 'full',
): [string, [number | undefined, string | undefined]][] {
  const out: [string, [number | undefined, string | undefined]][] = [];
  const keys = [...new Set([...left, ...right].map(([k]) => k))];
  for (const k of keys) {
    const vs = left.filter(([lk]) => lk === k).map(([, v]) => v);
    const ws = right.filter(([rk]) => rk === k).map(([, w]) => w);
    if (vs.length > 0 && ws.length > 0)
      for (const v of vs) for (const w of ws) out.push([k, [v, w]]);
    else if (vs.length > 0 && (how === 'left' || how === 'full'))
      for (const v of vs) out.push([k, [v, undefined]]);
    else if (ws.length > 0 && (how === 'right' || how === 'full'))
      for (const w of ws) out.push([k, [undefined, w]]);
  }
  return sortRecords(out);
}

function groupsOf<V>(pairs: [string, V][]): Map<string, V[]> {
  const m = new Map<string, V[]>();
  for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
}

test('join, leftOuterJoin, rightOuterJoin and fullOuterJoin join each batch with the other stream’s batch of the same time', async () => {
  let inner!: Map<number, [string, [number, string]][]>;
  let left!: Map<number, [string, [number, string | undefined]][]>;
  let right!: Map<number, [string, [number | undefined, string]][]>;
  let full!: Map<number, [string, [number | undefined, string | undefined]][]>;
  const parts = new Map<number, number>();
  await run((l, r) => {
    const joined = l.join(r, 3);
    joined.foreachRDD((rdd, t) => void parts.set(t, rdd.getNumPartitions()));
    inner = collectBatches(joined);
    left = collectBatches(l.leftOuterJoin(r, { numPartitions: 2 }));
    right = collectBatches(l.rightOuterJoin(r));
    full = collectBatches(l.fullOuterJoin(r));
  });
  LEFT.forEach((batch, i) => {
    const t = TIMES[i] as number;
    const other = RIGHT[i] ?? [];
    assert.deepEqual(inner.get(t), plainJoin(batch, other, 'inner'), `join at ${t}`);
    assert.deepEqual(left.get(t), plainJoin(batch, other, 'left'), `leftOuterJoin at ${t}`);
    assert.deepEqual(right.get(t), plainJoin(batch, other, 'right'), `rightOuterJoin at ${t}`);
    assert.deepEqual(full.get(t), plainJoin(batch, other, 'full'), `fullOuterJoin at ${t}`);
    assert.equal(parts.get(t), 3, 'join(other, 3) has 3 partitions');
  });
});

test('cogroup groups both streams’ values of a key per batch; transformWith sees both RDDs and the time', async () => {
  let grouped!: Map<number, [string, [number[], string[]]][]>;
  let combined!: Map<number, string[]>;
  await run((l, r) => {
    grouped = collectBatches(
      l
        .cogroup(r)
        .mapValues(([vs, ws]) => [[...vs].sort(), [...ws].sort()] as [number[], string[]]),
    );
    combined = collectBatches(
      l.transformWith(r, (a: RDD<Pair>, b: RDD<Tagged>, timeMs) =>
        a
          .keys()
          .union(b.values())
          .map((x, env) => `${env.t}:${x}`, { env: { t: timeMs } }),
      ),
    );
  });
  LEFT.forEach((batch, i) => {
    const t = TIMES[i] as number;
    const other = RIGHT[i] ?? [];
    const vs = groupsOf(batch);
    const ws = groupsOf(other);
    const keys = [...new Set([...vs.keys(), ...ws.keys()])];
    const expected = keys.map((k): [string, [number[], string[]]] => [
      k,
      [[...(vs.get(k) ?? [])].sort(), [...(ws.get(k) ?? [])].sort()],
    ]);
    assert.deepEqual(grouped.get(t), sortRecords(expected), `cogroup at ${t}`);
    assert.deepEqual(
      combined.get(t),
      sortRecords([...batch.map(([k]) => `${t}:${k}`), ...other.map(([, w]) => `${t}:${w}`)]),
      `transformWith at ${t}`,
    );
  });
});

test('flatMapValues, groupByKey and combineByKey work per batch, with env and numPartitions', async () => {
  let flat!: Map<number, Pair[]>;
  let groups!: Map<number, [string, number[]][]>;
  let stats!: Map<number, [string, [number, number]][]>;
  const groupParts = new Map<number, number>();
  await run((l) => {
    flat = collectBatches(l.flatMapValues((v, env) => [v, v * env.k], { env: { k: 10 } }));
    const g = l.groupByKey(4);
    g.foreachRDD((rdd, t) => void groupParts.set(t, rdd.getNumPartitions()));
    groups = collectBatches(g.mapValues((vs) => [...vs].sort((a, b) => a - b)));
    stats = collectBatches(
      l.combineByKey(
        (v: number, env: { w: number }): [number, number] => [v * env.w, 1],
        ([s, n]: [number, number], v: number, env: { w: number }): [number, number] => [
          s + v * env.w,
          n + 1,
        ],
        ([s1, n1]: [number, number], [s2, n2]: [number, number]): [number, number] => [
          s1 + s2,
          n1 + n2,
        ],
        { env: { w: 2 }, numPartitions: 2 },
      ),
    );
  });
  LEFT.forEach((batch, i) => {
    const t = TIMES[i] as number;
    assert.deepEqual(
      flat.get(t),
      sortRecords(
        batch.flatMap(([k, v]): Pair[] => [
          [k, v],
          [k, v * 10],
        ]),
      ),
    );
    const byKey = [...groupsOf(batch)];
    assert.deepEqual(
      groups.get(t),
      sortRecords(byKey.map(([k, vs]) => [k, [...vs].sort((a, b) => a - b)])),
      `groupByKey at ${t}`,
    );
    assert.equal(groupParts.get(t), 4);
    assert.deepEqual(
      stats.get(t),
      sortRecords(byKey.map(([k, vs]) => [k, [vs.reduce((a, b) => a + 2 * b, 0), vs.length]])),
      `combineByKey at ${t}`,
    );
  });
});

test('glom, repartition and reduce: partitions as arrays, a new partition count, one record per non-empty batch', async () => {
  const numbers = [[1, 2, 3, 4, 5], [], [6], [7, 8, 9, 10, 11, 12, 13]];
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  // RDDs of three partitions each, so glom's arrays are parallelize's contiguous slices.
  const stream = ssc.queueStream(numbers.map((b) => ctx.parallelize(b, 3)));
  const glommed = collectBatches(stream.glom());
  const repartitioned = stream.repartition(5);
  const parts = new Map<number, number>();
  repartitioned.foreachRDD((rdd, t) => void parts.set(t, rdd.getNumPartitions()));
  const records = collectBatches(repartitioned);
  const sums = collectBatches(stream.reduce((a, b, env) => a + b * env.k, { env: { k: 1 } }));
  const maxes = collectBatches(stream.reduce((a, b) => Math.max(a, b)));
  await ssc.start();
  await clock.advance(numbers.length * 1000);
  await ssc.stop({ stopContext: false });
  numbers.forEach((batch, i) => {
    const t = (i + 1) * 1000;
    const slices = [0, 1, 2].map((p) =>
      batch.slice(Math.floor((p * batch.length) / 3), Math.floor(((p + 1) * batch.length) / 3)),
    );
    assert.deepEqual(glommed.get(t), sortRecords(slices), `glom at ${t}`);
    assert.equal(parts.get(t), 5);
    assert.deepEqual(records.get(t), sortRecords(batch));
    assert.deepEqual(
      sums.get(t),
      batch.length === 0 ? [] : [batch.reduce((a, b) => a + b, 0)],
      `reduce at ${t}: none for an empty batch`,
    );
    assert.deepEqual(maxes.get(t), batch.length === 0 ? [] : [Math.max(...batch)]);
  });
});

test('two-stream operators refuse a stream of another slide or context, and options are checked where defined', () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const l = queue(ssc, LEFT);
  const r = queue(ssc, RIGHT);
  const slow = r.window(2000, 2000);
  assert.throws(
    () => l.join(slow),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.join other' &&
      /slide 1000 ms/.test(e.message),
  );
  assert.throws(
    () => l.cogroup(slow),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'dstream.cogroup other',
  );
  assert.throws(
    () => l.transformWith(slow, (a) => a),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.transformWith other',
  );
  assert.throws(
    // @ts-expect-error an RDD is not a DStream
    () => l.fullOuterJoin(ctx.parallelize<Tagged>([])),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /same StreamingContext/.test(e.message),
  );
  assert.throws(
    // @ts-expect-error a typo in an options object
    () => l.leftOuterJoin(r, { numPartitons: 2 }),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /numPartitons/.test(e.message),
  );
  assert.throws(
    () => l.groupByKey(0),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => l.repartition(-1),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.repartition numPartitions',
  );
  assert.throws(
    // @ts-expect-error transformWith needs a function
    () => l.transformWith(r, 'join'),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT'),
  );
  const weight = 3;
  assert.throws(
    () =>
      l.combineByKey(
        (v) => v * weight,
        (c: number, v: number) => c + v,
        (a: number, b: number) => a + b,
      ),
    (e) => isKindlingError(e, 'TASK_NOT_SERIALIZABLE') && /weight/.test(e.message),
  );
  assert.throws(
    () => l.map(([, v]) => v).reduce((a, b) => a + b * weight),
    (e) => isKindlingError(e, 'TASK_NOT_SERIALIZABLE') && /weight/.test(e.message),
  );
  const other = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  assert.throws(
    () => l.join(queue(other, RIGHT)),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /same StreamingContext/.test(e.message),
  );
});

test('a transformWith function that returns no RDD fails its batch with INVALID_ARGUMENT', async () => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const l = queue(ssc, LEFT);
  // A JavaScript caller's mistake: typed callers cannot make it.
  const notAnRdd = (() => 'joined') as unknown as (a: RDD<Pair>, b: RDD<Tagged>) => RDD<string>;
  l.transformWith(queue(ssc, RIGHT), notAnRdd).foreachRDD(() => undefined);
  await ssc.start();
  await assert.rejects(
    clock.advance(1000),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      /result of the dstream\.transformWith function/.test(e.message),
  );
  await assert.rejects(ssc.awaitTermination(), (e) => isKindlingError(e, 'INVALID_ARGUMENT'));
  await ssc.stop({ stopContext: false });
});
