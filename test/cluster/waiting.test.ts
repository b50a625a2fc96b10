// Tasks with no worker to run them wait rather than fail: a job started before any worker,
// and a job whose only worker leaves in the middle, each say so (a `warning` event, and the
// progress bar's "waiting for a worker (none connected to <url>)") and finish with the exact
// answer once a worker starts.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Context } from 'kindling';
import { Proc, skipReason, TestCluster } from './helpers.js';

const INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));
const EXPECTED_SUM = Array.from({ length: 1000 }, (_, i) => i * i).reduce((a, b) => a + b);

/** A driver process with the progress bar on, its stderr a pipe we read line by line. */
function driverWithProgressBar(url: string, storage: string): Proc {
  const script = `
    import { Context } from ${JSON.stringify(INDEX)};
    const ctx = new Context({ master: process.env.URL, storage: process.env.STORAGE, progress: true });
    ctx.on('warning', (w) => console.log('warning: ' + w.message));
    const sum = await ctx.range(0, 1000, 1, 4).map((x) => x * x).reduce((a, b) => a + b);
    console.log('sum ' + sum);
    await ctx.stop();
  `;
  return new Proc(
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, URL: url, STORAGE: storage },
    }),
  );
}

describe('tasks waiting for a worker', { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ password: 'pw' });
  });
  after(() => cluster?.stop());

  it('a job started with no worker shows it on its progress bar, then finishes when one starts', async () => {
    const driver = driverWithProgressBar(cluster.url, cluster.storage);
    // The progress bar redraws one line with '\r' and no newline: keep its raw output.
    let stderr = '';
    driver.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const display = cluster.url.replace(':pw@', ':***@');
      const warning = await driver.waitFor(/^warning: No kindling worker is connected/);
      assert.ok(warning.includes(display) && !warning.includes(':pw@'), warning);
      await cluster.startWorker('first');
      assert.equal(await driver.waitFor(/^sum /), `sum ${EXPECTED_SUM}`);
      assert.deepEqual(await driver.exited, { code: 0, signal: null });
      // On a pipe the bar assumes 80 columns: the note first, the narrowed bar after it, cut.
      const draws = stderr.split('\r').map((d) => d.replace('\x1b[K', ''));
      const waiting = draws.findIndex((d) =>
        d.startsWith(`waiting for a worker (none connected to ${display}) [Stage 0:`),
      );
      assert.ok(waiting >= 0, JSON.stringify(stderr));
      assert.ok(
        draws.slice(waiting + 1).some((d) => d.startsWith('[Stage 0:')),
        'the bar drops the note once a worker is connected',
      );
    } finally {
      driver.child.kill('SIGKILL');
      await cluster.kill('first', 'SIGTERM');
    }
  });

  it('a job whose only worker leaves mid-stage waits, says so, and finishes on the next worker', async () => {
    const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    const solo = await cluster.startWorker('solo');
    const events: string[] = [];
    ctx.on('executorRemoved', (e) => events.push(`removed ${e.name}`));
    ctx.on('executorAdded', (e) => events.push(`added ${e.name}`));
    const waiting = new Promise<void>((resolve) =>
      ctx.on('warning', (w) => {
        if (!/No kindling worker is connected/.test(w.message)) return;
        events.push('waiting');
        resolve();
      }),
    );
    try {
      const firstTask = new Promise<void>((resolve) => ctx.on('taskEnd', () => resolve()));
      const result = ctx
        .range(0, 8, 1, 8)
        .map((x) => {
          let s = 0;
          for (let i = 0; i < 2e7; i++) s += i % 7;
          return x + (s > 0 ? 0 : 1);
        })
        .collect();
      await firstTask;
      solo.child.kill('SIGTERM');
      assert.deepEqual(await solo.exited, { code: 0, signal: null });
      await waiting;
      await cluster.startWorker('relief');
      assert.deepEqual(await result, [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(events, ['added solo', 'removed solo', 'waiting', 'added relief']);
    } finally {
      await ctx.stop();
      await cluster.kill('relief', 'SIGTERM');
    }
  });
});
