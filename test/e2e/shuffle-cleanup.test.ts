// Map output lives as long as an RDD can read it: once the shuffled RDD is
// garbage-collected its files are deleted (Spark's ContextCleaner), not only at stop().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Context } from 'kindling';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-cleanup-'));
const ctx = new Context({ workers: 2, progress: false, localDir });
after(async () => {
  await ctx.stop();
  fs.rmSync(localDir, { recursive: true, force: true });
});

const shuffleFiles = (): string[] =>
  (fs.readdirSync(localDir, { recursive: true }) as string[]).filter((f) =>
    path.basename(f).startsWith('shuffle_'),
  );

async function countThroughShuffle(): Promise<number> {
  const counted = ctx
    .parallelize(['a', 'b', 'a', 'c'], 2)
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b);
  return counted.count();
}

test('shuffle files are deleted once no RDD can read them', async () => {
  assert.equal(await countThroughShuffle(), 3);
  assert.ok(shuffleFiles().length > 0, 'the job wrote map output');
  // Finalizers run after a collection, on a later turn of the event loop.
  for (let i = 0; i < 100 && shuffleFiles().length > 0; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(shuffleFiles(), []);
});
