// A worker thread terminated while it loads its module ends alone. A context's workers load
// in parallel; a job that fails as soon as the first has loaded, then stop(), terminates the
// others mid-load. With piscina's require() of the ES module that aborted the whole process on
// Node 20.19+ and 22 (a V8 check in IsGraphAsync), so the pool loads a CommonJS entry that
// import()s the worker module. The rounds run in a child process, since what failed was the
// process itself; before the fix they aborted it in 3 runs of 4 (and in every run of 40).
// A worker module that fails to load fails the job with its own error. A local program loads
// none of the cluster and S3 libraries (~200 ms of every start, before they were lazy).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `script` (an ES module) in a child Node; its exit and output. */
async function runChild(
  script: string,
  cwd: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

const ROUNDS = 16;

const CHILD = `
import { Context } from 'kindling';
for (let round = 0; round < ${ROUNDS}; round++) {
  // The job fails as soon as one worker has loaded; stop() terminates the others mid-load.
  const ctx = new Context({ workers: 8, progress: false, maxTaskFailures: 1 });
  const failure = await ctx
    .range(0, 1, 1, 1)
    .map(() => {
      throw new Error('boom');
    })
    .collect()
    .then(() => undefined, (e) => e);
  await ctx.stop();
  if (failure?.code !== 'TASK_FAILED' || failure.cause?.message !== 'boom')
    throw new Error('round ' + round + ': expected TASK_FAILED caused by boom, got ' + failure);
}
const ctx = new Context({ workers: 4, progress: false });
console.log('rounds done, sum', await ctx.range(0, 8, 1, 4).map((x) => x * 2).sum());
await ctx.stop();
`;

test('stopping a context while its workers load their module does not abort the process', async () => {
  const { code, signal, stdout, stderr } = await runChild(CHILD, process.cwd());
  assert.equal(signal, null, `the child was killed by ${signal}: ${stderr.slice(0, 2000)}`);
  assert.equal(code, 0, stderr.slice(0, 2000));
  assert.match(stdout, /rounds done, sum 56/);
});

test('a worker module that fails to load fails the job with its own error', async () => {
  // A copy of the build whose worker module throws as it loads.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-broken-worker-'));
  try {
    fs.cpSync(path.join(ROOT, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist', 'workers'), path.join(dir, 'dist', 'workers'), {
      recursive: true,
    });
    fs.cpSync(
      path.join(ROOT, 'dist', 'native-bindings'),
      path.join(dir, 'dist', 'native-bindings'),
      {
        recursive: true,
      },
    );
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const worker = path.join(dir, 'dist', 'workers', 'worker.js');
    fs.writeFileSync(
      worker,
      `throw new Error('worker module broken on purpose');\n${fs.readFileSync(worker, 'utf8')}`,
    );
    const { code, stdout, stderr } = await runChild(
      `import { Context } from './dist/src/index.js';
       const ctx = new Context({ workers: 1, progress: false, maxTaskFailures: 1 });
       await ctx.range(0, 4, 1, 1).count().then(
         () => console.log('no error'),
         (e) => console.log(e.code + ': ' + e.message),
       );
       await ctx.stop();`,
      dir,
    );
    assert.equal(code, 0, stderr.slice(0, 2000));
    assert.match(stdout, /^TASK_FAILED: .*worker module broken on purpose/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a local program does not load the cluster or S3 libraries', async () => {
  const { code, stdout, stderr } = await runChild(
    `import { createRequire } from 'node:module';
     import { Context } from 'kindling';
     const ctx = new Context({ workers: 2, progress: false });
     const pairs = ctx.range(0, 8, 1, 4).map((x) => [x % 2, x]);
     const sum = await pairs.reduceByKey((a, b) => a + b).values().sum();
     await ctx.stop();
     const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) =>
       /node_modules[\\\\/](bullmq|ioredis|@aws-sdk)[\\\\/]/.test(f),
     );
     console.log(JSON.stringify({ sum, loaded }));`,
    process.cwd(),
  );
  assert.equal(code, 0, stderr.slice(0, 2000));
  assert.deepEqual(JSON.parse(stdout), { sum: 28, loaded: [] });
});
