// A script's live UI lives as long as the script's own work: a program that never calls stop()
// exits when nothing of its own is left to do, with or without `ui`, as a local Context without
// a UI always did (idle worker threads do not hold the process). Each case is a real child
// process that must exit on its own within the test's timeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const INDEX = new URL('../../src/index.js', import.meta.url).href;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ui-lifetime-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` as an ES module script and resolves when the process exits by itself. */
function runScript(
  name: string,
  body: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const file = path.join(dir, `${name}.mjs`);
  fs.writeFileSync(file, `import { Context } from ${JSON.stringify(INDEX)};\n${body}\n`);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

test(
  'a script without ui that never calls stop() exits once its job is done',
  { timeout: 60_000 },
  async () => {
    const out = await runScript(
      'no-ui',
      `const ctx = new Context({ workers: 2, progress: false });
     console.log('count', await ctx.range(0, 100, 1, 4).count());`,
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /count 100/);
  },
);

test(
  'a script with ui: true that never calls stop() exits once its job is done, after its UI served it',
  { timeout: 60_000 },
  async () => {
    const logs = path.join(dir, 'logs');
    const out = await runScript(
      'with-ui',
      `const ctx = new Context({ workers: 2, progress: false, ui: 0, eventLogDir: ${JSON.stringify(logs)} });
       console.log('count', await ctx.range(0, 100, 1, 4).count());
       const url = await ctx.uiWebUrl();
       if (url === undefined) throw new Error('the UI did not start');
       const jobs = await (await fetch(url + '/api/v1/applications/' + ctx.applicationId + '/jobs')).json();
       console.log('jobs in the ui', jobs.length);
       // A second request on the same keep-alive connection: the socket stays open after it.
       const page = await fetch(url + '/jobs/');
       console.log('page', page.status, (await page.text()).includes('Jobs'));`,
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /count 100\njobs in the ui 1\npage 200 true/);
    // The event log keeps what the application logged (the exit hook flushes it).
    const [log] = fs.readdirSync(logs);
    assert.match(log ?? '', /\.jsonl\.inprogress$/);
    assert.match(fs.readFileSync(path.join(logs, log ?? ''), 'utf8'), /"event":"jobEnd"/);
  },
);
