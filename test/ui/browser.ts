// Headless Chromium for the UI tests: the distribution's binary driven by playwright-core. When
// no binary is found the browser tests are skipped with a reason naming them (CI installs it).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

// KINDLING_CHROMIUM, when set, is the only candidate (set it to a missing path to see the skip).
const CANDIDATES =
  process.env.KINDLING_CHROMIUM !== undefined
    ? [process.env.KINDLING_CHROMIUM]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const chromiumPath: string | undefined = CANDIDATES.find(
  (p) => p !== '' && fs.existsSync(p),
);

/** For node:test's `skip` option: false when a browser is there, else the reason. */
export const skipWithoutBrowser: string | false =
  chromiumPath === undefined
    ? `browser test skipped: no Chromium at ${CANDIDATES.join(' or ')} (apt-get install -y chromium)`
    : false;

/** A fresh profile each time (playwright passes it as --user-data-dir). */
export async function launchBrowser(): Promise<{
  browser: BrowserContext;
  close: () => Promise<void>;
}> {
  if (chromiumPath === undefined) throw new Error('no Chromium');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The history server at `url` showing its applications page in a fresh browser: `use` gets the
 * page and the rows of the applications table; the browser is closed whatever happens.
 */
export async function onApplicationsPage(
  url: string,
  use: (page: Page, applicationRow: (text: string) => Locator) => Promise<void>,
): Promise<void> {
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await use(page, (text) => page.locator('table.applications tr', { hasText: text }));
  } finally {
    await close();
  }
}
