// Runs of per-record steps fused into one loop, and into the map-side combine they feed
// (workers/fused-steps.ts, fused-loops.ts): the same answer as plain code, each function called
// once a record, an error or a refused record naming the RDD whose step it was, and no fusion
// across an RDD whose partitions go elsewhere too (persisted, checkpointed).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Context, KindlingError, type RDD } from 'kindling';

const checkpointDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-fused-'));
const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 1, checkpointDir });
after(async () => {
  await ctx.stop();
  fs.rmSync(checkpointDir, { recursive: true, force: true });
});

const pairs = () => ctx.range(0, 1000, 1, 4).map((i) => [i % 7, i] as [number, number]);

function plainSums(f: (v: number) => number): [number, number][] {
  const m = new Map<number, number>();
  for (let i = 0; i < 1000; i++) m.set(i % 7, (m.get(i % 7) ?? 0) + f(i));
  return [...m].sort((a, b) => a[0] - b[0]);
}

test('reduceByKey, foldByKey and combineByKey after mapValues give the plain answer, mapping each value once', async () => {
  const mapped = ctx.longAccumulator('values mapped');
  const values = pairs().mapValues(
    (v, env) => {
      env.mapped.add(1);
      return v * 3;
    },
    { env: { mapped } },
  );
  const byKey = (out: [number, number][]) => out.sort((a, b) => a[0] - b[0]);
  assert.deepEqual(
    byKey(await values.reduceByKey((a, b) => a + b).collect()),
    plainSums((v) => v * 3),
  );
  assert.equal(mapped.value, 1000);
  assert.deepEqual(
    byKey(await values.foldByKey(0, (a, b) => a + b).collect()),
    plainSums((v) => v * 3),
  );
  const combined = await values
    .combineByKey(
      (v) => [v],
      (c, v) => [...c, v],
      (a, b) => [...a, ...b],
    )
    .mapValues((vs) => vs.reduce((a, b) => a + b, 0))
    .collect();
  assert.deepEqual(
    byKey(combined),
    plainSums((v) => v * 3),
  );
  assert.equal(mapped.value, 3000);
});

test('an error in the mapValues function names the mapValues RDD', async () => {
  const failing = pairs()
    .mapValues((v) => {
      if (v === 500) throw new Error('no 500');
      return v;
    })
    .setName('values');
  await assert.rejects(failing.reduceByKey((a, b) => a + b).collect(), (e: unknown) => {
    assert.ok(e instanceof KindlingError && e.code === 'TASK_FAILED', String(e));
    assert.match(e.message, /RDD \d+ \(values\)/);
    assert.match(e.message, /no 500/);
    return true;
  });
});

test('a class instance made by the mapValues function is refused, naming the mapValues RDD', async () => {
  const made = pairs()
    .mapValues((v) => {
      class Boxed {
        constructor(readonly v: number) {}
        get twice(): number {
          return this.v * 2;
        }
      }
      return new Boxed(v);
    })
    .setName('boxes');
  await assert.rejects(
    made.reduceByKey((a) => a).collect(),
    (e: unknown) => e instanceof Error && /Boxed/.test(e.message) && /boxes/.test(e.message),
  );
});

test('a persisted or checkpointed mapValues RDD keeps its partitions: not fused', async () => {
  const mapped = ctx.longAccumulator('values mapped');
  const values = pairs()
    .mapValues(
      (v, env) => {
        env.mapped.add(1);
        return v + 1;
      },
      { env: { mapped } },
    )
    .persist();
  const sums = () => values.reduceByKey((a, b) => a + b).collect();
  assert.equal((await sums()).length, 7);
  assert.equal((await sums()).length, 7);
  assert.equal(mapped.value, 1000, 'the second job read the cached partitions');

  const marked = pairs().mapValues((v) => v * 2);
  marked.checkpoint();
  const out = await marked.reduceByKey((a, b) => a + b).collect();
  assert.deepEqual(
    out.sort((a, b) => a[0] - b[0]),
    plainSums((v) => v * 2),
  );
  assert.equal(marked.isCheckpointed(), true);
  assert.equal(await marked.count(), 1000);
});

