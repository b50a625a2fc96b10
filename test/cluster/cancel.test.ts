// Cancelling a job in cluster mode stops its running tasks on the workers, as local mode
// terminates their threads: a task stuck forever does not keep a worker's thread from the
// next job, and a stopped driver leaves no task of its running behind.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Context, isKindlingError } from 'kindling';
import { skipReason, TestCluster } from './helpers.js';

/** Resolves once `file` exists (fs.watch on its directory, no polling loop). */
function appears(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = fs.watch(path.dirname(file), () => {
      if (!fs.existsSync(file)) return;
      watcher.close();
      resolve();
    });
    if (fs.existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

/** A job whose one task writes `marker`, then blocks its thread until something kills it. */
function stuckJob(ctx: Context, marker: string): Promise<number> {
  return ctx
    .range(0, 1, 1, 1)
    .map(
      (x, env) => {
        (require('node:fs') as typeof fs).writeFileSync(env.marker, 'started');
        // Until cancelled, in short waits (one endless wait could miss the terminate).
        const until = new Int32Array(new SharedArrayBuffer(4));
        for (let t = 0; t < 600; t++) Atomics.wait(until, 0, 0, 100);
        return x;
      },
      { env: { marker } },
    )
    .count();
}

describe('cancelled tasks in cluster mode', { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
    await cluster.startWorker('only', { threads: 1 });
  });
  after(() => cluster?.stop());

  // The timeout bounds the failure (a thread still stuck), not a measurement.
  it(
    'a cancelled job frees the thread its stuck task held for the next job',
    { timeout: 120_000 },
    async () => {
      const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
      try {
        const marker = path.join(cluster.storage, 'cancel-started');
        const stuck = stuckJob(ctx, marker);
        await appears(marker);
        ctx.cancelAllJobs();
        await assert.rejects(stuck, (e: unknown) => isKindlingError(e, 'JOB_CANCELLED'));
        assert.equal(await ctx.range(0, 10, 1, 2).count(), 10);
      } finally {
        await ctx.stop();
      }
    },
  );

  it(
    'a driver that stops leaves no task of its running on the workers',
    { timeout: 120_000 },
    async () => {
      const marker = path.join(cluster.storage, 'stop-started');
      const gone = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
      // Settled as it happens: stop() rejects the job before anyone awaits it.
      const outcome = stuckJob(gone, marker).then(
        () => 'finished',
        (e: unknown) => e,
      );
      await appears(marker);
      await gone.stop();
      assert.ok(isKindlingError(await outcome, 'JOB_CANCELLED'));
      const next = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
      try {
        assert.equal(await next.range(0, 10, 1, 2).count(), 10);
      } finally {
        await next.stop();
      }
    },
  );
});
