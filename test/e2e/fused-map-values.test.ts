// mapValues fused into the map-side combine it feeds (workers/fused-map-values.ts): the same
// answer, each value mapped once, an error or a refused record naming the mapValues RDD, and no
// fusion where the mapValues RDD's partitions go elsewhere too (persisted, checkpointed).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, KindlingError } from 'kindling';

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
