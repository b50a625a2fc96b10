// `kindling run` serves the web UI while the job runs and prints its URL; --no-ui turns it off;
// --event-log-dir writes the application's event log. `kindling ui` refuses a path or a --host
// it cannot serve as a usage error.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { kindling } from '../kindling-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ui-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// The job asks its own UI which jobs it has seen: proof the server is live during the run.
const job = path.join(dir, 'self-check.mjs');
fs.writeFileSync(
  job,
  `export default async (ctx) => {
    await ctx.range(0, 10, 1, 2).count();
    const url = await ctx.uiWebUrl();
    if (url === undefined) return 'no ui';
    const jobs = await (await fetch(url + '/api/v1/applications/' + ctx.applicationId + '/jobs')).json();
    return 'jobs seen by the ui: ' + jobs.length;
  };\n`,
);

test('kindling run serves the web UI during the job and prints its URL', async () => {
  const out = await kindling('run', job, '--workers', '1');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /kindling: web UI at http:\/\/127\.0\.0\.1:\d+\/\n/);
  assert.match(out.stdout, /jobs seen by the ui: 1/);
});

test('kindling run --no-ui starts no server', async () => {
  const out = await kindling('run', job, '--workers', '1', '--no-ui');
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stderr, /web UI/);
  assert.match(out.stdout, /no ui/);
});

test('kindling run --event-log-dir writes the event log of the run', async () => {
  const logs = path.join(dir, 'logs');
  const out = await kindling('run', job, '--workers', '1', '--no-ui', '--event-log-dir', logs);
  assert.equal(out.code, 0, out.stderr);
  const files = fs.readdirSync(logs);
  assert.equal(files.length, 1);
  assert.match(files[0] ?? '', /^app-.*\.jsonl$/);
});

test('kindling ui refuses a path that is neither an event log nor a directory with exit code 2', async () => {
  for (const target of ['/dev/null', path.join(dir, 'no-such-log')]) {
    const out = await kindling('ui', target, '--port', '0');
    assert.equal(out.code, 2, out.stderr);
    assert.match(
      out.stderr,
      /Invalid argument EVENTLOG_OR_DIR: expected an event log file or directory, received ".*"/,
    );
    assert.ok(out.stderr.includes(target), out.stderr);
    assert.match(out.stderr, /Usage:/);
    assert.doesNotMatch(out.stderr, /ENOTDIR|\n\s+at /);
  }
});

test('kindling ui refuses a file that is not an event log with exit code 2, saying why', async () => {
  const notes = path.join(dir, 'README.txt');
  fs.writeFileSync(notes, 'Event logs of the nightly jobs.\n');
  const out = await kindling('ui', notes, '--port', '0');
  assert.equal(out.code, 2, out.stderr);
  assert.match(
    out.stderr,
    /Invalid argument EVENTLOG_OR_DIR: expected an event log file or directory, received ".*README\.txt": not an event log \(its first line is not JSON\)/,
  );
  assert.doesNotMatch(out.stderr, /\n\s+at /);
});

test('kindling ui refuses a --host it cannot listen on, naming it, with exit code 2', async () => {
  const logs = fs.mkdtempSync(path.join(dir, 'no-logs-'));
  const out = await kindling('ui', logs, '--host', 'nosuch.invalid', '--port', '0');
  assert.equal(out.code, 2, out.stderr);
  assert.match(out.stderr, /Invalid argument --host: expected .*, received "nosuch\.invalid"/);
  assert.doesNotMatch(out.stderr, /\n\s+at /);
});
