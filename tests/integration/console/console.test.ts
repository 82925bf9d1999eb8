/**
 * The console in a real headless Chromium, driven as a person would: one pipeline run (emulators started
 * here, as `--kinesis-endpoint` / `--s3-endpoint` users run it), one browser. Generator: a template error
 * shown at its line, the preview, a template saved and found again after a reload, 200 records/s sent to
 * the run's stream with the counters moving. Lake: a query's rows, an attack refused. Screenshots: the
 * README's under docs/console/ on success, each page's under reports/console/ on failure.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startRunConsole, type RunConsole } from '../../../lib/console/server/for-run';
import { localConverter } from '../../../lib/local/converter';
import {
  startKinesisEmulator,
  startS3rver,
  type KinesisEmulator,
  type S3Emulator,
} from '../../../lib/local/emulators';
import { createLiveChannel } from '../../../lib/local/live';
import { runLocalPipeline } from '../../../lib/local/runtime';
import { loadPipeline } from '../../../lib/pipeline/load';
import { launchBrowser, readmeScreenshot } from './support/browser';

/** The few DOM names the page functions use (this file compiles without the DOM library; they run in Chromium). */
interface Field {
  value: string;
  textContent: string | null;
  select(): void;
}
declare const document: {
  querySelector(selector: string): Field | null;
  querySelectorAll(selector: string): { length: number };
};
type HTMLTextAreaElement = Field;
type HTMLInputElement = Field;
type HTMLOptionElement = Field;

let kinesis: KinesisEmulator;
let s3: S3Emulator;
let browser: Browser;
let page: Page;
let console_: RunConsole;
let stateDir: string;
const pipeline = loadPipeline();
let templatesDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'kpipe-console-'));
  templatesDir = mkdtempSync(join(tmpdir(), 'kpipe-console-templates-'));
  cpSync('templates', templatesDir, { recursive: true });
  const [kinesisEmulator, s3Emulator] = await Promise.all([
    startKinesisEmulator('kinesalite'),
    startS3rver(),
  ]);
  kinesis = kinesisEmulator;
  s3 = s3Emulator;
  const live = createLiveChannel();
  const endpoints = { kinesis: kinesis.endpoint, s3: s3.endpoint };
  const [summary, started, launched] = await Promise.all([
    runLocalPipeline({
      pipeline,
      workDir: stateDir,
      count: 300,
      follow: false,
      invalidRatio: 0.05,
      producers: 2,
      endpoints,
      converter: localConverter(pipeline),
      env: { ...process.env, MASK_SALT: 'console-test' },
      live,
      onWarning: () => undefined,
    }),
    startRunConsole({ live, config: pipeline.config, stateDir, endpoints, templatesDir }),
    launchBrowser(),
  ]);
  expect(summary.reconciliation.ok).toBe(true);
  console_ = started;
  console_.runEnded();
  browser = launched;
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 760 });
});

afterAll(async () => {
  await browser?.close();
  await console_?.close();
  await Promise.all([kinesis?.stop(), s3?.stop()]);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(templatesDir, { recursive: true, force: true });
});

/** Runs `body`; on failure keeps a screenshot of the page under reports/console/. */
async function shooting(name: string, body: () => Promise<void>) {
  try {
    await body();
  } catch (error) {
    mkdirSync('reports/console', { recursive: true });
    await page.screenshot({ path: `reports/console/${name}.png` }).catch(() => undefined);
    throw error;
  }
}

async function replaceText(selector: string, text: string) {
  await page.$eval(selector, (node) => (node as HTMLTextAreaElement).select());
  await page.keyboard.type(text);
}

const textOf = async (selector: string): Promise<string> =>
  String(await page.$eval(selector, (node) => (node as Field).textContent ?? ''));

