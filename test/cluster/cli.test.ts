// The command line in cluster mode: `kindling run JOB --master URL --storage DIR` prints what
// the same job prints locally (also as the README's two-machine example does it, on one
// machine), and `kindling worker` refuses a bad or unreachable master.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, skipReason, startImpostor, TestCluster } from './helpers.js';
import { kindling } from '../kindling-cli.js';

describe('kindling in cluster mode', { skip: skipReason }, () => {
  let cluster: TestCluster;
  let job = '';
  before(async () => {
    cluster = await TestCluster.start();
    await cluster.startWorker('cli-w1');
    job = path.join(cluster.storage, 'wc.mjs');
    fs.writeFileSync(
      job,
      `export default async (ctx) => (await ctx.parallelize(['a b', 'b c', 'c a a'], 3)
        .flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b)
        .sortByKey().collect());\n`,
    );
  });
  after(() => cluster?.stop());

  it('kindling run --master prints what the local run prints', async () => {
    const local = await kindling('run', job);
    const remote = await kindling(
      'run',
      job,
      '--master',
      cluster.url,
      '--storage',
      path.join(cluster.storage, 'app'),
    );
    assert.equal(local.code, 0, local.stderr);
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(remote.stdout, local.stdout);
    assert.match(remote.stdout, /\[ 'a', 3 \]/);
  });

  it('kindling worker against an unreachable master exits 1 naming the URL and the refused connection', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const out = await kindling('worker', '--master', url);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /CLUSTER_UNREACHABLE/);
    assert.ok(out.stderr.includes(url), out.stderr);
    assert.ok(
      out.stderr.includes(`connection refused: nothing listens on 127.0.0.1:${port}`),
      out.stderr,
    );
    assert.doesNotMatch(out.stderr, /Connection is closed|\n\s+at /);
  });

  it('kindling worker names a master host that does not resolve, a server that is not Redis, and a missing password', async () => {
    const http = await startImpostor('http');
    const locked = await TestCluster.start({ password: 'pw' });
    try {
      const cases: [string, string][] = [
        ['redis://nosuch.invalid:6379', 'host not found: nosuch.invalid'],
        [http.url, `${http.address} is not a Redis server`],
        [locked.url.replace(':pw@', ''), 'requires a password and the URL has none'],
      ];
      for (const [url, why] of cases) {
        const out = await kindling('worker', '--master', url);
        assert.equal(out.code, 1, out.stderr);
        assert.ok(out.stderr.includes(url), out.stderr);
        assert.ok(out.stderr.includes(why), `${why} in:\n${out.stderr}`);
        assert.doesNotMatch(out.stderr, /Connection is closed|\n\s+at /);
      }
    } finally {
      await http.close();
      await locked.stop();
    }
  });

  it('kindling run --master against an unreachable master exits 1 naming the URL and the refused connection', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const out = await kindling(
      'run',
      job,
      '--master',
      url,
      '--storage',
      path.join(cluster.storage, 'nowhere'),
      '--no-ui',
    );
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /CLUSTER_UNREACHABLE/);
    assert.ok(
      out.stderr.includes(`${url}: connection refused: nothing listens on 127.0.0.1:${port}`),
      out.stderr,
    );
  });

  it('kindling worker with a master that is not a redis URL is a usage error', async () => {
    const out = await kindling('worker', '--master', 'local');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--master/);
  });
});

describe("the README's two-machine example, on one machine", { skip: skipReason }, () => {
  let cluster: TestCluster;
  before(async () => {
    // redis-server --requirepass s3cret --save '' --appendonly no, as the README starts it.
    cluster = await TestCluster.start({ password: 's3cret' });
  });
  after(() => cluster?.stop());

  it('workers a and b with --threads and kindling run --master with a password give the local answer', async () => {
    const [a, b] = await Promise.all([
      cluster.startWorker('a', { threads: 2 }),
      cluster.startWorker('b', { threads: 2 }),
    ]);
    const job = path.join(cluster.storage, 'job.mjs');
    fs.writeFileSync(
      job,
      `export default async (ctx) => (await ctx.range(0, 10_000, 1, 8).map((x) => [x % 7, x])
        .reduceByKey((p, q) => p + q).sortByKey().collect());\n`,
    );
    const local = await kindling('run', job);
    const shared = path.join(cluster.storage, 'kindling');
    const remote = await kindling('run', job, '--master', cluster.url, '--storage', shared);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(remote.stdout, local.stdout);
    assert.ok(cluster.url.startsWith('redis://:s3cret@'), cluster.url);
    for (const worker of [a, b]) await worker.waitFor(/serving application/);
  });
});