/** Keys of every kind a key may be, values numbers: from a seed, so a failure replays. */
function randomPairs(seed: number, n: number): [unknown, number][] {
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const keyOf = (): unknown => {
    const r = next();
    if (r < 0.15) return Math.floor(next() * 20);
    if (r < 0.25) return [-0, 0, NaN, 1.5, -1.5][Math.floor(next() * 5)];
    if (r < 0.45) return 'k' + Math.floor(next() * 20);
    if (r < 0.6) return BigInt(Math.floor(next() * 5));
    if (r < 0.8) return ['a' + Math.floor(next() * 3), Math.floor(next() * 3)];
    return [[Math.floor(next() * 2)], 'n' + Math.floor(next() * 2)];
  };
  return Array.from({ length: n }, () => [keyOf(), Math.floor(next() * 100)]);
}

/** A key as plain code would key a Map: by value, -0 as 0, arrays element by element. */
function plainKey(k: unknown): string {
  if (typeof k === 'bigint') return `${k}n`;
  if (Object.is(k, -0)) return '0';
  if (Array.isArray(k)) return `[${k.map(plainKey).join(',')}]`;
  return typeof k === 'string' ? JSON.stringify(k) : String(k);
}

function sortedByKey<T extends [unknown, unknown]>(out: T[]): [string, unknown][] {
  return out
    .map(([k, v]): [string, unknown] => [plainKey(k), v])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('a run of every step kind gives what plain code gives, collected, reduced by key and made distinct', async () => {
  for (const seed of [1, 2, 3]) {
    const data = randomPairs(seed, 3000);
    const parts = 1 + (seed % 5);
    // map -> filter -> keyBy -> values -> mapValues -> keys... as one run, then every sink.
    const run = ctx
      .parallelize(data, parts)
      .map(([k, v]) => [k, v * 2] as [unknown, number])
      .filter(([, v]) => v % 3 !== 0)
      .keyBy(([k]) => k)
      .values()
      .mapValues((v) => v + 1);
    const plain = data
      .map(([k, v]) => [k, v * 2] as [unknown, number])
      .filter(([, v]) => v % 3 !== 0)
      .map(([k, v]) => [k, v + 1] as [unknown, number]);
    assert.deepEqual(sortedByKey(await run.collect()), sortedByKey(plain), `seed ${seed}`);

    const sums = new Map<string, [unknown, number]>();
    for (const [k, v] of plain) {
      const at = sums.get(plainKey(k));
      sums.set(plainKey(k), [k, (at?.[1] ?? 0) + v]);
    }
    const reduced = await run.reduceByKey((a, b) => a + b, parts + 1).collect();
    assert.deepEqual(sortedByKey(reduced), sortedByKey([...sums.values()]), `seed ${seed}`);

    const keys = await run
      .keys()
      .distinct(parts + 2)
      .collect();
    assert.deepEqual(
      keys.map(plainKey).sort(),
      [...sums.keys()].sort(),
      `seed ${seed}: distinct keys`,
    );
  }
});

test('an error in a step names the RDD of that step, inside a run and at its top', async () => {
  const calls = ctx
    .range(0, 100, 1, 2)
    .map((i) => {
      if (i === 42) throw new Error('inner 42');
      return i;
    })
    .setName('inner')
    .map((i) => [i % 3, i] as [number, number])
    .setName('outer');
  for (const job of [() => calls.collect(), () => calls.reduceByKey((a, b) => a + b).collect()]) {
    await assert.rejects(job(), (e: unknown) => {
      assert.ok(e instanceof KindlingError && e.code === 'TASK_FAILED', String(e));
      assert.match(e.message, /RDD \d+ \(inner\)/);
      assert.match(e.message, /inner 42/);
      return true;
    });
  }
  const top = ctx
    .range(0, 100, 1, 2)
    .map((i) => i)
    .setName('first')
    .filter((i) => {
      if (i === 7) throw new Error('top 7');
      return true;
    })
    .setName('last');
  await assert.rejects(top.count(), /RDD \d+ \(last\).*top 7/s);
});

test('a record that is not a pair reaching a fused mapValues is refused, naming mapValues', async () => {
  const bad = ctx
    .range(0, 10, 1, 2)
    .map((i) => (i === 5 ? i : [i, i]) as [number, number])
    .mapValues((v) => v + 1);
  for (const job of [() => bad.collect(), () => bad.reduceByKey((a, b) => a + b).collect()]) {
    await assert.rejects(job(), (e: unknown) => {
      assert.ok(e instanceof KindlingError, String(e));
      assert.match(e.message, /mapValues/);
      assert.match(e.message, /\[key, value\] pair/);
      return true;
    });
  }
});

test('a persisted RDD inside a run of steps is computed once, and the steps around it run once a job', async () => {
  const before = ctx.longAccumulator('before the persisted RDD');
  const after = ctx.longAccumulator('after it');
  const cached = ctx
    .range(0, 500, 1, 3)
    .map(
      (i, env) => {
        env.before.add(1);
        return i * 2;
      },
      { env: { before } },
    )
    .persist();
  const top = cached.map(
    (i, env) => {
      env.after.add(1);
      return [(i / 2) % 10, i] as [number, number];
    },
    { env: { after } },
  );
  for (let job = 0; job < 2; job++) {
    const out = await top.reduceByKey((a, b) => a + b).collect();
    assert.equal(out.length, 10);
    assert.equal(
      out.reduce((a, [, v]) => a + v, 0),
      2 * ((499 * 500) / 2),
    );
  }
  assert.equal(before.value, 500, 'the persisted partitions were read the second time');
  assert.equal(after.value, 1000, 'the step after the persisted RDD ran once a record a job');
});

test('steps after a join run inside its probe: inner and outer joins give what plain code gives, errors name the step', async () => {
  const keyed = (xs: [unknown, number][]) =>
    xs.filter(([k]) => typeof k === 'number' || typeof k === 'string');
  const left = keyed(randomPairs(7, 2000));
  const right = keyed(randomPairs(8, 300));
  const l = ctx.parallelize(left, 3);
  const r = ctx.parallelize(right, 2);
  // The steps: keep [key, [a, b]] when a + b > 20 (a missing side counts -1), then one number.
  const plainJoin = (outer: boolean): string[] => {
    const out: [unknown, number][] = [];
    const emit = (k: unknown, a: number, b: number) => {
      if (a + b > 20) out.push([k, a * 1000 + b]);
    };
    const matched = new Set<string>();
    for (const [lk, lv] of left) {
      let any = false;
      for (const [rk, rv] of right) {
        if (plainKey(lk) !== plainKey(rk)) continue;
        any = true;
        matched.add(plainKey(rk));
        emit(lk, lv, rv);
      }
      if (!any && outer) emit(lk, lv, -1);
    }
    if (outer) for (const [rk, rv] of right) if (!matched.has(plainKey(rk))) emit(rk, -1, rv);
    return sortedByKey(out)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort();
  };
  const steps = (joined: RDD<[unknown, [number | undefined, number | undefined]]>) =>
    joined
      .filter(([, [a, b]]) => (a ?? -1) + (b ?? -1) > 20)
      .map(([k, [a, b]]) => [k, (a ?? -1) * 1000 + (b ?? -1)] as [unknown, number]);
  const got = async (rdd: RDD<[unknown, number]>) =>
    sortedByKey(await rdd.collect())
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort();
  assert.deepEqual(await got(steps(l.join(r))), plainJoin(false));
  assert.deepEqual(await got(steps(l.fullOuterJoin(r))), plainJoin(true));

  const failing = l
    .join(r)
    .map(([k]) => {
      if (k === 'k3') throw new Error('after the join');
      return k;
    })
    .setName('after join');
  await assert.rejects(failing.collect(), /RDD \d+ \(after join\).*after the join/s);
});

test('a chain of a hundred maps and filters (fused 32 steps a loop) gives the plain answer', async () => {
  let rdd = ctx.range(0, 5000, 1, 3);
  let plain = Array.from({ length: 5000 }, (_, i) => i);
  for (let step = 0; step < 100; step++) {
    if (step % 10 === 9) {
      rdd = rdd.filter((x) => x % 7 !== 3);
      plain = plain.filter((x) => x % 7 !== 3);
    } else {
      rdd = rdd.map((x) => x + 1);
      plain = plain.map((x) => x + 1);
    }
  }
  assert.deepEqual(
    (await rdd.collect()).sort((a, b) => a - b),
    plain.sort((a, b) => a - b),
  );
});

test('fused loops run in a process that refuses code generation from strings, as user functions do', async () => {
  // new Function is refused under --disallow-code-generation-from-strings; the loops are
  // compiled by vm, as shipped user functions are.
  const script = `
import { Context } from 'kindling';
const ctx = new Context({ workers: 1, progress: false });
const out = await ctx.range(0, 999, 1, 2).map((i) => [i % 3, 1]).reduceByKey((a, b) => a + b).collect();
console.log(JSON.stringify(out.sort((a, b) => a[0] - b[0])));
await ctx.stop();
`;
  const child = spawn(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
    {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), '[[0,333],[1,333],[2,333]]');
});
