// The history UI names each event log by its file: two logs of one application id (here the
// log and a copy cut short in its second job) are two applications, each reachable with its own
// jobs. A log that ends without the application's end shows the jobs and stages it never saw
// end as unfinished, not running. A link by application id, or to a log that has since
// finished (.inprogress), still reaches the one log it can mean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';
import { onApplicationsPage, skipWithoutBrowser } from './browser.js';
import { startHistory, type HistoryServer } from './history-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-history-logs-'));
const logDir = path.join(dir, 'logs');
let appId = '';
let logName = '';
const COPY = 'copy.jsonl';
let server: HistoryServer | undefined;

before(async () => {
  const ctx = new Context({ workers: 1, progress: false, eventLogDir: logDir });
  try {
    await ctx.range(0, 10, 1, 2).count();
    await ctx.range(0, 10, 1, 2).setName('second').count();
  } finally {
    await ctx.stop();
  }
  appId = ctx.applicationId;
  logName = `${appId}.jsonl`;
  // The copy ends, on a whole line, just after the second job's stage was submitted.
  const lines = fs.readFileSync(path.join(logDir, logName), 'utf8').split('\n');
  const stage = lines.findIndex(
    (l) => l.startsWith('{"event":"stageSubmitted"') && l.includes('"jobId":1,'),
  );
  assert.ok(stage > 0, 'the second job has a stageSubmitted line');
  fs.writeFileSync(path.join(logDir, COPY), lines.slice(0, stage + 1).join('\n') + '\n');
  server = await startHistory(logDir);
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

interface JobJson {
  jobId: number;
  status: string;
}

test('two logs of one application id are listed apart, each API path giving its own jobs', async () => {
  assert.ok(server !== undefined);
  const api = `${server.url}/api/v1/applications`;
  const apps = await getJson<{ id: string; eventLog: string }[]>(api);
  assert.deepEqual(
    apps.body.map((a) => [a.id, a.eventLog]).sort(),
    [
      [appId, COPY],
      [appId, logName],
    ].sort(),
  );
  const jobsOf = async (log: string): Promise<[number, string][]> =>
    (await getJson<JobJson[]>(`${api}/${encodeURIComponent(log)}/jobs`)).body.map((j) => [
      j.jobId,
      j.status,
    ]);
  assert.deepEqual(await jobsOf(logName), [
    [1, 'SUCCEEDED'],
    [0, 'SUCCEEDED'],
  ]);
  assert.deepEqual(await jobsOf(COPY), [
    [1, 'UNFINISHED'],
    [0, 'SUCCEEDED'],
  ]);
  const stages = await getJson<{ stageId: number; status: string }[]>(`${api}/${COPY}/stages`);
  assert.deepEqual(
    stages.body.map((s) => [s.stageId, s.status]),
    [
      [1, 'UNFINISHED'],
      [0, 'COMPLETE'],
    ],
  );
  // The id alone could mean either: refused, naming both logs, never the first one found.
  const byId = await getJson<{ error: string }>(`${api}/${appId}/jobs`);
  assert.equal(byId.status, 404);
  assert.match(byId.body.error, new RegExp(`has 2 event logs \\(${logName}, ${COPY}\\)`));
});

test('the applications page links each log to its own pages', async () => {
  assert.ok(server !== undefined);
  const listing = await (await fetch(`${server.url}/`)).text();
  const hrefs = [...listing.matchAll(/href="(\/history\/[^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(hrefs, [`/history/${COPY}/jobs/`, `/history/${logName}/jobs/`].sort());
  const copyJobs = await (await fetch(`${server.url}/history/${COPY}/jobs/`)).text();
  assert.equal([...copyJobs.matchAll(/class="job-row"/g)].length, 2);
  assert.match(copyJobs, /truncated/);
  assert.doesNotMatch(copyJobs, /RUNNING|\(running\)/);
  const stage = await (await fetch(`${server.url}/history/${COPY}/stages/stage/?id=1`)).text();
  assert.match(stage, /<span class="unfinished">UNFINISHED<\/span>/);
});

test(
  "in a browser, each log's row opens its own jobs, the truncated one's last job unfinished",
  { skip: skipWithoutBrowser },
  async () => {
    assert.ok(server !== undefined);
    await onApplicationsPage(server.url, async (page, applicationRow) => {
      const rows = applicationRow(appId);
      assert.equal(await rows.count(), 2);
      await rows.filter({ hasText: COPY }).locator('a').click();
      await page.waitForURL(new RegExp(`/history/${COPY}/jobs/`));
      const second = page.locator('tr.job-row[data-job-id="1"]');
      assert.match(await second.innerText(), /count of RDD \d+ \(second\).*UNFINISHED/s);
      assert.doesNotMatch(await page.locator('main').innerText(), /RUNNING/);
      await page.goBack();
      await rows.filter({ hasNotText: COPY }).locator('a').click();
      await page.waitForURL(new RegExp(`/history/${logName}/jobs/`));
      assert.match(await second.innerText(), /SUCCEEDED/);
    });
  },
);

test('a link by application id, or to a log since finished, is sent to the one log it means', async () => {
  const one = await startHistory(path.join(logDir, logName));
  try {
    for (const from of [
      `/history/${appId}/stages/?x=1`,
      `/history/${logName}.inprogress/stages/?x=1`,
    ]) {
      const res = await fetch(`${one.url}${from}`, { redirect: 'manual' });
      assert.equal(res.status, 302, from);
      assert.equal(res.headers.get('location'), `/history/${logName}/stages/?x=1`, from);
    }
    const jobs = await getJson<JobJson[]>(`${one.url}/api/v1/applications/${appId}/jobs`);
    assert.equal(jobs.body.length, 2);
  } finally {
    await one.stop();
  }
});
