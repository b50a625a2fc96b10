// The live web UI in a real headless Chromium: the jobs just run are listed with their task
// counts, a job's DAG has one box per stage, the task table sorts by duration, a failed attempt
// shows with its cause, a checkpoint shows with its size and compression ratio, and an RDD named
// like markup is shown as text, never run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { Context } from 'kindling';
import { launchBrowser, skipWithoutBrowser } from './browser.js';

const skip = skipWithoutBrowser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-live-ui-'));
const SCRIPT_NAME = '<script>window.__pwned = 1</script>';
// Set KINDLING_UI_SCREENSHOTS=docs/ui to refresh the README's screenshots.
const shots = process.env.KINDLING_UI_SCREENSHOTS;

let ctx: Context;
let url: string;
let browser: { browser: BrowserContext; close: () => Promise<void> } | undefined;
let page: Page;

async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((l) => l.getAttribute(name)));
}

async function shot(name: string): Promise<void> {
  if (shots !== undefined && shots !== '')
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  if (skip !== false) return;
  ctx = new Context({ workers: 2, progress: false, ui: 0, maxTaskFailures: 3 });
  url = (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
  // Job 0: a shuffle over a cached RDD whose name is markup.
  const counts = await ctx
    .parallelize([1, 2, 3, 4, 5, 6, 7, 8], 4)
    .setName(SCRIPT_NAME)
    .cache()
    .map((x): [number, number] => [x % 3, x])
    .reduceByKey((a, b) => a + b, { numPartitions: 2 })
    .collect();
  assert.equal(counts.length, 3);
  // Job 1: partition 1's first attempt fails, its retry succeeds.
  const marker = path.join(dir, 'failed-once');
  const n = await ctx
    .parallelize([1, 2, 3], 3)
    .map(
      (x, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        if (x === 2 && !fs.existsSync(env.marker)) {
          fs.writeFileSync(env.marker, '');
          throw new Error('flaky record 2');
        }
        return x;
      },
      { env: { marker } },
    )
    .count();
  assert.equal(n, 3);
  browser = await launchBrowser();
  page = await browser.browser.newPage();
});

after(async () => {
  await browser?.close();
  if (skip === false) await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the jobs page lists the jobs just run with their task counts', { skip }, async () => {
  await page.goto(`${url}/jobs/`);
  const rows = page.locator('table.jobs tr.job-row');
  assert.equal(await rows.count(), 2);
  const job0 = page.locator('tr.job-row[data-job-id="0"]');
  assert.equal(await job0.locator('td.tasks').innerText(), '6/6');
  assert.match(await job0.innerText(), /SUCCEEDED/);
  const job1 = page.locator('tr.job-row[data-job-id="1"]');
  assert.equal(await job1.locator('td.tasks').innerText(), '3/3 (1 failed)');
  assert.equal(await page.locator('svg.timeline rect').count(), 2, 'one timeline bar a job');
  await shot('jobs');
});

test(
  'a job page draws its stage DAG with one box per stage and the cached RDD marked',
  { skip },
  async () => {
    await page.goto(`${url}/jobs/`);
    await page.locator('tr.job-row[data-job-id="0"] a').first().click();
    await page.waitForURL(/\/jobs\/job\/\?id=0/);
    const boxes = page.locator('svg.dag g.stage-node');
    assert.equal(await boxes.count(), 2);
    assert.deepEqual((await attributes(boxes, 'data-stage-id')).sort(), ['0', '1']);
    assert.equal(await page.locator('svg.dag g.shuffle-edge').count(), 1);
    assert.match((await page.locator('svg.dag').textContent()) ?? '', /cached MEMORY_ONLY/);
    // The markup name is text in the SVG, and no script ran.
    assert.ok(((await page.locator('svg.dag').textContent()) ?? '').includes(SCRIPT_NAME));
    assert.equal(
      await page.evaluate(() => Reflect.get(globalThis, '__pwned') as unknown),
      undefined,
    );
    await shot('job');
  },
);

test('a stage page sorts its task table by duration, both ways', { skip }, async () => {
  await page.goto(`${url}/jobs/job/?id=0`);
  await page.locator('svg.dag g.stage-node[data-stage-id="1"] a').click();
  await page.waitForURL(/\/stages\/stage\/\?id=1/);
  assert.equal(await page.locator('table.tasks tr.task-row').count(), 4);
  const durations = async (): Promise<number[]> =>
    (await attributes(page.locator('table.tasks span.duration'), 'data-ms')).map(Number);
  await page.locator('th[data-column="duration"] a').click();
  await page.waitForURL(/sort=duration/);
  const up = await durations();
  assert.deepEqual(
    up,
    [...up].sort((a, b) => a - b),
  );
  await page.locator('th[data-column="duration"] a').click();
  await page.waitForURL(/desc=1/);
  const down = await durations();
  assert.deepEqual(
    down,
    [...up].sort((a, b) => b - a),
  );
  assert.equal(await page.locator('.rdd-name', { hasText: SCRIPT_NAME }).count(), 1);
  assert.equal(await page.evaluate(() => Reflect.get(globalThis, '__pwned') as unknown), undefined);
  await shot('stage');
});

test(
  'the stage of a job with a failed attempt shows it with its cause and stack',
  { skip },
  async () => {
    await page.goto(`${url}/jobs/job/?id=1`);
    await page.locator('table.stages tr.stage-row a').first().click();
    const failure = page.locator('div.failure');
    assert.equal(await failure.count(), 1);
    assert.match(await failure.innerText(), /partition 1, attempt 0: Error: flaky record 2/);
    assert.match(await failure.locator('pre').innerText(), /Error: flaky record 2\n\s+at /);
    const failedRows = page.locator('table.tasks tr.task-row', { hasText: 'FAILED' });
    assert.equal(await failedRows.count(), 1);
  },
);

test(
  'the storage, workers and environment pages show the cached RDD, threads and options',
  { skip },
  async () => {
    await page.goto(`${url}/storage/`);
    const row = page.locator('table.storage tr[data-rdd-id]');
    assert.equal(await row.count(), 1);
    assert.ok((await row.innerText()).includes(SCRIPT_NAME));
    assert.match(await row.innerText(), /MEMORY_ONLY\s+4 \/ 4/);
    await shot('storage');
    await page.goto(`${url}/workers/`);
    const workers = page.locator('table.workers tr[data-thread-id]');
    assert.ok((await workers.count()) >= 1 && (await workers.count()) <= 2);
    await shot('workers');
    await page.goto(`${url}/environment/`);
    assert.match(await page.locator('table.options').innerText(), /workers\s+2/);
    await shot('environment');
  },
);

test(
  'the checkpoints page lists a checkpointed RDD with its partitions, records and compression ratio',
  { skip },
  async () => {
    ctx.setCheckpointDir(path.join(dir, 'checkpoints'));
    const words = ctx.range(0, 3000, 1, 3).map((i) => `word-${i % 10} `.repeat(20));
    words.setName('repeated words').checkpoint();
    assert.equal(await words.count(), 3000);
    await page.goto(`${url}/checkpoints/`);
    const row = page.locator(`table.checkpoints tr[data-rdd-id="${words.id}"]`);
    assert.equal(await row.count(), 1);
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], `[${words.id}] repeated words`);
    assert.equal(cells[1], words.getCheckpointFile());
    assert.deepEqual(cells.slice(4, 6), ['3', '3,000']);
    assert.match(await row.locator('td.compression-ratio').innerText(), /^\d+\.\d\dx$/);
    await shot('checkpoints');
  },
);
