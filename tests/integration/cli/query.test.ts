/**
 * `kpipe query` on the outputs a real `kpipe local` run leaves: the summary's `try:` line runs as printed,
 * and the `errors` view holds the Firehose error records the reconciliation counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatSummary } from '../../../lib/cli/local';
import { main } from '../../../lib/cli/main';
import { localConverter } from '../../../lib/local/converter';
import { runLocalPipeline, type LocalRunSummary } from '../../../lib/local/runtime';
import { loadPipeline } from '../../../lib/pipeline/load';

async function kpipe(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((text: string) => out.push(text));
  const error = jest.spyOn(console, 'error').mockImplementation((text: string) => err.push(text));
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const pipeline = loadPipeline(resolve('pipeline.yml'));
const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-query-'));
let summary: LocalRunSummary;

beforeAll(async () => {
  summary = await runLocalPipeline({
    pipeline,
    workDir: stateDir,
    count: 400,
    follow: false,
    invalidRatio: 0.1,
    invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
    seed: 5,
    template: 'clickstream',
    producers: 4,
    kinesisEmulator: 'kinesalite',
    converter: localConverter(pipeline),
    env: { ...process.env, MASK_SALT: 'query-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    onWarning: () => undefined,
  });
}, 300_000);

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

it("the try: line runs as printed and counts the lake's rows", async () => {
  const lines = formatSummary(summary, process.cwd(), pipeline).split('\n');
  const printed = lines[lines.indexOf('try:') + 1]!.trim();
  const match = /^npx kpipe (query) --state-dir (\S+) "([^"]+)"$/.exec(printed);
  expect(match).not.toBeNull();

  const result = await kpipe(match![1]!, '--state-dir', match![2]!, '--format', 'csv', match![3]!);

  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const [header, ...rows] = result.stdout.split('\n');
  expect(header).toBe('event_type,records');
  const total = rows.reduce((sum, row) => sum + Number(row.split(',')[1]), 0);
  expect(total).toBe(summary.reconciliation.lakeRows);
  expect(total).toBeGreaterThan(0);
});

it('the errors view holds the Firehose error records by errorCode', async () => {
  const result = await kpipe(
    'query',
    '--state-dir',
    stateDir,
    '--format',
    'json',
    'SELECT errorCode, count(*)::INTEGER AS n FROM errors WHERE errorCode IS NOT NULL GROUP BY ALL',
  );

  expect(result.code).toBe(0);
  const counts = Object.fromEntries(
    result.stdout
      .split('\n')
      .map((line) => JSON.parse(line) as { errorCode: string; n: number })
      .map(({ errorCode, n }) => [errorCode, n]),
  );
  expect(counts).toEqual(summary.reconciliation.errors.firehose);
  expect(Object.keys(counts).length).toBeGreaterThan(0);
});
