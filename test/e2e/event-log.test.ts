// A context with eventLogDir writes every listener event of the application as JSON lines,
// named <applicationId>.jsonl.inprogress while it runs and <applicationId>.jsonl after stop().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Context, KindlingError } from 'kindling';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-evlog-e2e-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every event of an application is one JSON line, the first naming the application and format', async () => {
  const logDir = path.join(dir, 'logs');
  const ctx = new Context({ workers: 2, progress: false, eventLogDir: logDir });
  const inProgress = path.join(logDir, `${ctx.applicationId}.jsonl.inprogress`);
  const final = path.join(logDir, `${ctx.applicationId}.jsonl`);
  let stopped = false;
  try {
    const n = await ctx
      .parallelize([1, 2, 3, 4, 5, 6], 3)
      .map((x): [number, number] => [x % 2, x])
      .reduceByKey((a, b) => a + b)
      .count();
    assert.equal(n, 2);
    assert.ok(fs.existsSync(inProgress), 'in progress while the application runs');
    assert.equal(fs.existsSync(final), false);
    await ctx.stop();
    stopped = true;
  } finally {
    if (!stopped) await ctx.stop();
  }
  assert.equal(fs.existsSync(inProgress), false);
  const lines = fs
    .readFileSync(final, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; time: number; data: Record<string, unknown> });
  const first = lines[0];
  assert.equal(first?.event, 'applicationStart');
  assert.equal(first?.data.formatVersion, 1);
  assert.equal(first?.data.applicationId, ctx.applicationId);
  assert.equal(typeof first?.data.kindlingVersion, 'string');
  assert.equal((first?.data.options as { workers: number }).workers, 2);
  assert.equal(lines.at(-1)?.event, 'applicationEnd');
  const names = lines.map((l) => l.event);
  assert.deepEqual(
    names.filter((e) => e !== 'taskEnd'),
    [
      'applicationStart',
      'jobStart',
      'stageSubmitted',
      'stageCompleted',
      'stageSubmitted',
      'stageCompleted',
      'jobEnd',
      'applicationEnd',
    ],
  );
  assert.equal(names.filter((e) => e === 'taskEnd').length, 3 + 3);
});

test('a process that exits without stop() leaves its events in the .inprogress log', async () => {
  const logDir = path.join(dir, 'exited');
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    const { Context } = await import(${JSON.stringify(index)});
    const ctx = new Context({ workers: 1, progress: false, eventLogDir: ${JSON.stringify(logDir)} });
    await ctx.range(0, 4, 1, 2).count();
    process.exit(0);
  `;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: 'inherit',
    });
    child.once('exit', resolve);
  });
  assert.equal(code, 0);
  const [file] = fs.readdirSync(logDir);
  assert.match(file ?? '', /\.jsonl\.inprogress$/);
  const events = fs
    .readFileSync(path.join(logDir, file ?? ''), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { event: string }).event);
  assert.equal(events[0], 'applicationStart');
  assert.equal(events.at(-1), 'jobEnd');
});

test('an event log directory that cannot be created fails new Context with a KindlingError', () => {
  const file = path.join(dir, 'not-a-dir');
  fs.writeFileSync(file, '');
  assert.throws(
    () => new Context({ progress: false, eventLogDir: path.join(file, 'logs') }),
    (e: unknown) => e instanceof KindlingError && e.code === 'INVALID_ARGUMENT',
  );
});

test(
  'an event log directory on a file system that refuses it (/proc) fails new Context, it does not hang',
  { skip: fs.existsSync('/proc/self') ? false : 'no /proc on this system' },
  async () => {
    // In a child with a time limit: Node 20's mkdirSync(dir, { recursive: true }) loops
    // forever on such a path, and a loop in this thread could not be interrupted.
    const index = new URL('../../src/index.js', import.meta.url).href;
    const script = `
      const { Context } = await import(${JSON.stringify(index)});
      try {
        new Context({ workers: 1, progress: false, eventLogDir: '/proc/kindling-no/logs' });
        console.log('created');
      } catch (e) {
        console.log(e.code, e.message);
      }
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 60_000 },
    );
    assert.match(stdout, /^INVALID_ARGUMENT .*options\.eventLogDir.*\/proc\/kindling-no/);
  },
);
