// Stateful operators: updateStateByKey (Spark's StateDStream) and mapWithState (MapWithStateDStream, StateImpl), with
// mapWithState's timeouts checked at every batch (Spark's only at checkpoint batches), not at checkpoints only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  Context,
  ManualClock,
  StateSpec,
  StreamingContext,
  isKindlingError,
  type RDD,
  type State,
} from 'kindling';
import { collectBatches, dropFile, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
const root = tempDir('state');
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

type Pair = [string, number];
let run = 0;

function newContext(batchMs = 1000): { ssc: StreamingContext; clock: ManualClock; dir: string } {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, batchMs, { clock });
  const dir = path.join(root, `run-${run++}`);
  ssc.checkpoint(dir);
  return { ssc, clock, dir };
}

test('updateStateByKey calls every key of either side, removes a key on undefined, and starts from initialRDD', async () => {
  const { ssc, clock } = newContext();
  const pairs = ssc.queueStream<Pair>([
    [
      ['a', 1],
      ['b', 1],
    ],
    [['a', 1]],
    [],
    [['b', 5]],
  ]);
  type S = { sum: number; calls: number };
  const state = pairs.updateStateByKey(
    (values: number[], s: S | undefined, env) => {
      const sum = (s?.sum ?? 0) + values.reduce((x, y) => x + y, 0);
      return sum >= env.limit ? undefined : { sum, calls: (s?.calls ?? 0) + 1 };
    },
    { env: { limit: 6 }, initialRDD: ctx.parallelize<[string, S]>([['z', { sum: 0, calls: 0 }]]) },
  );
  const got = collectBatches(state);
  await ssc.start();
  await clock.advance(4000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(got.get(1000), [
    ['a', { sum: 1, calls: 1 }],
    ['b', { sum: 1, calls: 1 }],
    ['z', { sum: 0, calls: 1 }],
  ]);
  assert.deepEqual(got.get(2000), [
    ['a', { sum: 2, calls: 2 }],
    ['b', { sum: 1, calls: 2 }],
    ['z', { sum: 0, calls: 2 }],
  ]);
  assert.deepEqual(
    got.get(3000),
    [
      ['a', { sum: 2, calls: 3 }],
      ['b', { sum: 1, calls: 3 }],
      ['z', { sum: 0, calls: 3 }],
    ],
    'keys without data are called with []',
  );
  assert.deepEqual(
    got.get(4000),
    [
      ['a', { sum: 2, calls: 4 }],
      ['z', { sum: 0, calls: 4 }],
    ],
    'b reached the limit and was removed',
  );
});

test('mapWithState calls the function once per record, in order, keeps counts and removes keys', async () => {
  const { ssc, clock } = newContext();
  const pairs = ssc.queueStream<[string, string]>([
    [
      ['a', 'x'],
      ['a', 'y'],
      ['b', 'x'],
    ],
    [
      ['a', 'z'],
      ['b', 'del'],
    ],
    [['b', 'x']],
  ]);
  const spec = StateSpec.function(
    (key: string, value: string | undefined, state: State<number>) => {
      if (value === 'del') {
        state.remove();
        return `${key} removed`;
      }
      const n = (state.exists() ? state.get() : 0) + 1;
      state.update(n);
      return `${key}:${value}:${n}`;
    },
  ).numPartitions(3);
  const mapped = pairs.mapWithState(spec);
  const got = collectBatches(mapped);
  const snapshots = collectBatches(mapped.stateSnapshots<string, number>());
  const partitions: number[] = [];
  mapped.stateSnapshots().foreachRDD((rdd) => void partitions.push(rdd.getNumPartitions()));
  await ssc.start();
  await clock.advance(3000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(
    got.get(1000),
    ['a:x:1', 'a:y:2', 'b:x:1'],
    'one call per record, state threaded in order',
  );
  assert.deepEqual(got.get(2000), ['a:z:3', 'b removed']);
  assert.deepEqual(got.get(3000), ['b:x:1'], 'a removed key starts again');
  assert.deepEqual(snapshots.get(1000), [
    ['a', 2],
    ['b', 1],
  ]);
  assert.deepEqual(snapshots.get(2000), [['a', 3]]);
  assert.deepEqual(snapshots.get(3000), [
    ['a', 3],
    ['b', 1],
  ]);
  assert.deepEqual(partitions, [3, 3, 3]);
});

test('mapWithState starts from its initial state', async () => {
  const { ssc, clock } = newContext();
  const spec = StateSpec.function(
    (key: string, value: number | undefined, state: State<number>) => {
      const n = (state.exists() ? state.get() : 0) + (value ?? 0);
      state.update(n);
      return [key, n] as Pair;
    },
  ).initialState(
    ctx.parallelize<Pair>([
      ['a', 100],
      ['c', 7],
    ]),
  );
  const mapped = ssc
    .queueStream<Pair>([
      [
        ['a', 1],
        ['b', 2],
      ],
      [['c', 1]],
    ])
    .mapWithState(spec);
  const got = collectBatches(mapped);
  const snaps = collectBatches(mapped.stateSnapshots<string, number>());
  await ssc.start();
  await clock.advance(2000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(got.get(1000), [
    ['a', 101],
    ['b', 2],
  ]);
  assert.deepEqual(got.get(2000), [['c', 8]]);
  assert.deepEqual(snaps.get(2000), [
    ['a', 101],
    ['b', 2],
    ['c', 8],
  ]);
});

test('an idle key times out at the first batch past its timeout, gets exactly one call, and is dropped', async () => {
  const { ssc, clock } = newContext();
  const spec = StateSpec.function(
    (key: string, value: number | undefined, state: State<number>) => {
      if (state.isTimingOut()) return `${key} timed out with ${state.get()}`;
      state.update((state.exists() ? state.get() : 0) + (value ?? 0));
      return undefined;
    },
  ).timeout(2000);
  // a: data at 1000 only; b: data at 1000, 3000, 5000 (never idle for more than 2 s).
  const pairs = ssc.queueStream<Pair>([
    [
      ['a', 1],
      ['b', 1],
    ],
    [],
    [['b', 1]],
    [],
    [['b', 1]],
    [],
    [],
    [],
  ]);
  const mapped = pairs.mapWithState(spec);
  const got = collectBatches(mapped);
  const snaps = collectBatches(mapped.stateSnapshots<string, number>());
  await ssc.start();
  await clock.advance(8000);
  await ssc.stop({ stopContext: false });
  const calls = [...got].filter(([, v]) => v.length > 0);
  // Idle since 1000: 1000 < 4000 - 2000 first holds at 4000 (strict, as Spark), long before the
  // 10-batch checkpoint where Spark would notice it.
  assert.deepEqual(calls, [
    [4000, ['a timed out with 1']],
    [8000, ['b timed out with 3']],
  ]);
  assert.deepEqual(snaps.get(3000), [
    ['a', 1],
    ['b', 2],
  ]);
  assert.deepEqual(snaps.get(4000), [['b', 2]]);
  assert.deepEqual(snaps.get(8000), []);
});

test("State raises Spark's errors: get() when unset, update after remove, remove twice", async () => {
  const cases: [string, RegExp][] = [
    ['get', /State is not set/],
    ['update-after-remove', /Cannot update the state after it has been removed/],
    ['remove-twice', /Cannot remove the state that has already been removed/],
  ];
  for (const [mode, message] of cases) {
    const { ssc, clock } = newContext();
    const spec = StateSpec.function(
      (_key: string, _value: number | undefined, state: State<number>, env) => {
        if (env.mode === 'get') return state.get();
        state.update(1);
        state.remove();
        if (env.mode === 'update-after-remove') state.update(2);
        else state.remove();
        return 0;
      },
      { env: { mode } },
    );
    ssc
      .queueStream<Pair>([[['k', 1]]])
      .mapWithState(spec)
      .print();
    await ssc.start();
    await assert.rejects(
      clock.advance(1000),
      (e) => isKindlingError(e, 'TASK_FAILED') && message.test(e.message),
      mode,
    );
    await ssc.stop({ stopContext: false });
  }
});

for (const kind of ['updateStateByKey', 'mapWithState'] as const) {
  test(`${kind}: a function that throws fails its batch naming the operator, the batch time and the message; a restart replays it from intact state`, async () => {
    const dir = path.join(root, `throws-${kind}`);
    const input = path.join(dir, 'in');
    const poison = path.join(dir, 'poison');
    fs.mkdirSync(input, { recursive: true });
    fs.writeFileSync(poison, '');
    const clock = new ManualClock();
    const states = new Map<number, Pair[]>();
    const build = (): StreamingContext => {
      const s = new StreamingContext(ctx, 1000, { clock });
      // The key "bad" has the value -1; the functions throw on it while the poison file exists
      // (they cannot capture: the path comes through env).
      const pairs = s.textFileStream(input).map((w): Pair => [w, w === 'bad' ? -1 : 1]);
      const state =
        kind === 'updateStateByKey'
          ? pairs.updateStateByKey(
              (vs: number[], st: number | undefined, env: { poison: string }) => {
                if (
                  vs.includes(-1) &&
                  (require('node:fs') as typeof import('node:fs')).existsSync(env.poison)
                )
                  throw new Error('poisoned bad');
                return (st ?? 0) + vs.length;
              },
              { env: { poison } },
            )
          : pairs
              .mapWithState(
                StateSpec.function(
                  (
                    k: string,
                    v: number | undefined,
                    st: State<number>,
                    env: { poison: string },
                  ) => {
                    if (
                      k === 'bad' &&
                      (require('node:fs') as typeof import('node:fs')).existsSync(env.poison)
                    )
                      throw new Error(`poisoned ${k}`);
                    st.update((st.getOption() ?? 0) + 1);
                    return undefined;
                  },
                  { env: { poison } },
                ),
              )
              .stateSnapshots<string, number>();
      state.foreachRDD(async (rdd, t) => void states.set(t, (await rdd.collect()).sort()));
      return s;
    };
    let ssc = await StreamingContext.getOrCreate(path.join(dir, 'cp'), build);
    await ssc.start();
    dropFile(input, 'f1', ['a', 'b']);
    await clock.setTime(1000);
    dropFile(input, 'f2', ['a', 'bad']);
    const failed = await clock.setTime(2000).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isKindlingError(failed, 'TASK_FAILED'), String(failed));
    assert.match(
      failed.message,
      new RegExp(`${kind}#\\d+ @ 2000 ms`),
      'names the operator and its batch',
    );
    assert.match(failed.message, /^Batch 2000 ms failed in foreachRDD/);
    assert.match(failed.message, /poisoned bad/);
    assert.equal(failed.context.batchTimeMs, 2000);
    assert.equal((failed.cause as Error).message, 'poisoned bad');
    await ssc.stop({ stopContext: false });
    assert.deepEqual([...states.keys()], [1000]);

    fs.rmSync(poison);
    ssc = await StreamingContext.getOrCreate(path.join(dir, 'cp'), build);
    await ssc.start();
    dropFile(input, 'f3', ['a']);
    await clock.setTime(3000);
    await ssc.stop({ stopContext: false });
    assert.deepEqual(
      states.get(2000),
      [
        ['a', 2],
        ['b', 1],
        ['bad', 1],
      ],
      'the failed batch replayed once',
    );
    assert.deepEqual(states.get(3000), [
      ['a', 3],
      ['b', 1],
      ['bad', 1],
    ]);
  });
}

test('streams downstream of a stateful stream recover as an uninterrupted run: windows over its output, a stateful stream fed by it', async () => {
  /** Seven batches of one word each; stopped (graceful or not) and recovered after batch `stopAt`. */
  const run = async (label: string, stopAt?: number, graceful = false) => {
    const dir = path.join(root, `downstream-${label}`);
    const input = path.join(dir, 'in');
    const clock = new ManualClock();
    const out = new Map<string, string[]>();
    const record = (name: string) => async (rdd: RDD<unknown>, t: number) => {
      assert.ok(!out.has(`${name}-${t}`), `${name} of batch ${t} runs once`);
      out.set(`${name}-${t}`, (await rdd.collect()).map((x) => JSON.stringify(x)).sort());
    };
    const build = (): StreamingContext => {
      const s = new StreamingContext(ctx, 1000, { clock });
      const pairs = s.textFileStream(input).map((w): Pair => [w, 1]);
      const counts = pairs
        .updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length)
        .checkpoint(1000);
      counts.window(3000).foreachRDD(record('countsWindow'));
      counts
        .updateStateByKey(
          (vs: number[], st: number | undefined) => (st ?? 0) + vs.reduce((a, b) => a + b, 0),
        )
        .checkpoint(3000)
        .foreachRDD(record('sumOfCounts'));
      const spec = StateSpec.function((k: string, _v: number | undefined, st: State<number>) => {
        st.update((st.getOption() ?? 0) + 1);
        return `${k}${st.get()}`;
      });
      pairs.mapWithState(spec).checkpoint(2000).window(3000).foreachRDD(record('mappedWindow'));
      return s;
    };
    let ssc = await StreamingContext.getOrCreate(path.join(dir, 'cp'), build);
    await ssc.start();
    for (let k = 1; k <= 7; k++) {
      if (k - 1 === stopAt) {
        await ssc.stop({ stopContext: false, graceful });
        ssc = await StreamingContext.getOrCreate(path.join(dir, 'cp'), build);
        await ssc.start();
      }
      dropFile(input, `f${k}`, [`k${k % 2}`]);
      await clock.setTime(k * 1000);
    }
    await ssc.stop({ stopContext: false });
    return out;
  };
  const reference = await run('reference');
  assert.equal(reference.size, 21);
  for (const [stopAt, graceful] of [
    [3, false],
    [4, false],
    [5, false],
    [4, true],
  ] as const) {
    const label = `stop-${stopAt}${graceful ? '-graceful' : ''}`;
    assert.deepEqual(await run(label, stopAt, graceful), reference, label);
  }
});

test('a checkpoint of an older build (one state checkpoint a stream, no historyFromMs) restores that state under a window', async () => {
  const dir = path.join(root, 'older-build');
  const input = path.join(dir, 'in');
  const cp = path.join(dir, 'cp');
  const clock = new ManualClock();
  const states = new Map<number, string[]>();
  const build = (): StreamingContext => {
    const s = new StreamingContext(ctx, 1000, { clock });
    const counts = s
      .textFileStream(input)
      .map((w): Pair => [w, 1])
      .updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length)
      .checkpoint(2000);
    counts.foreachRDD(async (rdd, t) => {
      states.set(t, (await rdd.collect()).map((x) => JSON.stringify(x)).sort());
    });
    counts.window(3000).print();
    return s;
  };
  let ssc = await StreamingContext.getOrCreate(cp, build);
  await ssc.start();
  for (let k = 1; k <= 5; k++) {
    dropFile(input, `f${k}`, [`k${k % 2}`]);
    await clock.setTime(k * 1000);
  }
  await ssc.stop({ stopContext: false });
  // As the build before restore plans wrote them: the latest state checkpoint of each stream only.
  for (const f of fs.readdirSync(cp).filter((n) => n.startsWith('checkpoint-'))) {
    const text = fs.readFileSync(path.join(cp, f), 'utf8');
    const data = JSON.parse(text.slice(text.indexOf('\n') + 1)) as {
      streams: { historyFromMs?: unknown }[];
      state: { key: string }[];
    };
    for (const st of data.streams) delete st.historyFromMs;
    data.state = [...new Map(data.state.map((r) => [r.key, r])).values()];
    const payload = JSON.stringify(data);
    const crc32 = zlib.crc32(payload).toString(16).padStart(8, '0');
    const header = {
      format: 'kindling-streaming-checkpoint',
      version: 1,
      crc32,
      bytes: payload.length,
    };
    fs.writeFileSync(path.join(cp, f), `${JSON.stringify(header)}\n${payload}\n`);
  }
  ssc = await StreamingContext.getOrCreate(cp, build);
  await ssc.start();
  dropFile(input, 'f6', ['k0']);
  await clock.setTime(6000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(states.get(6000), ['["k0",3]', '["k1",3]'], 'every file counted once');
});

test('initial state and queued RDDs of another Context are refused where they are given', async () => {
  const other = new Context({ workers: 1, progress: false });
  const foreign = other.parallelize<Pair>([['a', 10]]);
  const { ssc } = newContext();
  const pairs = ssc.queueStream<Pair>([[['a', 1]]]);
  const refused = (argument: string) => (e: unknown) =>
    isKindlingError(e, 'INVALID_ARGUMENT') &&
    e.context.argument === argument &&
    /RDD of this StreamingContext's Context/.test(e.message);
  assert.throws(
    () =>
      pairs.updateStateByKey((vs: number[], st?: number) => (st ?? 0) + vs.length, {
        initialRDD: foreign,
      }),
    refused('dstream.updateStateByKey opts.initialRDD'),
  );
  const spec = StateSpec.function((_k: string, v: number | undefined, st: State<number>) => {
    st.update(v ?? 0);
    return v;
  }).initialState(foreign);
  assert.throws(() => pairs.mapWithState(spec), refused('dstream.mapWithState spec.initialState'));
  assert.throws(
    () => ssc.queueStream([ctx.parallelize([1]), other.parallelize([2])]),
    refused('ssc.queueStream batches[1]'),
  );
  await other.stop();
});

test('default checkpoint intervals: the smallest multiple of the batch >= 10 s; mapWithState 10 batches', async () => {
  const { ssc, clock, dir } = newContext(3000);
  const pairs = ssc.queueStream<Pair>([[['a', 1]]]);
  pairs.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length).print();
  pairs.mapWithState(StateSpec.function((k: string) => k)).print();
  pairs
    .updateStateByKey((vs: number[]) => vs.length)
    .checkpoint(6000)
    .print();
  await ssc.start();
  await clock.advance(3000);
  await ssc.stop({ stopContext: false });
  const text = fs.readFileSync(path.join(dir, 'checkpoint-3000'), 'utf8');
  const streams = (
    JSON.parse(text.slice(text.indexOf('\n') + 1)) as {
      streams: { key: string; checkpointIntervalMs: number | null }[];
    }
  ).streams;
  const interval = (key: string): number | null | undefined =>
    streams.find((s) => s.key === key)?.checkpointIntervalMs;
  assert.equal(interval('updateStateByKey#1'), 12000);
  assert.equal(interval('mapWithState#2'), 30000);
  assert.equal(interval('updateStateByKey#3'), 6000);
  assert.equal(interval('queueStream#0'), null);
});

