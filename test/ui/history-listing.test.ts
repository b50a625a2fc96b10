// Which files `kindling ui DIR` lists, decided by content: an event log's first line is its
// applicationStart. Other files (a README, an empty file, JSON of another shape) are not
// applications: each is named once with the reason it was skipped, on stderr and on the page.
// A truncated event log is shown as truncated, never as a running application, and one cut
// inside its first line as a damaged event log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';
import { onApplicationsPage, skipWithoutBrowser } from './browser.js';
import { startHistory, type HistoryServer } from './history-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-history-listing-'));
const logDir = path.join(dir, 'logs');
let completeId = '';
let truncatedId = '';
let server: HistoryServer | undefined;

/** One finished application's event log, as its Context wrote it. */
async function writeLog(): Promise<{ id: string; file: string }> {
  const ctx = new Context({ workers: 1, progress: false, eventLogDir: logDir });
  try {
    await ctx.range(0, 10, 1, 2).count();
    await ctx.range(0, 10, 1, 2).count();
  } finally {
    await ctx.stop();
  }
  return { id: ctx.applicationId, file: path.join(logDir, `${ctx.applicationId}.jsonl`) };
}

before(async () => {
  const complete = await writeLog();
  completeId = complete.id;
  const cut = await writeLog();
  truncatedId = cut.id;
  // Cut in the middle of its third line: the copy a full disk or an interrupted copy leaves.
  const text = fs.readFileSync(cut.file, 'utf8');
  const lines = text.split('\n');
  const at = (lines[0]?.length ?? 0) + (lines[1]?.length ?? 0) + 2 + 20;
  fs.writeFileSync(cut.file, text.slice(0, at));
  // Cut inside its first line: no application id can be read from it.
  fs.writeFileSync(path.join(logDir, 'cut-first-line.jsonl'), text.slice(0, 60));
  fs.writeFileSync(path.join(logDir, 'README.txt'), 'Event logs of the nightly jobs.\n');
  fs.writeFileSync(path.join(logDir, 'empty.jsonl'), '');
  fs.writeFileSync(path.join(logDir, 'other-shape.jsonl'), '{"id":1,"name":"not an event"}\n');
  fs.writeFileSync(
    path.join(logDir, 'package.json'),
    JSON.stringify({ name: 'x', version: '1.0.0' }, null, 2),
  );
  // A hidden file is not looked at, as Spark's history provider ignores names starting with '.'.
  fs.writeFileSync(path.join(logDir, '.listing.swp'), 'x');
  server = await startHistory(logDir);
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SKIPPED: [string, RegExp][] = [
  ['README.txt', /its first line is not JSON/],
  ['empty.jsonl', /empty/],
  ['other-shape.jsonl', /not an event/],
  ['package.json', /its first line is not JSON/],
];

test('kindling ui lists only the event logs of a directory and names each skipped file once, with the reason', async () => {
  assert.ok(server !== undefined);
  const apps = (await (await fetch(`${server.url}/api/v1/applications`)).json()) as {
    id: string;
  }[];
  assert.deepEqual(apps.map((a) => a.id).sort(), [completeId, truncatedId].sort());
  // The listing is read again on each request; what was skipped is said once.
  await (await fetch(`${server.url}/`)).text();
  const stderr = server.stderr();
  for (const [name, why] of SKIPPED) {
    const lines = stderr.split('\n').filter((l) => l.includes(path.join(logDir, name)));
    assert.equal(lines.length, 1, `${name} once in:\n${stderr}`);
    assert.match(lines[0] ?? '', /^kindling: skipped /);
    assert.match(lines[0] ?? '', why);
  }
  assert.doesNotMatch(stderr, /listing\.swp/);
  assert.match(
    stderr,
    /cut-first-line\.jsonl is a damaged event log: its first line \(applicationStart\) is cut off/,
  );
  assert.match(stderr, new RegExp(`${truncatedId}\\.jsonl is truncated`));
});

test('the applications page shows a truncated log as truncated, a damaged one as damaged, and the skipped files', async () => {
  assert.ok(server !== undefined);
  const page = await (await fetch(`${server.url}/`)).text();
  assert.match(page, /class="skipped"/);
  for (const [name] of SKIPPED) assert.ok(page.includes(path.join(logDir, name)), name);
  assert.doesNotMatch(page, /no applicationStart line/);
});

test(
  'in a browser, the truncated application reads truncated, not in progress',
  { skip: skipWithoutBrowser },
  async () => {
    assert.ok(server !== undefined);
    await onApplicationsPage(server.url, async (page, applicationRow) => {
      const truncatedRow = applicationRow(truncatedId);
      assert.match(await truncatedRow.innerText(), /truncated/);
      assert.doesNotMatch(await truncatedRow.innerText(), /in progress/);
      const completeRow = applicationRow(completeId);
      assert.doesNotMatch(await completeRow.innerText(), /truncated|in progress/);
      const damaged = page.locator('table.applications tr.damaged');
      assert.equal(await damaged.count(), 1);
      assert.match(await damaged.innerText(), /cut-first-line\.jsonl.*damaged event log/s);
      const skipped = page.locator('ul.skipped li');
      assert.equal(await skipped.count(), SKIPPED.length);
      assert.match(await skipped.filter({ hasText: 'README.txt' }).innerText(), /not JSON/);
      await truncatedRow.locator('a').click();
      await page.waitForURL(/\/history\/.+\/jobs\//);
      assert.ok((await page.locator('table.jobs tr.job-row').count()) >= 1);
    });
  },
);

test('kindling ui on a truncated event log file serves it, shown as truncated', async () => {
  const one = await startHistory(path.join(logDir, `${truncatedId}.jsonl`));
  try {
    const page = await (await fetch(`${one.url}/`)).text();
    assert.match(page, /truncated/);
    assert.match(one.stderr(), /is truncated/);
  } finally {
    await one.stop();
  }
});
