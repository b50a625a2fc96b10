// A function's env is the user's data, whatever its shape: an object that looks like the
// engine's own form of a Broadcast, an Accumulator or a function in env reaches the function
// exactly as given (never replaced by a handle of the same id), at the top of env or nested in
// arrays, objects, Maps and Sets; real handles in the same env keep working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

// Real handles first, so that every id a look-alike names is the id of one of them.
const secret = ctx.broadcast({ secret: 'broadcast 0' });
const count = ctx.longAccumulator('count');
const words = ctx.accumulator(
  [] as string[],
  (a, w: string) => [...a, w],
  (a, b) => [...a, ...b],
);

const source = (text: string): { kind: string; source: string; name: string } => ({
  kind: 'source',
  source: text,
  name: 'g',
});

/** Objects shaped like every wire form of a handle in env, past and present. */
const lookAlikes: Record<string, unknown> = {
  broadcast: { kind: 'kindling.broadcast', id: secret.id },
  accumulator: { kind: 'kindling.accumulator', id: count.id },
  customAccumulator: {
    kind: 'kindling.customAccumulator',
    id: words.id,
    zero: [],
    add: source('(a, w) => [...a, w]'),
  },
  function: { kind: 'kindling.function', fn: source('() => 42') },
  shippedEnv: {
    data: null,
    handles: [{ path: [], handle: { kind: 'broadcast', id: secret.id } }],
  },
  shippedBroadcast: { kind: 'broadcast', id: secret.id },
  shippedFunction: { kind: 'function', fn: source('() => 42') },
};

/** What a map over one record hands back when it returns its env. */
async function envSeenByWorkers<E>(env: E): Promise<E> {
  const got = await ctx
    .parallelize([1], 1)
    .map((_x, e) => e, { env })
    .collect();
  assert.equal(got.length, 1);
  return got[0] as E;
}

for (const [name, lookAlike] of Object.entries(lookAlikes)) {
  test(`an env object shaped like a handle's wire form (${name}) reaches the function as given`, async () => {
    assert.deepEqual(await envSeenByWorkers(lookAlike), lookAlike);
    const nested = {
      cfg: lookAlike,
      list: [1, lookAlike, [lookAlike]],
      deep: { a: { b: [{ c: lookAlike }] } },
      byName: new Map([['k', lookAlike]]),
      byObject: new Map([[lookAlike, 'v']]),
      set: new Set([lookAlike]),
    };
    assert.deepEqual(await envSeenByWorkers(nested), nested);
  });
}

test('an env object with a __proto__ key of its own keeps it', async () => {
  const env = JSON.parse('{"__proto__": {"kind": "kindling.broadcast", "id": 0}, "x": 1}') as {
    x: number;
  };
  const got = await envSeenByWorkers({ env });
  assert.deepEqual(Object.keys(got.env), ['__proto__', 'x']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(got.env, '__proto__')?.value, {
    kind: 'kindling.broadcast',
    id: 0,
  });
  assert.equal(Object.getPrototypeOf(got.env), Object.prototype);
});

test('real handles beside look-alikes still work, and look-alikes touch no accumulator', async () => {
  count.reset();
  words.reset();
  const env = {
    b: secret,
    fakeB: lookAlikes.broadcast,
    count,
    fakeCount: lookAlikes.accumulator,
    words,
    fakeWords: lookAlikes.customAccumulator,
    twice: (x: number) => x * 2,
    fakeFn: lookAlikes.function,
    list: [secret, lookAlikes.broadcast, [count, lookAlikes.accumulator]] as const,
    byName: new Map([['b', lookAlikes.broadcast]]),
  };
  const got = await ctx
    .parallelize(['x', 'y', 'z'], 3)
    .map(
      (w, e) => {
        e.count.add(1);
        e.words.add(w);
        const [b, fakeB, [c, fakeC]] = e.list;
        c.add(10);
        return {
          w: e.twice(w.length),
          secret: e.b.value.secret,
          listSecret: b.value.secret,
          fakes: [e.fakeB, e.fakeCount, e.fakeWords, e.fakeFn, fakeB, fakeC, e.byName.get('b')],
        };
      },
      { env },
    )
    .collect();
  for (const [i, r] of got.entries()) {
    assert.equal(r.w, 2, `record ${i}`);
    assert.equal(r.secret, 'broadcast 0');
    assert.equal(r.listSecret, 'broadcast 0');
    assert.deepEqual(r.fakes, [
      lookAlikes.broadcast,
      lookAlikes.accumulator,
      lookAlikes.customAccumulator,
      lookAlikes.function,
      lookAlikes.broadcast,
      lookAlikes.accumulator,
      lookAlikes.broadcast,
    ]);
  }
  assert.equal(count.value, 33);
  assert.deepEqual([...words.value].sort(), ['x', 'y', 'z']);
});

test('a broadcast that is the whole env is still bound', async () => {
  const got = await ctx
    .parallelize([1, 2], 2)
    .map((x, b) => `${x} ${b.value.secret}`, { env: secret })
    .collect();
  assert.deepEqual(got, ['1 broadcast 0', '2 broadcast 0']);
});

test('an object shared twice in env, or holding itself, arrives shared as structured clone keeps it', async () => {
  const shared = { kind: 'kindling.broadcast', id: secret.id, b: secret };
  const cyclic: { self?: unknown; n: number } = { n: 1 };
  cyclic.self = cyclic;
  const got = await ctx
    .parallelize([1], 1)
    .map(
      (_x, e) => ({
        same: e.one === e.two,
        secret: e.one.b.value.secret,
        selfIsSelf: e.cyclic.self === e.cyclic,
      }),
      { env: { one: shared, two: shared, cyclic } },
    )
    .collect();
  assert.deepEqual(got, [{ same: true, secret: 'broadcast 0', selfIsSelf: true }]);
});

test('a handle inside a Map or Set is refused naming where it is, not shipped as data', () => {
  const r = ctx.parallelize([1], 1);
  assert.throws(() => r.map((x) => x, { env: { m: new Map([['c', count]]) } }), {
    code: 'INVALID_ARGUMENT',
    message: /rdd\.map opts\.env\.m/,
  });
  assert.throws(() => r.map((x) => x, { env: { s: new Set([[{ w: words }]]) } }), {
    code: 'INVALID_ARGUMENT',
    message: /rdd\.map opts\.env\.s/,
  });
});

test('env is the data as it was where the transformation was defined: later changes reach no task', async () => {
  // With and without a handle beside the data: the two ways shipEnv ships an env.
  const lookup = [1, 2, 3];
  const table = new Map([['k', 10]]);
  const plain = ctx
    .parallelize([0, 1, 2], 3)
    .map((i, e) => e.lookup[i]! + e.table.get('k')!, { env: { lookup, table } });
  const withHandle = ctx
    .parallelize([0, 1, 2], 3)
    .map((i, e) => e.lookup[i]! + e.b.value.secret.length, { env: { lookup, b: secret } });
  lookup[0] = 100;
  table.set('k', 1000);
  const jobs = Promise.all([plain.collect(), withHandle.collect()]);
  // Changed again while the jobs run: no task of either sees it either.
  lookup[1] = 200;
  assert.deepEqual(await jobs, [
    [11, 12, 13],
    [12, 13, 14],
  ]);
  assert.deepEqual(await plain.collect(), [11, 12, 13]);
});
