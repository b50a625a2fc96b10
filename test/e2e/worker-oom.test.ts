// A task that exhausts its worker's heap: the worker dies alone (it has a heap limit of its
// own, workerMemoryMb), the task fails with TASK_FAILED saying so, no 'error' event reaches
// the process, and the context runs the next job on a replacement worker.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, KindlingError } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, workerMemoryMb: 64 });
after(() => ctx.stop());

test('a task that allocates without bound fails with TASK_FAILED naming the worker memory', async () => {
  const attempts: number[] = [];
  ctx.on('taskEnd', (e: { successful: boolean; attempt: number }) => {
    if (!e.successful) attempts.push(e.attempt);
  });
  const err = await ctx
    .range(0, 4, 1, 2)
    .map((x) => {
      if (x !== 3) return x;
      const hoard: { i: number; s: string }[] = [];
      for (let i = 0; ; i++) hoard.push({ i, s: 'x' + i });
    })
    .collect()
    .then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof KindlingError);
  assert.equal(err.code, 'TASK_FAILED');
  assert.match(err.message, /partition 1/);
  assert.match(err.message, /ran out of memory \(workerMemoryMb: 64\)/);
  assert.match(err.message, /more partitions/);
  // Retried once, then failed: the same task runs out of memory every time.
  assert.deepEqual(attempts, [0, 1]);
});

test('the context runs the next job after a worker ran out of memory', async () => {
  assert.equal(
    await ctx
      .range(0, 10_000, 1, 4)
      .map((x) => x * 2)
      .reduce((a, b) => a + b),
    99_990_000,
  );
});

test("a worker's heap is workerMemoryMb plus a young generation stated by Kindling (48 MiB at 64), the same on every Node", async () => {
  // Node 24's V8 would give a worker a 192 MiB young generation whatever its old one: three
  // times a 64 MiB workerMemoryMb, with scavenges promoting more at once than it holds.
  const [heap] = await ctx
    .parallelize([0], 1)
    .map(() => {
      const { resourceLimits } =
        require('node:worker_threads') as typeof import('node:worker_threads');
      const v8 = require('node:v8') as typeof import('node:v8');
      return {
        oldMb: resourceLimits.maxOldGenerationSizeMb,
        youngMb: resourceLimits.maxYoungGenerationSizeMb,
        limitMb: v8.getHeapStatistics().heap_size_limit / 2 ** 20,
      };
    })
    .collect();
  assert.deepEqual(heap, { oldMb: 64, youngMb: 48, limitMb: 64 + 48 });
});

test('workerMemoryMb is validated', () => {
  for (const bad of [0, 8, 1.5, '64', -1]) {
    assert.throws(
      () => new Context({ workerMemoryMb: bad as number }),
      (e: unknown) =>
        e instanceof KindlingError &&
        e.code === 'INVALID_ARGUMENT' &&
        /options\.workerMemoryMb/.test(e.message),
    );
  }
});
