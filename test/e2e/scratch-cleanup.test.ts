// A process killed with SIGKILL cannot remove its scratch directory (shuffle
// files): the next context under the same localDir removes the directories of
// processes that are gone, and of pids now reused by a newer process, and
// keeps those of live processes and names it did not make.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { Context } from 'kindling';

const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-scratch-'));
after(() => fs.rmSync(localDir, { recursive: true, force: true }));

const CHILD = `
import { Context } from 'kindling';
const ctx = new Context({ workers: 1, localDir: process.env.LOCAL_DIR, progress: false });
const pairs = ctx.range(0, 1000, 1, 2).map((x) => [x % 10, 1]);
await pairs.reduceByKey((a, b) => a + b).count();
console.log('ready');
setInterval(() => undefined, 1 << 30);
`;

function filesUnder(dir: string): number {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .length;
}

it('a new context removes the scratch directory of a process killed with SIGKILL', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: process.cwd(),
    env: { ...process.env, LOCAL_DIR: localDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  for await (const line of createInterface({ input: child.stdout })) if (line === 'ready') break;
  child.kill('SIGKILL');
  await exited;

  const dead = fs.readdirSync(localDir).filter((n) => n.startsWith(`context-${child.pid}-`));
  assert.equal(dead.length, 1, 'the killed child left its scratch directory');
  assert.ok(filesUnder(path.join(localDir, dead[0] as string)) > 0, 'with shuffle files in it');

  // pid 1 is alive: a directory carrying its real start time is kept, one carrying
  // another start time belongs to an earlier process that had the same pid.
  const stat = fs.readFileSync('/proc/1/stat', 'utf8');
  const pid1Start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const live = `context-1-t${pid1Start}-0-live`;
  const reused = `context-1-t${Number(pid1Start) + 12345}-0-reused`;
  for (const name of [live, reused, 'not-a-scratch-dir']) fs.mkdirSync(path.join(localDir, name));

  const ctx = new Context({ workers: 1, localDir, progress: false });
  try {
    assert.equal(await ctx.range(0, 10, 1, 1).count(), 10);
    const left = fs.readdirSync(localDir);
    assert.ok(!left.includes(dead[0] as string), 'the dead process directory is removed');
    assert.ok(!left.includes(reused), 'the directory of a reused pid is removed');
    assert.ok(left.includes(live), 'a live process directory is kept');
    assert.ok(left.includes('not-a-scratch-dir'), 'names the engine did not make are kept');
  } finally {
    await ctx.stop();
  }
});
