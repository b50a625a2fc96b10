// Crashes at chosen points: the chaos test's word count (updateStateByKey,
// mapWithState, saveAsTextFiles) run as a child process and killed with SIGKILL
// when it reports reaching a point, then restarted with getOrCreate; its output
// directories must equal those of an uninterrupted run fed the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildApp, readOutputs } from './child-app.js';

const APP = fileURLToPath(new URL('./fixtures/chaos-app.js', import.meta.url));
const BATCH_MS = 1000;

function writeInput(work: string, id: number): void {
  const dir = path.join(work, 'in');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `.f${id}.tmp`), `f${id} w${id} common\n`);
  fs.renameSync(path.join(dir, `.f${id}.tmp`), path.join(dir, `f${id}.txt`));
}

/** The uninterrupted run: file k before batch k, for k = 1..ticks. */
async function reference(work: string, ticks: number): Promise<Map<string, string[]>> {
  const app = new ChildApp(APP, [work]);
  try {
    await app.expectLine('ready 0');
    for (let k = 1; k <= ticks; k++) {
      writeInput(work, k);
      await app.tick(k * BATCH_MS);
    }
    await app.stop();
  } finally {
    if (!app.exited) app.kill();
  }
  return readOutputs(path.join(work, 'out'));
}

test('a process killed after its first start, before any batch, reads after restart the files that arrived since', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-crash-first-'));
  const work = path.join(root, 'killed');
  const apps: ChildApp[] = [];
  try {
    let app = new ChildApp(APP, [work]);
    apps.push(app);
    await app.expectLine('ready 0');
    writeInput(work, 1); // after the first start: batch 1000 must read it
    app.kill();
    await app.exit;

    app = new ChildApp(APP, [work]);
    apps.push(app);
    await app.waitFor((l) => l.startsWith('ready'));
    await app.tick(BATCH_MS);
    writeInput(work, 2);
    await app.tick(2 * BATCH_MS);
    await app.stop();
  } finally {
    for (const a of apps) if (!a.exited) a.kill();
  }
  const killed = readOutputs(path.join(work, 'out'));
  const expected = await reference(path.join(root, 'reference'), 2);
  assert.deepEqual(expected.get('files-1000'), ['f1']);
  assert.deepEqual(killed.get('files-1000'), ['f1'], 'batch 1000 read the file');
  assert.deepEqual(killed, expected);
  fs.rmSync(root, { recursive: true, force: true });
});
