// The Streaming page and API: the JSON API reports each completed batch with Spark's names, and
// in a headless browser the page's uPlot charts hold one point per completed batch, read from the
// chart instances, drawn on a canvas, and updated live (the same charts) as batches complete; the
// history UI replaying the application's event log draws the same charts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Context, ManualClock, StreamingContext } from 'kindling';
import { launchBrowser, skipWithoutBrowser } from './browser.js';
import { startHistory } from './history-server.js';

const require = createRequire(import.meta.url);
const INPUT = [[1, 2], [3], [4, 5, 6], [7, 8, 9, 10], [11], [12, 13]];
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-streaming-ui-'));
const ctx = new Context({ workers: 2, progress: false, ui: 0, eventLogDir: logDir });
// A round wall-clock start, so the charts' time axis reads like a real run's.
const T0 = Date.UTC(2026, 0, 1, 12);
const clock = new ManualClock(T0);
const ssc = new StreamingContext(ctx, 1000, { clock });
ssc
  .queueStream(INPUT)
  .map((x) => x * 2)
  .foreachRDD(async (rdd) => {
    await rdd.count();
  });
let completed = 0;
ssc.on('batchCompleted', () => completed++);
const started = ssc.start();
after(async () => {
  await ssc.stop({ stopContext: false });
  await ctx.stop();
  fs.rmSync(logDir, { recursive: true, force: true });
});

/** Runs batches until `n` have completed (each advance resolves once its batch is done). */
async function completeBatches(n: number): Promise<void> {
  await started;
  while (completed < n) await clock.advance(1000);
  assert.equal(completed, n);
}

interface BatchInfo {
  batchId: number;
  batchTime: number;
  status: string;
  batchDuration: number;
  inputSize: number;
  schedulingDelay: number;
  processingTime: number;
  totalDelay: number;
}

