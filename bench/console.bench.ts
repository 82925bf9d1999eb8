/**
 * `npm run bench console`: what an open console costs a `kpipe local` run. The same end-to-end run
 * (kinesalite, generated → consumer, Firehose, windows → Parquet, reconciled) with the console serving a
 * page that reads every live message, against the run without a console, in pairs run back to back (which
 * goes first alternates); the median of the pairs' ratios must stay ≥ 0.9 (the ratio of the medians and the
 * process's CPU time are printed beside it: on a shared machine the load drifts between pairs). The page is an SSE reader over HTTP by default (the server's whole cost:
 * building, serialising and writing every message), or headless Chromium with all four tabs mounted with
 * BENCH_CONSOLE_BROWSER=1 (the browser's rendering then competes for the same cores, as on a laptop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRunConsole, type RunConsole } from '../lib/console/server/for-run';
import { localConverter } from '../lib/local/converter';
import { createLiveChannel, type LiveChannel } from '../lib/local/live';
import { runLocalPipeline, type LocalRunSummary } from '../lib/local/runtime';
import { loadPipeline } from '../lib/pipeline/load';
import { formatResult, median } from './harness';

const COUNT = Number(process.env.BENCH_CONSOLE_COUNT ?? 20_000);
const PAIRS = Number(process.env.BENCH_CONSOLE_PAIRS ?? 3);
const PRODUCERS = Number(process.env.BENCH_LOCAL_PRODUCERS ?? 4);
const BROWSER = process.env.BENCH_CONSOLE_BROWSER === '1';

/** A page's live connection, read to the end: every message, as bytes counted. */
async function readLive(
  console_: RunConsole,
  signal: AbortSignal,
): Promise<{ bytes: number; messages: number }> {
  const counts = { bytes: 0, messages: 0 };
  const response = await fetch(`http://127.0.0.1:${console_.port}/api/live?token=${console_.token}`, {
    signal,
    headers: { 'x-console-token': console_.token },
  });
  const reader = response.body!.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      counts.bytes += value.byteLength;
      for (const byte of value) if (byte === 0x0a) counts.messages += 1;
    }
  })();
  return counts;
}

interface Watcher {
  close(): Promise<void>;
  describe(): string;
}

/** A page open on the console: an SSE reader, or Chromium showing each tab in turn (all stay mounted). */
async function openPage(console_: RunConsole): Promise<Watcher> {
  if (!BROWSER) {
    const controller = new AbortController();
    const counts = await readLive(console_, controller.signal);
    return {
      close: async () => controller.abort(),
      describe: () => `SSE reader: ${counts.bytes} bytes, ${Math.round(counts.messages / 2)} messages`,
    };
  }
  const { launchBrowser } = await import('../tests/integration/console/support/browser');
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(console_.url);
  for (const tab of ['lake', 'dashboards', 'generator', 'pipeline'])
    await page.click(`button[data-tab="${tab}"]`);
  return { close: () => browser.close(), describe: () => 'headless Chromium, four tabs mounted' };
}

export default async function consoleBench(): Promise<void> {
  const pipeline = loadPipeline(resolve(__dirname, '..', 'pipeline.yml'));
  const env = { ...process.env, MASK_SALT: 'bench-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' };
  const run = async (watched: boolean): Promise<{ summary: LocalRunSummary; note: string }> => {
    const workDir = mkdtempSync(join(tmpdir(), 'kpipe-bench-console-'));
    const live: LiveChannel | undefined = watched ? createLiveChannel() : undefined;
    const console_ = live
      ? await startRunConsole({ live, config: pipeline.config, stateDir: workDir, endpoints: {} })
      : undefined;
    const page = console_ ? await openPage(console_) : undefined;
    try {
      const summary = await runLocalPipeline({
        pipeline,
        workDir,
        live,
        count: COUNT,
        follow: false,
        invalidRatio: 0.05,
        invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
        seed: 3,
        template: 'clickstream',
        producers: PRODUCERS,
        kinesisEmulator: 'kinesalite',
        converter: localConverter(pipeline),
        env,
        onWarning: () => undefined,
      });
      if (!summary.reconciliation.ok)
        throw new Error(`the benchmark run ${watched ? 'with' : 'without'} a console did not reconcile`);
      return { summary, note: page?.describe() ?? '' };
    } finally {
      await page?.close();
      await console_?.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  };
  const throughput = ({ times }: LocalRunSummary) => COUNT / ((times.generateMs + times.drainMs) / 1000);

  // One warm-up run, then pairs alternating which goes first, so drift in the machine's load hits both.
  await run(false);
  const without: number[] = [];
  const watched: number[] = [];
  const pairRatios: number[] = [];
  const cpu = { with: [] as number[], without: [] as number[] };
  const notes: string[] = [];
  const loads: number[] = [];
  for (let pair = 0; pair < PAIRS; pair += 1) {
    const rates: Record<'with' | 'without', number> = { with: 0, without: 0 };
    for (const withConsole of pair % 2 === 0 ? [true, false] : [false, true]) {
      loads.push(loadavg()[0]!);
      const used = process.cpuUsage();
      const { summary, note } = await run(withConsole);
      const { user, system } = process.cpuUsage(used);
      const side = withConsole ? 'with' : 'without';
      rates[side] = throughput(summary);
      (withConsole ? watched : without).push(rates[side]);
      cpu[side].push((user + system) / 1000);
      if (note) notes.push(note);
    }
    pairRatios.push(rates.with / rates.without);
  }
  const subject = median(watched);
  const baseline = median(without);
  const rounded = (values: number[]) => values.map((value) => Math.round(value)).join(', ');
  // Each pair ran back to back: its ratio is what the load drift between pairs cannot move.
  const ratio = median(pairRatios);
  console.log(
    formatResult(
      {
        name: `kpipe local end to end (kinesalite, ${COUNT} records) with a console page open and reading, median of ${watched.length}`,
        unit: 'records',
        subjectPerSecond: subject,
        baselinePerSecond: baseline,
        ratio: subject / baseline,
      },
      `the same run without a console, median of ${without.length}`,
    ) + ` | median of the ${pairRatios.length} pairs' ratios ${ratio.toFixed(2)} (target ≥ 0.90)`,
  );
  console.log(`  with console: ${rounded(watched)} records/s; without: ${rounded(without)} records/s`);
  console.log(`  pairs' ratios: ${pairRatios.map((value) => value.toFixed(2)).join(', ')}`);
  console.log(
    `  CPU of the kpipe process per run (the emulators' own processes not included): with ${rounded(cpu.with)} ms, ` +
      `without ${rounded(cpu.without)} ms, ratio of medians ${(median(cpu.with) / median(cpu.without)).toFixed(2)}`,
  );
  console.log(`  last page: ${notes.at(-1) ?? ''}`);
  console.log(
    `  load average (1 min) at the start of each run: ${loads.map((load) => load.toFixed(1)).join(', ')} on ` +
      `${availableParallelism()} cores`,
  );
}
