// A driver's life in cluster mode: a program that ends without ctx.stop() exits as it does in
// local mode (its Redis connections do not hold it; a job in flight does), and the workers
// leave its application once its announcement lapses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Proc, skipReason, TestCluster } from './helpers.js';

const INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));

describe('a driver that never calls stop()', { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(() => cluster?.stop());

  // The timeout bounds the failure (a process kept alive), not a measurement.
  it(
    'exits once its jobs are done, and the workers leave its application',
    { timeout: 120_000 },
    async () => {
      const worker = await cluster.startWorker('lifecycle');
      const script = `
      import { Context } from ${JSON.stringify(INDEX)};
      const ctx = new Context({ master: process.env.URL, storage: process.env.STORAGE, progress: false });
      console.log('app ' + ctx.contextId);
      console.log('count ' + (await ctx.range(0, 100, 1, 4).count()));
      // Not coordination: a pause past the completion reader's idle close, so the second
      // job reopens it.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      console.log('sum ' + (await ctx.range(0, 100, 1, 4).reduce((a, b) => a + b)));
    `;
      const driver = new Proc(
        spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, URL: cluster.url, STORAGE: cluster.storage },
        }),
      );
      const appId = (await driver.waitFor(/^app /)).slice('app '.length);
      assert.deepEqual(await driver.exited, { code: 0, signal: null });
      assert.ok(driver.lines.includes('count 100'), driver.lines.join('\n'));
      assert.ok(driver.lines.includes('sum 4950'), driver.lines.join('\n'));
      await worker.waitFor(new RegExp(`left application ${appId}`));
    },
  );
});
