// checkpointAllMarkedAncestors: true checkpoints every marked RDD of the
// lineage in the job, parents first, across shuffles too (Spark's
// CheckpointSuite "checkpointAllMarkedAncestors"); false is tested in
// reliable-checkpoint.test.ts.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Context } from 'kindling';
import { countedRange, removeTempDirs, tempDir } from './helpers.js';

const ctx = new Context({
  workers: 2,
  progress: false,
  checkpointDir: tempDir('all-marked'),
  checkpointAllMarkedAncestors: true,
});
const order: number[] = [];
ctx.on('checkpointWritten', (e) => order.push(e.rddId));
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('checkpointAllMarkedAncestors: true', () => {
  it('checkpoints a marked parent together with its marked child, parent first', async () => {
    const r1 = ctx.range(0, 10, 1, 2);
    r1.checkpoint();
    const r2 = r1.map((x) => x + 1);
    r2.checkpoint();
    order.length = 0;
    assert.equal(await r2.count(), 10);
    assert.equal(r1.isCheckpointed(), true);
    assert.equal(r2.isCheckpointed(), true);
    assert.deepEqual(order, [r1.id, r2.id]);
  });

  it('reaches marked ancestors across a shuffle, still computing each record once', async () => {
    const { rdd, acc } = countedRange(ctx, 3000, 3);
    const keyed = rdd.map((x) => [(x / 2) % 4, x] as [number, number]);
    keyed.checkpoint();
    const reduced = keyed.reduceByKey((a, b) => a + b);
    reduced.checkpoint();
    const total = reduced.mapValues((v) => v * 2);
    assert.equal(await total.count(), 4);
    assert.equal(keyed.isCheckpointed(), true);
    assert.equal(reduced.isCheckpointed(), true);
    assert.equal(acc.value, 3000);
  });
});
