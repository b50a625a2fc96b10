// Recovery of the windowed, stateful and two-stream operators through getOrCreate:
// a child process running countByValueAndWindow, reduceByWindow and countByWindow
// (incremental windows, checkpointed state), a join and a cogroup of two streams
// is killed with SIGKILL in the middle of a batch, again while it replays that
// batch, and again between batches with input arriving while it is down; each
// restart reopens state checkpointed before its last completed batch. Every
// output directory then equals that of an uninterrupted run fed the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildApp, readOutputs } from './child-app.js';

const APP = fileURLToPath(new URL('./fixtures/operators-app.js', import.meta.url));
const BATCH_MS = 1000;
const TICKS = 12;

function start(work: string, hangAt?: number): ChildApp {
  return new ChildApp(APP, hangAt === undefined ? [work] : [work, String(hangAt)]);
}

/** Input file k, renamed into place whole: words repeat across files so windows overlap. */
function writeInput(work: string, k: number): void {
  const words = Array.from(
    { length: 5 },
    (_, i) => ['a', 'bb', 'ccc', 'dddd', 'e'][(k + i * i) % 5],
  );
  const dir = path.join(work, 'in');
  fs.mkdirSync(dir, { recursive: true });
  const lines = [`f${k} ${words.slice(0, 2).join(' ')}`, `f${k} ${words.slice(2).join(' ')}`];
  // Batches 3 and 7 get no file: empty batches inside the windows.
  if (k === 3 || k === 7) return;
  fs.writeFileSync(path.join(dir, `.f${k}.tmp`), `${lines.join('\n')}\n`);
  fs.renameSync(path.join(dir, `.f${k}.tmp`), path.join(dir, `f${k}.txt`));
}

async function killed(app: ChildApp): Promise<void> {
  app.kill();
  await app.exit;
}

test(
  'windowed, stateful and joined streams killed with SIGKILL mid-batch, mid-recovery and between batches equal an uninterrupted run',
  { timeout: 170_000 },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-operators-recovery-'));
    const work = path.join(root, 'killed');
    const apps: ChildApp[] = [];
    const launch = (hangAt?: number): ChildApp => {
      const app = start(work, hangAt);
      apps.push(app);
      return app;
    };
    try {
      // Run 1: batches 1-5, then batch 6 stops halfway through its outputs and is killed there.
      // The last state checkpoint is then 4000's, behind the last completed batch.
      let app = launch(6 * BATCH_MS);
      await app.expectLine('ready 0');
      for (let k = 1; k <= 5; k++) {
        writeInput(work, k);
        await app.tick(k * BATCH_MS);
      }
      writeInput(work, 6);
      app.send(`tick ${6 * BATCH_MS}`);
      await app.expectLine(`hang ${6 * BATCH_MS}`);
      await killed(app);

      // Run 2: recovery replays the pending batch 6 and is killed halfway through it again.
      app = launch(6 * BATCH_MS);
      await app.expectLine(`hang ${6 * BATCH_MS}`);
      await killed(app);

      // Run 3: replays batch 6 to the end, runs 7-9, is killed between batches (state at 8000).
      app = launch();
      await app.waitFor((l) => l.startsWith('ready'));
      for (let k = 7; k <= 9; k++) {
        writeInput(work, k);
        await app.tick(k * BATCH_MS);
      }
      await killed(app);
      writeInput(work, 10); // arrives while the app is down

      // Run 4: recovers from the state checkpoints, runs 10-12 and stops.
      app = launch();
      await app.waitFor((l) => l.startsWith('ready'));
      await app.tick(10 * BATCH_MS);
      for (let k = 11; k <= TICKS; k++) {
        writeInput(work, k);
        await app.tick(k * BATCH_MS);
      }
      await app.stop();
    } finally {
      for (const a of apps) if (!a.exited) a.kill();
    }
    const recovered = readOutputs(path.join(work, 'out'));

    // The reference: one run without kills, fed the same file before each batch.
    const refWork = path.join(root, 'reference');
    const ref = start(refWork);
    try {
      await ref.expectLine('ready 0');
      for (let k = 1; k <= TICKS; k++) {
        writeInput(refWork, k);
        await ref.tick(k * BATCH_MS);
      }
      await ref.stop();
    } finally {
      if (!ref.exited) ref.kill();
    }
    const reference = readOutputs(path.join(refWork, 'out'));

    for (let k = 1; k <= TICKS; k++) {
      const files = reference.get(`files-${k * BATCH_MS}`);
      assert.deepEqual(files, k === 3 || k === 7 ? [] : [`f${k}`], `batch ${k} read its file`);
    }
    const every = ['files', 'cbvw', 'letters', 'join', 'cogroup'].flatMap((name) =>
      Array.from({ length: TICKS }, (_, i) => `${name}-${(i + 1) * BATCH_MS}`),
    );
    const windowed = Array.from({ length: TICKS / 2 }, (_, i) => `cbw-${(i + 1) * 2 * BATCH_MS}`);
    assert.deepEqual([...reference.keys()], [...every, ...windowed].sort(), 'every output once');
    assert.deepEqual([...recovered.keys()], [...reference.keys()], 'the same output directories');
    for (const [name, lines] of reference)
      assert.deepEqual(recovered.get(name), lines, `${name} equals the uninterrupted run's`);
    // The reference itself is right where it is easy to check: four batches of five words, one empty.
    assert.deepEqual(reference.get(`cbw-${8 * BATCH_MS}`), ['15']);
    fs.rmSync(root, { recursive: true, force: true });
  },
);