it('Generator: a template error at its line, the preview, a saved template after a reload, counters of a send', () =>
  shooting('generator', async () => {
    await page.goto(`${console_.url}#generator`);
    await page.waitForSelector('#library li[data-name="clickstream"]');

    await replaceText('#template', '{\n  "id": {{random.number(100)}},\n  "bad": {{nosuch.helper()}}\n}');
    await page.waitForFunction(() =>
      document.querySelector('#template-error')?.textContent?.includes('line 3'),
    );
    expect(await textOf('#template-error')).toMatch(/^line 3, column 10: .*nosuch\.helper/);

    await replaceText(
      '#template',
      '{\n  "id": {{random.number(100)}},\n  "kind": "{{random.arrayElement(["a","b"])}}"\n}',
    );
    await page.waitForFunction(
      () => document.querySelector('#preview')?.textContent?.split('\n').length === 5,
    );
    const records = (await textOf('#preview'))
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; kind: string });
    expect(
      records.every((record) => record.id >= 0 && record.id <= 100 && ['a', 'b'].includes(record.kind)),
    ).toBe(true);
    expect(await textOf('#template-error')).toBe('');

    await replaceText('#template-name', 'my-browser-template');
    await page.click('#save');
    await page.waitForSelector('#library li[data-name="my-browser-template"]');
    await page.reload();
    await page.waitForSelector('#library li[data-name="my-browser-template"]');
    await page.click('#library li[data-name="my-browser-template"]');
    await page.waitForFunction(() =>
      (document.querySelector('#template') as HTMLTextAreaElement).value.includes('arrayElement'),
    );

    expect(await page.$eval('#target-name', (node) => (node as HTMLInputElement).value)).toBe(
      pipeline.config.stream.name,
    );
    await replaceText('#rate', '200');
    await replaceText('#count', '300');
    await page.click('#start');
    await page.waitForFunction(() =>
      /acknowledged [1-9]/.test(document.querySelector('#acknowledged')?.textContent ?? ''),
    );
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'done', {
      timeout: 15_000,
    });
    expect(await textOf('#acknowledged')).toBe('acknowledged 300');
    expect(await textOf('#failed')).toBe('failed 0');
    const rate = Number(/(\d+) records\/s/.exec(await textOf('#achieved'))?.[1]);
    expect(rate).toBeGreaterThan(100);
    expect(rate).toBeLessThan(300);
    const totals = await textOf(`#target-totals tr[data-target="stream ${pipeline.config.stream.name}"]`);
    expect(totals).toMatch(/done\s*300\s*300\s*0/);

    mkdirSync('docs/console', { recursive: true });
    await readmeScreenshot(page, 'generator');

    // A name the run does not have: said on the page, with the names it has.
    await replaceText('#target-name', 'no-such-stream');
    await page.click('#start');
    await page.waitForFunction(() =>
      /not found/.test(document.querySelector('#send-error')?.textContent ?? ''),
    );
    expect(await textOf('#send-error')).toMatch(
      new RegExp(
        `stream "no-such-stream" not found on the run's Kinesis endpoint .*"${pipeline.config.stream.name}"`,
      ),
    );
  }));

it('Lake: a query shows its rows and partitions; a read outside the run folder is refused', () =>
  shooting('lake', async () => {
    await page.click('button[data-tab="lake"]');
    await page.waitForFunction(() =>
      (document.querySelector('#sql') as HTMLTextAreaElement).value.includes('FROM lake'),
    );
    await replaceText('#sql', 'SELECT count(*) AS n FROM lake');
    await page.click('#run-query');
    await page.waitForSelector('#result td');
    const lakeRows = await textOf('#result td');
    expect(Number(lakeRows)).toBeGreaterThan(250);
    expect(Number(lakeRows)).toBeLessThanOrEqual(300);

    await page.select(
      '#examples',
      await page.$eval('#examples option:nth-child(2)', (node) => (node as HTMLOptionElement).value),
    );
    await page.click('#run-query');
    await page.waitForFunction(() => document.querySelectorAll('#result tr').length > 2);
    expect(await page.$$eval('#result th', (cells) => cells.map((cell) => cell.textContent))).toContain(
      'event_type',
    );
    expect(await page.$$eval('#partitions li', (items) => items.length)).toBeGreaterThan(0);
    mkdirSync('docs/console', { recursive: true });
    await readmeScreenshot(page, 'lake');

    await replaceText('#sql', "SELECT * FROM read_text('/etc/passwd')");
    await page.click('#run-query');
    await page.waitForFunction(() =>
      /refused/.test(document.querySelector('#query-error')?.textContent ?? ''),
    );
    expect(await page.$$eval('#result tr', (rows) => rows.length)).toBe(0);
    const outsider = await page.evaluate(async () => (await fetch('/api/run')).status);
    expect(outsider).toBe(403);
  }));
