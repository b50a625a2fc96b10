// Chaos: a stateful word count (updateStateByKey, mapWithState with a timeout,
// saveAsTextFiles) runs in a child process that is killed with SIGKILL at random
// moments, during batches and during recovery, while input files keep arriving,
// and is restarted each time. When the input is drained, every file was read by
// exactly one batch, and the output directories (state included) equal those of
// an uninterrupted run fed the same files per batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildApp, readOutputs as readOutputDirs } from './child-app.js';

const APP = fileURLToPath(new URL('./fixtures/chaos-app.js', import.meta.url));
const BATCH_MS = 1000;
const TICKS = 22;
const FILES = 18;

class App extends ChildApp {
  constructor(work: string) {
    super(APP, [work]);
  }
}

/** out/<name>-<time> -> sorted lines of its part files. */
function readOutputs(work: string): Map<string, string[]> {
  return readOutputDirs(path.join(work, 'out'));
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function writeInput(work: string, id: number): void {
  const words = Array.from({ length: 6 }, (_, i) => `w${(id * 7 + i * 3) % 11}`);
  const lines = [
    `f${id} ${words.slice(0, 3).join(' ')}`,
    `f${id} ${words.slice(3).join(' ')}`,
    `f${id} common`,
  ];
  const dir = path.join(work, 'in');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `.f${id}.tmp`), `${lines.join('\n')}\n`);
  fs.renameSync(path.join(dir, `.f${id}.tmp`), path.join(dir, `f${id}.txt`)); // appears whole
}

test(
  'a stateful word count killed with SIGKILL at random moments ends exactly as an uninterrupted run',
  { timeout: 110_000 },
  async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100000);
    const random = prng(seed);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-chaos-'));
    const work = path.join(root, 'chaos');
    const killTicks = new Set<number>();
    while (killTicks.size < 4) killTicks.add(2 + Math.floor(random() * (TICKS - 4)));
    const killDuringRecovery = 1 + Math.floor(random() * 3);
    let kills = 0;
    let restarts = 0;
    // Kills scheduled a moment ahead: cancelled once the last tick is done, so none lands on
    // the final stop.
    const pendingKills: NodeJS.Timeout[] = [];

    let app = new App(work);
    const restart = (): void => {
      restarts++;
      const next = new App(work);
      app = next;
      if (restarts === killDuringRecovery) {
        // Once, kill a fresh start at a random moment: during startup, recovery or its first batch.
        pendingKills.push(setTimeout(() => next.kill(), Math.floor(random() * 400)));
        kills++;
      }
    };
    let tick = 1;
    let nextFile = 1;
    try {
      while (tick <= TICKS) {
        if ((await app.waitFor((l) => l.startsWith('ready'))) !== null) {
          for (; tick <= TICKS; tick++) {
            if (tick <= FILES && nextFile <= tick) writeInput(work, nextFile++);
            app.send(`tick ${tick * BATCH_MS}`);
            if (killTicks.delete(tick)) {
              const victim = app;
              pendingKills.push(setTimeout(() => victim.kill(), Math.floor(random() * 150)));
              kills++;
            }
            if ((await app.waitFor((l) => l === `ok ${tick * BATCH_MS}`)) === null) break;
          }
          if (tick > TICKS) break;
        }
        await app.checkNotCrashed();
        await app.exit;
        if (nextFile <= FILES && random() < 0.7) writeInput(work, nextFile++); // arrives while down
        restart();
      }
      pendingKills.forEach((t) => clearTimeout(t));
      // A kill that landed after the last tick's answer: start once more, then stop.
      while (app.killed) {
        await app.exit;
        restart();
        await app.waitFor((l) => l.startsWith('ready'));
      }
      await app.stop();
    } finally {
      if (!app.exited) app.kill();
    }
    assert.ok(kills >= 4, `killed ${kills} times`);

    const chaos = readOutputs(work);
    // Which batch read which file, as the run recorded it: every file exactly once.
    const assignment = new Map<number, string[]>();
    const readBy = new Map<string, number>();
    for (const [name, lines] of chaos) {
      const m = /^files-(\d+)$/.exec(name);
      if (m === null) continue;
      assignment.set(Number(m[1]), lines);
      for (const id of lines) {
        assert.equal(
          readBy.get(id),
          undefined,
          `file ${id} read by batches ${readBy.get(id)} and ${m[1]} (seed ${seed})`,
        );
        readBy.set(id, Number(m[1]));
      }
    }
    assert.equal(readBy.size, FILES, `every file was read (seed ${seed})`);
    for (let t = 1; t <= TICKS; t++)
      assert.ok(chaos.has(`totals-${t * BATCH_MS}`), `batch ${t * BATCH_MS} has its output`);

    // The reference: one uninterrupted run, fed the same files in the same batches.
    const refWork = path.join(root, 'reference');
    const ref = new App(refWork);
    assert.ok((await ref.waitFor((l) => l.startsWith('ready'))) !== null, ref.stderr);
    for (let t = 1; t <= TICKS; t++) {
      for (const id of assignment.get(t * BATCH_MS) ?? []) writeInput(refWork, Number(id.slice(1)));
      await ref.tick(t * BATCH_MS);
    }
    await ref.stop();
    const reference = readOutputs(refWork);

    assert.deepEqual(
      [...chaos.keys()],
      [...reference.keys()],
      `the same output directories (seed ${seed})`,
    );
    for (const [name, lines] of reference)
      assert.deepEqual(
        chaos.get(name),
        lines,
        `${name} equals the uninterrupted run's (seed ${seed})`,
      );
    const last = `totals-${TICKS * BATCH_MS}`;
    assert.ok(
      (reference.get(last) ?? []).includes(`["common",${FILES}]`),
      'the final state counts every file',
    );
    fs.rmSync(root, { recursive: true, force: true });
  },
);
