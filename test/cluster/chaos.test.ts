// Chaos: a word count and a sort over several stages on three worker processes; one is killed
// with SIGKILL in the middle of a task of the first stage and a fourth starts once the driver
// has seen it go. BullMQ's stalled-job check hands the lost task to the survivors; the answer
// equals local mode and the accumulator counts every line exactly once.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from 'kindling';
import { skipReason, TestCluster } from './helpers.js';

const LINES = Array.from(
  { length: 240 },
  (_, i) => `w${i % 13} w${(i * 7) % 29} w${(i * 11) % 5} w${i % 3}`,
);

async function job(ctx: Context): Promise<{ sorted: [number, string][]; lines: number }> {
  const lines = ctx.longAccumulator('lines');
  const sorted = await ctx
    .parallelize(LINES, 12)
    .flatMap(
      (line, env) => {
        env.lines.add(1);
        // CPU work, not a timer. On w1 (its name is in the environment a kindling worker gives
        // its threads) a task never ends, and says so on the worker's stdout.
        const stuck = process.env.KINDLING_EXECUTOR_NAME === 'w1';
        if (stuck) console.log('a task on w1 that never ends');
        let s = 0;
        for (let i = 0; i < 1e6 || stuck; i++) s += i % 3;
        return s >= 0 ? line.split(' ') : [];
      },
      { env: { lines } },
    )
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b, { numPartitions: 4 })
    .map(([w, n]) => [[n, w], null] as [[number, string], null])
    .sortByKey(false, { numPartitions: 3 })
    .keys()
    .collect();
  return { sorted: sorted, lines: lines.value };
}

describe('cluster chaos', { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(() => cluster?.stop());

  it('a worker killed mid-stage changes nothing: same answer as local mode, accumulators counted once', async () => {
    const local = new Context({ workers: 2, progress: false });
    const expected = await job(local);
    await local.stop();
    assert.equal(expected.lines, LINES.length);

    // w1 starts alone, so it surely takes a task (killed on the first task to end anywhere, it
    // could be killed before it took one: then no task is lost, rightly, and none is reported).
    // The others join once w1 is stuck in its task, and then w1 is killed.
    const w1 = await cluster.startWorker('w1');
    const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    const lost: string[] = [];
    ctx.on('warning', (w) => {
      if (/lost its worker/.test(w.message)) lost.push(w.message);
    });
    // Another worker joins once the driver has seen w1 go.
    const replaced = new Promise<unknown>((resolve) =>
      ctx.on('executorRemoved', (e) => {
        if (e.name === 'w1') resolve(cluster.startWorker('w4'));
      }),
    );
    const joined = new Promise<void>((resolve) =>
      ctx.on('executorAdded', (e) => {
        if (e.name === 'w4') resolve();
      }),
    );
    const killed = w1.waitFor(/a task on w1 that never ends/).then(async () => {
      await Promise.all(['w2', 'w3'].map((name) => cluster.startWorker(name)));
      return cluster.kill('w1', 'SIGKILL');
    });
    try {
      const got = await job(ctx);
      assert.deepEqual(await killed, { code: null, signal: 'SIGKILL' });
      assert.deepEqual(got, expected);
      assert.equal(got.lines, LINES.length);
      assert.ok(lost.length >= 1, 'the killed worker was running a task');
      await replaced;
      await joined;
      await cluster.kill('w2', 'SIGKILL');
      // A second job, run by the survivor and the late worker, still answers exactly.
      assert.deepEqual(await job(ctx), expected);
    } finally {
      await ctx.stop();
    }
  });
});
