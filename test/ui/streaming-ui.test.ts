// The Streaming page in a headless browser: one chart point per completed batch in each chart,
// the batches table, and the same batches from the JSON API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, ManualClock, StreamingContext } from 'kindling';
import { launchBrowser, skipWithoutBrowser } from './browser.js';

const ctx = new Context({ workers: 2, progress: false, ui: 0 });
after(() => ctx.stop());

test(
  'the streaming page charts one point per completed batch',
  { skip: skipWithoutBrowser },
  async () => {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext(ctx, 1000, { clock });
    let batches = 0;
    ssc.on('batchCompleted', () => batches++);
    ssc
      .queueStream([[1, 2], [3], [4, 5, 6]])
      .map((x) => x * 2)
      .foreachRDD(async (rdd) => {
        await rdd.count();
      });
    await ssc.start();
    await clock.advance(3000);
    assert.equal(batches, 3);
    const url = (await ctx.uiWebUrl()) ?? assert.fail('the UI listens');
    const api = (await (
      await fetch(`${url}/api/v1/applications/${ctx.applicationId}/streaming/batches`)
    ).json()) as { batchTimeMs: number }[];
    assert.deepEqual(
      api.map((b) => b.batchTimeMs),
      [3000, 2000, 1000],
    );
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/streaming/`);
      const charts = page.locator('figure.chart');
      assert.equal(await charts.count(), 3);
      for (const chart of await charts.all())
        assert.equal(await chart.locator('circle.point').count(), 3);
      assert.equal(await page.locator('table.batches tr[data-batch-time]').count(), 3);
      const shots = process.env.KINDLING_UI_SCREENSHOTS;
      if (shots !== undefined && shots !== '')
        await page.screenshot({ path: `${shots}/streaming.png`, fullPage: true });
    } finally {
      await close();
      await ssc.stop({ stopContext: false });
    }
  },
);
