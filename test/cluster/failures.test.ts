// Cluster mode when things are not right: Redis unreachable or refusing the password, no
// worker connected yet, a worker of another version, a worker told to stop. Each case ends
// in the exact answer or a KindlingError naming the master URL, never in a hang.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context, isKindlingError, type KindlingError } from 'kindling';
import { freePort, skipReason, startImpostor, TestCluster } from './helpers.js';

const sumOfSquares = (ctx: Context): Promise<number> =>
  ctx
    .range(0, 1000, 1, 4)
    .map((x) => x * x)
    .reduce((a, b) => a + b);
const EXPECTED = Array.from({ length: 1000 }, (_, i) => i * i).reduce((a, b) => a + b);

describe('cluster failures', { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ password: 's3cret' });
  });
  after(() => cluster?.stop());

  /** The CLUSTER_UNREACHABLE an action fails with on a Context whose master is `url`. */
  async function unreachable(url: string): Promise<KindlingError> {
    const ctx = new Context({ master: url, storage: cluster.storage, progress: false });
    try {
      await sumOfSquares(ctx);
    } catch (e) {
      assert.ok(isKindlingError(e, 'CLUSTER_UNREACHABLE'), String(e));
      assert.doesNotMatch(e.message, /Connection is closed/);
      return e;
    } finally {
      await ctx.stop();
    }
    assert.fail(`an action against ${url} succeeded`);
  }

  it('an action against an unreachable Redis fails with CLUSTER_UNREACHABLE naming the URL and the refused connection', async () => {
    const port = await freePort();
    const url = `redis://:hunter2@127.0.0.1:${port}`;
    const e = await unreachable(url);
    assert.match(e.message, new RegExp(url.replace(':hunter2@', ':\\*\\*\\*@')));
    assert.doesNotMatch(e.message, /hunter2/);
    assert.match(
      e.message,
      new RegExp(`connection refused: nothing listens on 127\\.0\\.0\\.1:${port}`),
    );
    assert.equal(e.context.errno, 'ECONNREFUSED');
  });

  it('an IPv6 master is connected to as such: a refused connection names [::1] and its port', async () => {
    const port = await freePort();
    const e = await unreachable(`redis://[::1]:${port}`);
    assert.ok(
      e.message.includes(`connection refused: nothing listens on [::1]:${port}`),
      e.message,
    );
  });

  it('a master host that does not resolve is named as not found', async () => {
    const e = await unreachable('redis://nosuch.invalid:6379');
    assert.match(e.message, /redis:\/\/nosuch\.invalid:6379: host not found: nosuch\.invalid /);
  });

  it('a master port where an HTTP server listens is named as not a Redis server', async () => {
    const http = await startImpostor('http');
    try {
      const e = await unreachable(http.url);
      assert.ok(e.message.includes(`${http.address} is not a Redis server`), e.message);
    } finally {
      await http.close();
    }
  });

  it(
    'a master port where a server accepts and never answers fails in seconds, named as no Redis reply',
    { timeout: 30_000 },
    async () => {
      const silent = await startImpostor('silent');
      try {
        const e = await unreachable(silent.url);
        assert.ok(
          e.message.includes(`${silent.address} accepted the connection but sent no Redis reply`),
          e.message,
        );
      } finally {
        await silent.close();
      }
    },
  );

  it('a Redis that requires a password, given none, says so', async () => {
    const e = await unreachable(cluster.url.replace(':s3cret@', ''));
    assert.match(e.message, /127\.0\.0\.1:\d+ requires a password and the URL has none/);
    assert.equal(e.context.errno, 'NOAUTH');
  });

  it('a wrong password is refused with CLUSTER_UNREACHABLE saying the password was refused, never showing it', async () => {
    const e = await unreachable(cluster.url.replace('s3cret', 'wrong'));
    assert.match(e.message, /127\.0\.0\.1:\d+ refused the password of the URL/);
    assert.doesNotMatch(e.message, /wrong/);
    assert.equal(e.context.errno, 'WRONGPASS');
  });

  it('a job with no worker connected waits, says so, and finishes when a worker starts', async () => {
    const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    const warned = new Promise<string>((resolve) =>
      ctx.on('warning', (w) => {
        if (/No kindling worker is connected/.test(w.message)) resolve(w.message);
      }),
    );
    try {
      const result = sumOfSquares(ctx);
      const message = await warned;
      assert.doesNotMatch(message, /s3cret/);
      await cluster.startWorker('late');
      assert.equal(await result, EXPECTED);
    } finally {
      await ctx.stop();
    }
  });

  it('a worker of another version is refused and runs none of the tasks', async () => {
    const old = await cluster.startWorker('old', { env: { KINDLING_WORKER_VERSION: '0.0.1' } });
    const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    const refused: string[] = [];
    ctx.on('warning', (w) => {
      if (/Worker old .* refused/.test(w.message)) refused.push(w.message);
    });
    try {
      assert.equal(await sumOfSquares(ctx), EXPECTED);
      assert.equal(refused.length, 1);
      await old.waitFor(
        /refusing application .* kindling 0\.1\.0\+[0-9a-f]{10}, this worker 0\.0\.1/,
      );
      assert.ok(!old.lines.some((l) => /serving application/.test(l)));
    } finally {
      await ctx.stop();
      await cluster.kill('old');
    }
  });

  it('Redis lost in the middle of a job fails the action naming the URL, without a hang', async () => {
    const own = await TestCluster.start();
    await own.startWorker('orphan');
    const ctx = new Context({ master: own.url, storage: own.storage, progress: false });
    try {
      const firstTask = new Promise<void>((resolve) => ctx.on('taskEnd', () => resolve()));
      const result = ctx
        .range(0, 6, 1, 6)
        .map((x) => {
          let s = 0;
          for (let i = 0; i < 2e7; i++) s += i % 7;
          return x + (s > 0 ? 0 : 1);
        })
        .collect();
      await firstTask;
      own.redis.child.kill('SIGKILL');
      await assert.rejects(result, (e: unknown) => {
        assert.ok(isKindlingError(e), String(e));
        assert.ok(e.message.includes(own.url), e.message);
        return true;
      });
    } finally {
      await ctx.stop();
      await own.stop();
    }
  });

  it('SIGTERM drains a worker: it exits 0 and the job still gives its answer', async () => {
    const ctx = new Context({ master: cluster.url, storage: cluster.storage, progress: false });
    const doomed = await cluster.startWorker('drained');
    try {
      // Kill the first worker as soon as a task has ended, while the others are queued.
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
      doomed.child.kill('SIGTERM');
      assert.deepEqual(await doomed.exited, { code: 0, signal: null });
      assert.ok(doomed.lines.some((l) => /SIGTERM: draining/.test(l)));
      assert.deepEqual(await result, [0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await ctx.stop();
    }
  });
});
