// The live UI's JSON API (/api/v1, named like Spark's REST API) against a context running real
// jobs: job and task counts, durations, failures with their cause; and the port search.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, ui: 0, maxTaskFailures: 2 });
after(() => ctx.stop());

async function get(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.json();
}

interface JobJson {
  jobId: number;
  status: string;
  durationMs?: number;
  numTasks: number;
  numCompletedTasks: number;
  numFailedTasks: number;
  stageIds: number[];
  failure?: { code?: string; message: string };
}

test('the jobs API lists each job with its status, duration, task counts and failure', async () => {
  const base = `${await ctx.uiWebUrl()}/api/v1/applications`;
  assert.equal(
    await ctx
      .parallelize(['a', 'b', 'a'], 3)
      .map((w): [string, number] => [w, 1])
      .reduceByKey((a, b) => a + b)
      .count(),
    2,
  );
  // One partition, so that its two failed attempts are all the failed job runs: a second
  // partition's task may or may not end before the job fails (Spark kills it), which would make
  // the executors' task count below a race.
  await assert.rejects(
    ctx
      .parallelize([2], 1)
      .map((x) => {
        if (x === 2) throw new TypeError('no twos');
        return x;
      })
      .collect(),
  );
  const apps = (await get(base)) as { id: string }[];
  assert.deepEqual(
    apps.map((a) => a.id),
    [ctx.applicationId],
  );
  const jobs = (await get(`${base}/${ctx.applicationId}/jobs`)) as JobJson[];
  assert.deepEqual(
    jobs.map((j) => [j.jobId, j.status]),
    [
      [1, 'FAILED'],
      [0, 'SUCCEEDED'],
    ],
  );
  const [failed, ok] = jobs as [JobJson, JobJson];
  assert.equal(ok.stageIds.length, 2);
  assert.equal(ok.numCompletedTasks, ok.numTasks);
  assert.ok(typeof ok.durationMs === 'number' && ok.durationMs >= 0);
  assert.equal(failed.numFailedTasks, 2, 'both attempts of its partition');
  assert.equal(failed.failure?.code, 'TASK_FAILED');
  assert.match(failed.failure?.message ?? '', /no twos/);
  const stage = (await get(`${base}/${ctx.applicationId}/stages/${failed.stageIds[0]}`)) as {
    status: string;
    tasks: { successful: boolean; failure?: { kind: string; name?: string; message: string } }[];
  };
  assert.equal(stage.status, 'FAILED');
  const failures = stage.tasks.filter((t) => !t.successful).map((t) => t.failure);
  assert.equal(failures.length, 2);
  for (const f of failures) {
    assert.equal(f?.kind, 'exception');
    assert.equal(f?.name, 'TypeError');
  }
  const workers = (await get(`${base}/${ctx.applicationId}/executors`)) as { tasks: number }[];
  assert.equal(
    workers.reduce((n, w) => n + w.tasks, 0),
    ok.numTasks + 2,
    'every attempt ran on some thread',
  );
});

test('the checkpoints and storage APIs list a checkpointed and a cached RDD by name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ui-cp-'));
  try {
    ctx.setCheckpointDir(dir);
    const rdd = ctx
      .parallelize([1, 2, 3, 4], 2)
      .setName('marked')
      .map((x) => x + 1);
    rdd.setName('checkpointed').checkpoint();
    const cached = ctx.range(0, 6, 1, 3).setName('kept').cache();
    assert.equal(await rdd.count(), 4);
    assert.equal(await cached.count(), 6);
    const base = `${await ctx.uiWebUrl()}/api/v1/applications/${ctx.applicationId}`;
    const cps = (await get(`${base}/checkpoints`)) as {
      rddId: number;
      name?: string;
      partitions: number;
      records: number;
      path?: string;
      codec?: string;
    }[];
    assert.deepEqual(
      cps.map((c) => [c.rddId, c.name, c.partitions, c.records]),
      [[rdd.id, 'checkpointed', 2, 4]],
    );
    assert.equal(cps[0]?.path, rdd.getCheckpointFile());
    assert.equal(cps[0]?.codec, 'lz4');
    const storage = (await get(`${base}/storage/rdd`)) as {
      id: number;
      name?: string;
      numCachedPartitions: number;
      memoryUsed: number;
    }[];
    const kept = storage.find((r) => r.id === cached.id);
    assert.equal(kept?.name, 'kept');
    assert.equal(kept?.numCachedPartitions, 3);
    assert.ok((kept?.memoryUsed ?? 0) > 0);
    // One RDD, with its partitions (Spark's RDDStorageInfo.partitions).
    const one = (await get(`${base}/storage/rdd/${cached.id}`)) as {
      id: number;
      partitions: { blockName: string; where: string; records: number }[];
    };
    assert.equal(one.id, cached.id);
    assert.deepEqual(
      one.partitions.map((p) => [p.blockName, p.where, p.records]),
      [0, 1, 2].map((i) => [`rdd_${cached.id}_${i}`, 'memory', 2]),
    );
    assert.equal((await fetch(`${base}/storage/rdd/${rdd.id}`)).status, 404);
    cached.unpersist();
    const after = (await get(`${base}/storage/rdd`)) as { id: number }[];
    assert.equal(
      after.find((r) => r.id === cached.id),
      undefined,
      'unpersisted RDDs leave the storage list',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint reports its bytes before compression, so the page shows the compression ratio', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ui-ratio-'));
  try {
    ctx.setCheckpointDir(dir);
    const rdd = ctx.range(0, 2000, 1, 2).map((i) => `${i % 7}`.repeat(200));
    rdd.setName('compressible').checkpoint();
    assert.equal(await rdd.count(), 2000);
    const base = `${await ctx.uiWebUrl()}/api/v1/applications/${ctx.applicationId}`;
    const cps = (await get(`${base}/checkpoints`)) as {
      rddId: number;
      bytes: number;
      rawBytes?: number;
    }[];
    const cp = cps.find((c) => c.rddId === rdd.id);
    // 2000 strings of 200 characters: at least 400 kB before lz4, far less after.
    assert.ok((cp?.rawBytes ?? 0) >= 400_000, `rawBytes ${cp?.rawBytes}`);
    assert.ok((cp?.rawBytes ?? 0) > 5 * (cp?.bytes ?? Infinity), `bytes ${cp?.bytes}`);
    const page = await (await fetch(`${await ctx.uiWebUrl()}/checkpoints`)).text();
    assert.match(page, /class="compression-ratio">\s*\d+\.\d\dx/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown application or job is a 404 with a JSON error', async () => {
  const base = `${await ctx.uiWebUrl()}/api/v1/applications`;
  const noApp = await fetch(`${base}/nope/jobs`);
  assert.equal(noApp.status, 404);
  assert.match(((await noApp.json()) as { error: string }).error, /nope/);
  assert.equal((await fetch(`${base}/${ctx.applicationId}/jobs/999`)).status, 404);
});

test('a UI port in use moves the UI to the next free port, as Spark does', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as net.AddressInfo).port;
  const other = new Context({ workers: 1, progress: false, ui: taken });
  try {
    const url = new URL((await other.uiWebUrl()) ?? assert.fail('the UI listens'));
    const port = Number(url.port);
    assert.ok(port > taken && port <= taken + 16, `port ${port} after ${taken}`);
  } finally {
    await other.stop();
    blocker.close();
  }
});
