// The history UI: an event log written by one context and served by `kindling ui` (a child
// process) shows the same jobs, through the JSON API and in a headless browser; a malformed
// line is reported naming its line, and the rest still served; a running application's
// .inprogress log is served too, its new jobs on the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, type JobEndEvent } from 'kindling';
import { onApplicationsPage, skipWithoutBrowser } from './browser.js';
import { startHistory, type HistoryServer } from './history-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-history-'));
const logDir = path.join(dir, 'logs');
let appId: string;
const ended: JobEndEvent[] = [];
let server: HistoryServer | undefined;

before(async () => {
  const ctx = new Context({ workers: 2, progress: false, eventLogDir: logDir, maxTaskFailures: 1 });
  appId = ctx.applicationId;
  ctx.on('jobEnd', (e) => ended.push(e));
  try {
    await ctx
      .parallelize([1, 2, 3, 4], 2)
      .map((x): [number, number] => [x % 2, x])
      .groupByKey()
      .collect();
    await ctx.range(0, 10, 1, 5).setName('ten').count();
    await assert.rejects(
      ctx
        .parallelize([1], 1)
        .map(() => {
          throw new Error('always');
        })
        .collect(),
    );
  } finally {
    await ctx.stop();
  }
  // A damaged copy: one line of garbage between the events.
  const log = fs.readFileSync(path.join(logDir, `${appId}.jsonl`), 'utf8').split('\n');
  log.splice(3, 0, '{"event": oops');
  fs.writeFileSync(path.join(logDir, `${appId}-damaged.jsonl`), log.join('\n'));
  fs.renameSync(path.join(logDir, `${appId}-damaged.jsonl`), path.join(dir, 'damaged.jsonl'));
  server = await startHistory(logDir);
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('kindling ui serves the logged application with the same jobs the listeners saw', async () => {
  const base = `${server?.url}/api/v1/applications`;
  const apps = (await (await fetch(base)).json()) as {
    id: string;
    attempts: { completed: boolean }[];
  }[];
  assert.deepEqual(
    apps.map((a) => [a.id, a.attempts[0]?.completed]),
    [[appId, true]],
  );
  const jobs = (await (await fetch(`${base}/${appId}/jobs`)).json()) as {
    jobId: number;
    status: string;
    durationMs: number;
  }[];
  assert.deepEqual(
    jobs.map((j) => [j.jobId, j.status, j.durationMs]).reverse(),
    ended.map((e) => [e.jobId, e.succeeded ? 'SUCCEEDED' : 'FAILED', e.durationMs]),
  );
});

test(
  'the history pages show the same jobs in a browser',
  { skip: skipWithoutBrowser },
  async () => {
    assert.ok(server !== undefined);
    await onApplicationsPage(server.url, async (page, applicationRow) => {
      await applicationRow(appId).locator('a').click();
      await page.waitForURL(/\/history\/.+\/jobs\//);
      const rows = page.locator('table.jobs tr.job-row');
      assert.equal(await rows.count(), 3);
      assert.match(
        await page.locator('tr.job-row[data-job-id="1"]').innerText(),
        /count of RDD \d+ \(ten\)\s.*5\/5\s+SUCCEEDED/s,
      );
      assert.match(await page.locator('tr.job-row[data-job-id="2"]').innerText(), /FAILED/);
      await page.locator('tr.job-row[data-job-id="0"] a').click();
      assert.equal(await page.locator('svg.dag g.stage-node').count(), 2);
    });
  },
);

test('a malformed line is reported with its line number and the other events still load', async () => {
  const damaged = await startHistory(path.join(dir, 'damaged.jsonl'));
  try {
    assert.match(damaged.stderr(), /damaged\.jsonl line 4 is not an event/);
    const jobs = (await (
      await fetch(`${damaged.url}/api/v1/applications/${appId}/jobs`)
    ).json()) as unknown[];
    assert.equal(jobs.length, 3);
  } finally {
    await damaged.stop();
  }
});

/** Resolves once the log file holds `n` jobEnd lines (fs.watch: the writer flushes on a timer). */
async function untilLoggedJobs(file: string, n: number): Promise<void> {
  const logged = (): boolean => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return text.split('\n').filter((l) => l.startsWith('{"event":"jobEnd"')).length >= n;
  };
  if (logged()) return;
  const watcher = fs.watch(path.dirname(file));
  try {
    await new Promise<void>((resolve) => {
      watcher.on('change', () => {
        if (logged()) resolve();
      });
      // A flush between the first check and the watch starting.
      if (logged()) resolve();
    });
  } finally {
    watcher.close();
  }
}

test("a running application's .inprogress log is served, and its next job shows on the next request", async () => {
  const runningDir = path.join(dir, 'running');
  const ctx = new Context({ workers: 1, progress: false, eventLogDir: runningDir });
  const history = await startHistory(runningDir);
  try {
    const file = path.join(runningDir, `${ctx.applicationId}.jsonl.inprogress`);
    const jobs = async (): Promise<unknown[]> =>
      (await (
        await fetch(`${history.url}/api/v1/applications/${ctx.applicationId}/jobs`)
      ).json()) as unknown[];
    assert.equal(await ctx.range(0, 4, 1, 2).count(), 4);
    await untilLoggedJobs(file, 1);
    const apps = (await (await fetch(`${history.url}/api/v1/applications`)).json()) as {
      id: string;
      attempts: { completed: boolean }[];
    }[];
    assert.deepEqual(
      apps.map((a) => [a.id, a.attempts[0]?.completed]),
      [[ctx.applicationId, false]],
    );
    assert.equal((await jobs()).length, 1);
    assert.equal(await ctx.range(0, 6, 1, 3).count(), 6);
    await untilLoggedJobs(file, 2);
    assert.equal((await jobs()).length, 2);
  } finally {
    await ctx.stop();
    await history.stop();
  }
});