test("a stateful operator's env keeps its handles and passes objects shaped like handles as data", async () => {
  const { ssc, clock } = newContext();
  const base = ctx.broadcast(100);
  const calls = ctx.longAccumulator('calls');
  const fakes = {
    b: { kind: 'kindling.broadcast', id: base.id },
    acc: { kind: 'kindling.accumulator', id: calls.id },
    fn: { kind: 'kindling.function', fn: { kind: 'source', source: '() => 1', name: 'g' } },
  };
  const pairs = ssc.queueStream<Pair>([[['a', 1]], [['a', 2]]]);
  const state = pairs.updateStateByKey(
    (vs: number[], s: { sum: number } | undefined, env) => {
      env.calls.add(1);
      return { sum: (s?.sum ?? env.base.value) + vs[0]!, fakes: env.fakes };
    },
    { env: { base, calls, fakes } },
  );
  const mapped = pairs.mapWithState(
    StateSpec.function(
      (k: string, v: number | undefined, _s: State<number>, env) => ({
        k,
        v,
        fakes: env.fakes,
        base: env.nested[0].value,
      }),
      { env: { fakes, nested: [base] as const } },
    ),
  );
  const got = collectBatches(state);
  const seen = collectBatches(mapped);
  await ssc.start();
  await clock.advance(2000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(got.get(1000), [['a', { sum: 101, fakes }]]);
  assert.deepEqual(got.get(2000), [['a', { sum: 103, fakes }]]);
  assert.equal(calls.value, 2);
  assert.deepEqual(seen.get(1000), [{ k: 'a', v: 1, fakes, base: 100 }]);
});
