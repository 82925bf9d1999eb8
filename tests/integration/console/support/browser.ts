/**
 * Headless Chromium for the console's browser tests (@sparticuz/chromium: a Chromium from the npm registry
 * alone) and where their screenshots go: a failure's under reports/console/, and the README's under
 * docs/console/ only when asked (UPDATE_SCREENSHOTS=1), so a passing `npm test` leaves no tracked file changed.
 */
import chromium from '@sparticuz/chromium';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    // Under LANG=C.UTF-8 Chromium reports its language as en-US@posix, which Intl (and uPlot) refuse.
    args: [...chromium.args, '--lang=en-US'],
    headless: true,
  });
}

/** The page as the README shows it: written to docs/console/ with UPDATE_SCREENSHOTS=1, else to reports/. */
export async function readmeScreenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/console' : 'reports/console';
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}
