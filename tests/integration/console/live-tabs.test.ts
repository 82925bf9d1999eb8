/**
 * The Pipeline and Dashboards tabs in a real headless Chromium while `kpipe local` runs: the graph's
 * counters move as records flow, a dashboard chart gains points as one-second windows close, and the
 * delivery stream's error records show their reason and raw data, as text (every record carries markup).
 * Screenshots: the README's under docs/console/ on success, the page under reports/console/ on failure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startRunConsole, type RunConsole } from '../../../lib/console/server/for-run';
import { localConverter } from '../../../lib/local/converter';
import { createLiveChannel } from '../../../lib/local/live';
import { runLocalPipeline, type LocalRunSummary } from '../../../lib/local/runtime';
import { parsePipeline } from '../../../lib/pipeline/load';
import { launchBrowser, readmeScreenshot } from './support/browser';

/** The DOM the page functions read (this file compiles without the DOM library; they run in Chromium). */
declare const document: {
  querySelector(selector: string): { dataset: Record<string, string | undefined> } | null;
  querySelectorAll(selector: string): { length: number };
};
declare const window: { xss?: number };

/** In every record (valid or not): a page that set raw data as HTML would run it. */
const MARKUP = '<img src=x onerror=window.xss=1>';

// One-second windows, so a short run closes several while the page watches.
const file = resolve('pipeline.yml');
const pipeline = parsePipeline(
  readFileSync(file, 'utf8').replace('tumblingWindowInSeconds: 60', 'tumblingWindowInSeconds: 1'),
  file,
);
let stateDir: string;
let browser: Browser;
let page: Page;
let console_: RunConsole;
let run: Promise<LocalRunSummary>;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'kpipe-live-tabs-'));
  const template = join(stateDir, 'clickstream-markup.tpl');
  writeFileSync(
    template,
    readFileSync('templates/clickstream.tpl', 'utf8').replaceAll(
      '"session_id": "{{',
      `"session_id": "${MARKUP}{{`,
    ),
  );
  const live = createLiveChannel();
  const [started, launched] = await Promise.all([
    startRunConsole({ live, config: pipeline.config, stateDir, endpoints: {} }),
    launchBrowser(),
  ]);
  console_ = started;
  browser = launched;
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(`${console_.url}#pipeline`);
  // The run starts once the page watches: 3,000 records at 300/s keep it going about ten seconds.
  run = runLocalPipeline({
    pipeline,
    workDir: stateDir,
    count: 3000,
    ratePerSecond: 300,
    follow: false,
    invalidRatio: 0.05,
    invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
    seed: 8,
    template,
    producers: 2,
    converter: localConverter(pipeline),
    env: { ...process.env, MASK_SALT: 'live-tabs', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    live,
    onWarning: () => undefined,
  });
}, 120_000);

afterAll(async () => {
  await run?.catch(() => undefined);
  await browser?.close();
  await console_?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function shooting(name: string, body: () => Promise<void>) {
  try {
    await body();
  } catch (error) {
    mkdirSync('reports/console', { recursive: true });
    await page.screenshot({ path: `reports/console/${name}.png`, fullPage: true }).catch(() => undefined);
    throw error;
  }
}

const consumerIn = () =>
  page.evaluate(() => Number(document.querySelector('[data-stage="consumer"]')?.dataset.in ?? -1));

it('Pipeline: the graph of pipeline.yml, its counters moving as records flow', () =>
  shooting('pipeline', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#tab-pipeline g.node').length >= 10, {
      timeout: 30_000,
    });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-stage="consumer"]')?.dataset.in ?? 0) > 0,
      { timeout: 30_000 },
    );
    const first = await consumerIn();
    await page.waitForFunction(
      (before: number) => Number(document.querySelector('[data-stage="consumer"]')?.dataset.in ?? 0) > before,
      { timeout: 15_000 },
      first,
    );
    expect(await consumerIn()).toBeGreaterThan(first);
  }));

it('Dashboards: a chart per numeric column gains points as windows close', () =>
  shooting('dashboards', async () => {
    await page.click('button[data-tab="dashboards"]');
    const points = () =>
      page.evaluate(() =>
        Number(document.querySelector('#tab-dashboards [data-points]')?.dataset.points ?? 0),
      );
    await page.waitForFunction(
      () => Number(document.querySelector('#tab-dashboards [data-points]')?.dataset.points ?? 0) > 0,
      { timeout: 30_000 },
    );
    const first = await points();
    await page.waitForFunction(
      (before: number) =>
        Number(document.querySelector('#tab-dashboards [data-points]')?.dataset.points ?? 0) > before,
      { timeout: 30_000 },
      first,
    );
    expect(await points()).toBeGreaterThan(first);
    expect(await page.$$eval('#tab-dashboards .chart', (charts) => charts.length)).toBe(4);
    const summary = await run;
    expect(summary.windows!.windowFinalInvokes).toBeGreaterThan(0);
    mkdirSync('docs/console', { recursive: true });
    await readmeScreenshot(page, 'dashboards');
  }));

it("Pipeline: the delivery stream's last error records, each with its reason and raw data as text", () =>
  shooting('pipeline-errors', async () => {
    await run;
    await page.click('button[data-tab="pipeline"]');
    const firehoseRecord = '#tab-pipeline .last-errors details[data-error-stage="firehose"]';
    await page.waitForSelector(firehoseRecord, { timeout: 15_000 });
    const samples = await page.$$eval('#tab-pipeline .last-errors details', (items) =>
      items.map((item) => ({
        stage: item.getAttribute('data-error-stage'),
        reason: item.getAttribute('data-error-reason'),
        raw: item.querySelector('pre')?.textContent ?? '',
      })),
    );
    const firehose = samples.filter((sample) => sample.stage === 'firehose');
    expect(firehose.length).toBeGreaterThan(0);
    expect(firehose.every((sample) => sample.reason === 'Lambda.ProcessingFailedStatus')).toBe(true);
    // Raw data decoded (not base64), the markup shown as text and never made into elements.
    expect(firehose.some((sample) => sample.raw.includes(`"session_id": "${MARKUP}`))).toBe(true);
    expect(await page.$$eval('#tab-pipeline .last-errors img', (images) => images.length)).toBe(0);
    expect(await page.evaluate(() => window.xss)).toBeUndefined();
    const reasons = await page.$$eval('#tab-pipeline table', (tables) =>
      tables.map((table) => table.textContent ?? '').join('\n'),
    );
    expect(reasons).toMatch(/firehose\s*Lambda\.ProcessingFailedStatus/);
    // The README's picture: every stage's final counts, the buffers, the errors and their records.
    await readmeScreenshot(page, 'pipeline');

    // Only the delivery stream's records, among the consumer's.
    await page.select('#tab-pipeline .error-filter', 'firehose');
    const shown = await page.$$eval('#tab-pipeline .last-errors details:not([hidden])', (items) =>
      items.map((item) => item.getAttribute('data-error-stage')),
    );
    expect(shown.length).toBe(firehose.length);
    expect(new Set(shown)).toEqual(new Set(['firehose']));
    expect(samples.length).toBeGreaterThan(firehose.length);
  }));