async function api(route: string, url?: string): Promise<unknown> {
  const base = url ?? (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
  const res = await fetch(`${base}/api/v1/applications/${ctx.applicationId}/streaming/${route}`);
  assert.equal(res.status, 200, route);
  return res.json();
}

// The pixels of the series' colour (#2563eb) on a chart's canvas: the line and its points.
const SERIES_PIXELS = (key: string): string => `(() => {
  const canvas = document.querySelector('[data-chart="${key}"] canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (Math.abs(data[i] - 37) < 8 && Math.abs(data[i + 1] - 99) < 8 && Math.abs(data[i + 2] - 235) < 8) n++;
  return { width: canvas.width, height: canvas.height, seriesPixels: n };
})()`;

const CHART_POINTS = `(() => {
  const charts = window.kindlingStreamingCharts ?? {};
  return Object.fromEntries(Object.entries(charts).map(([k, u]) => [k, u.data[0].length]));
})()`;

/** Waits until each of the three charts holds `n` points. */
async function waitForPoints(page: Page, n: number): Promise<void> {
  await page.waitForFunction(`Object.values(${CHART_POINTS}).join() === '${[n, n, n].join()}'`);
}

/** What the page's charts hold equals the API's batches, and each is drawn on its canvas. */
async function assertChartsShow(page: Page, newestFirst: BatchInfo[]): Promise<void> {
  const batches = [...newestFirst].reverse();
  const charted = await page.evaluate<Record<string, [number[], number[]]>>(
    `Object.fromEntries(Object.entries(window.kindlingStreamingCharts).map(([k, u]) => [k, u.data]))`,
  );
  const times = batches.map((b) => b.batchTime / 1000);
  assert.deepEqual(charted, {
    inputRate: [times, batches.map((b) => b.inputSize / (b.batchDuration / 1000))],
    processingTime: [times, batches.map((b) => b.processingTime)],
    schedulingDelay: [times, batches.map((b) => b.schedulingDelay)],
  });
  assert.deepEqual(charted.inputRate?.[1], [2, 1, 3, 4, 1, 2]);
  for (const key of Object.keys(charted)) {
    const drawn = await page.evaluate<{ width: number; height: number; seriesPixels: number }>(
      SERIES_PIXELS(key),
    );
    assert.ok(
      drawn.width > 0 && drawn.height > 0,
      `${key}: canvas of ${drawn.width}x${drawn.height}`,
    );
    assert.ok(drawn.seriesPixels > 0, `${key}: no pixel of the series drawn`);
  }
}

test(
  'the streaming page charts one point per completed batch, updated live as batches complete',
  { skip: skipWithoutBrowser },
  async () => {
    const url = (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/streaming/`);
      assert.match(await page.locator('main').innerText(), /No streaming batches/);

      // The first batch: the live refresh brings the charts in, with one point each.
      await completeBatches(1);
      await waitForPoints(page, 1);
      await page.evaluate(
        `window.firstCanvas = document.querySelector('[data-chart="inputRate"] canvas')`,
      );

      // The rest: the same charts take the new points.
      await completeBatches(INPUT.length);
      await waitForPoints(page, INPUT.length);
      await page.waitForFunction(
        `document.querySelectorAll('table.batches tr[data-batch-time]').length === ${INPUT.length}`,
      );
      assert.equal(
        await page.evaluate(
          `document.querySelector('[data-chart="inputRate"] canvas') === window.firstCanvas`,
        ),
        true,
        'the live refresh kept the chart instead of drawing a new one',
      );

      await assertChartsShow(page, (await api('batches')) as BatchInfo[]);
      const shots = process.env.KINDLING_UI_SCREENSHOTS;
      if (shots !== undefined && shots !== '')
        await page.screenshot({ path: `${shots}/streaming.png`, fullPage: true });
    } finally {
      await close();
    }
  },
);

test('the streaming API lists the batches newest first and their statistics with Spark names', async () => {
  await completeBatches(INPUT.length);
  const batches = (await api('batches')) as BatchInfo[];
  assert.deepEqual(
    batches.map((b) => [b.batchId - T0, b.batchTime - T0, b.status, b.batchDuration, b.inputSize]),
    [
      [6000, 6000, 'COMPLETED', 1000, 2],
      [5000, 5000, 'COMPLETED', 1000, 1],
      [4000, 4000, 'COMPLETED', 1000, 4],
      [3000, 3000, 'COMPLETED', 1000, 3],
      [2000, 2000, 'COMPLETED', 1000, 1],
      [1000, 1000, 'COMPLETED', 1000, 2],
    ],
  );
  for (const b of batches) {
    assert.ok(b.processingTime >= 0 && b.schedulingDelay >= 0, JSON.stringify(b));
    assert.equal(b.totalDelay, b.schedulingDelay + b.processingTime);
  }
  assert.deepEqual(await api(`batches/${T0 + 3000}`), batches[3]);
  const url = (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
  const missing = await fetch(
    `${url}/api/v1/applications/${ctx.applicationId}/streaming/batches/${T0 + 3500}`,
  );
  assert.equal(missing.status, 404);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.deepEqual(await api('statistics'), {
    batchDuration: 1000,
    numTotalCompletedBatches: 6,
    numRetainedCompletedBatches: 6,
    numProcessedRecords: 13,
    avgInputRate: 13 / 6,
    avgSchedulingDelay: mean(batches.map((b) => b.schedulingDelay)),
    avgProcessingTime: mean(batches.map((b) => b.processingTime)),
    avgTotalDelay: mean(batches.map((b) => b.totalDelay)),
  });
});

test('the page serves uPlot from the installed package, revalidated by its ETag', async () => {
  const url = (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
  const js = await fetch(`${url}/static/uplot.iife.min.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(
    await js.text(),
    fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
  );
  const etag = js.headers.get('etag') ?? assert.fail('an ETag');
  const again = await fetch(`${url}/static/uplot.iife.min.js`, {
    headers: { 'if-none-match': etag },
  });
  assert.equal(again.status, 304);
  const css = await fetch(`${url}/static/uplot.min.css`);
  assert.equal(css.status, 200);
  assert.match(await css.text(), /\.uplot/);
  assert.equal((await fetch(`${url}/static/..%2F..%2Fpackage.json`)).status, 404);
  assert.equal((await fetch(`${url}/static/nothing.js`)).status, 404);
});

test('the history UI replays the event log into the same streaming API and charts', async (t) => {
  await completeBatches(INPUT.length);
  const live = await api('batches');
  const statistics = await api('statistics');
  await ssc.stop({ stopContext: false });
  await ctx.stop();
  const history = await startHistory(logDir);
  try {
    assert.deepEqual(await api('batches', history.url), live);
    assert.deepEqual(await api('statistics', history.url), statistics);
    if (skipWithoutBrowser !== false) {
      t.diagnostic(skipWithoutBrowser);
      return;
    }
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${history.url}/history/${ctx.applicationId}/streaming/`);
      await waitForPoints(page, INPUT.length);
      await assertChartsShow(page, live as BatchInfo[]);
      assert.equal(await page.locator('table.batches tr[data-batch-time]').count(), INPUT.length);
    } finally {
      await close();
    }
  } finally {
    await history.stop();
  }
});
