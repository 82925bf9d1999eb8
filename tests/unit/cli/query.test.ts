/**
 * `kpipe query` as a user meets it: exit codes, messages, and the summary's `try:` line run as printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { formatSummary, tryCommand } from '../../../lib/cli/local';
import { main } from '../../../lib/cli/main';
import type { LocalRunSummary } from '../../../lib/local/runtime';
import { loadPipeline } from '../../../lib/pipeline/load';
import { writeLake } from '../lake/lake-fixture';

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

let stateDir: string;
beforeAll(async () => {
  stateDir = await writeLake();
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

it('prints a table of the rows and exits 0', async () => {
  const result = await kpipe(
    'query',
    '--state-dir',
    stateDir,
    'SELECT event_type, count(*) AS events FROM lake GROUP BY ALL ORDER BY events DESC',
  );

  expect(result.stderr).toBe('');
  expect(result.stdout.split('\n')).toEqual([
    'event_type  events',
    '----------  ------',
    'click            3',
    'purchase         2',
    '(2 rows)',
  ]);
  expect(result.code).toBe(0);
});

it('--format csv and --max-rows: the first rows, and a note on stderr', async () => {
  const result = await kpipe(
    'query',
    '--state-dir',
    stateDir,
    '--format',
    'csv',
    '--max-rows',
    '2',
    'SELECT event_id FROM lake ORDER BY event_id',
  );

  expect(result.stdout).toBe('event_id\ne1\ne2');
  expect(result.stderr).toMatch(/first 2 rows written; there are more/);
  expect(result.code).toBe(0);
});

it('bad SQL: DuckDB message and the views there are, exit 1', async () => {
  const result = await kpipe('query', '--state-dir', stateDir, 'SELECT * FROM lakes');

  expect(result.stderr).toMatch(/^kpipe query: Catalog Error: Table with name lakes does not exist/);
  expect(result.stderr).toMatch(/the views here: lake, raw, errors \(`kpipe query "DESCRIBE lake"`/);
  expect(result.code).toBe(1);
});

it('a refused statement: exit 1, the rule named', async () => {
  const result = await kpipe('query', '--state-dir', stateDir, "SELECT * FROM read_text('/etc/passwd')");

  expect(result.stderr).toMatch(
    /^kpipe query: refused: Permission Error[\s\S]*\nqueries read only files under /,
  );
  expect(result.code).toBe(1);
});

it('no lake yet: says to run npm start first, exit 1', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'kpipe-empty-'));
  try {
    const result = await kpipe('query', '--state-dir', empty, 'SELECT 1');

    expect(result.stderr).toMatch(
      /^kpipe query: no Parquet lake in .*: run `npm start` \(kpipe local\) first with --state-dir /,
    );
    expect(result.code).toBe(1);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe.each<[string, string[], RegExp]>([
  ['no SQL', [], /^kpipe query: no SQL given/],
  [
    'SQL in pieces',
    ['SELECT', '*', 'FROM', 'lake'],
    /the SQL must be one argument, got 4: put it in double quotes/,
  ],
  ['a bad format', ['--format', 'xml', 'SELECT 1'], /--format must be one of table, json, csv, got "xml"/],
  [
    'a bad --max-rows',
    ['--max-rows', '0', 'SELECT 1'],
    /--max-rows must be a whole number from 1 to 1000000, got "0"/,
  ],
  [
    'a mistyped flag',
    ['--max-row', '5', 'SELECT 1'],
    /unknown option --max-row \(did you mean --max-rows\?\)/,
  ],
])('usage error: %s', (_name, argv, message) => {
  it('prints the mistake and the usage, exit 2', async () => {
    const result = await kpipe('query', ...argv);

    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: kpipe query "<sql>"');
    expect(result.code).toBe(2);
  });
});

it('kpipe --help lists query; kpipe query --help prints its usage', async () => {
  expect((await kpipe('--help')).stdout).toMatch(/^ {2}query +run SQL \(DuckDB\)/m);
  const help = await kpipe('query', '--help');
  expect(help.stdout).toMatch(/^usage: kpipe query "<sql>"/);
  expect(help.code).toBe(0);
});

it("the summary's try: line is a kpipe query command that works on the run's lake", async () => {
  const pipeline = loadPipeline();
  const summary = {
    emulator: 'kinesalite',
    target: 'the stream',
    lakeDirectory: join(stateDir, 'bucket'),
    generated: { attempted: 5, acknowledged: 5, failed: 0, byKind: {} },
    consumer: { mapping: undefined },
    firehose: undefined,
    converted: { objects: 4, rows: 5, errors: 0, failedObjects: 0 },
    reconciliation: {
      ok: true,
      checks: [],
      errors: {},
      lakeRows: 5,
      lakeGlob: join(stateDir, 'bucket', 'curated', '**', '*.parquet'),
    },
    interrupted: false,
    problems: [],
    undelivered: [],
    times: { startMs: 0, generateMs: 0, drainMs: 0, mirrorMs: 0 },
  } as unknown as LocalRunSummary;

  const lines = formatSummary(summary, process.cwd(), pipeline).split('\n');
  const printed = lines[lines.indexOf('try:') + 1]!.trim();
  const match = /^npx kpipe (query) --state-dir (\S+) "([^"]+)"$/.exec(printed);

  expect(match).not.toBeNull();
  expect(match![2]).toBe(relative(process.cwd(), stateDir));
  const result = await kpipe(match![1]!, '--state-dir', match![2]!, match![3]!);
  expect(result.stderr).toBe('');
  expect(result.stdout.split('\n').slice(2)).toEqual([
    'click             3',
    'purchase          2',
    '(2 rows)',
  ]);
  expect(result.code).toBe(0);
});

describe('tryCommand', () => {
  const cwd = process.cwd();
  const at = (stateDir: string) => ({ lakeDirectory: join(cwd, stateDir, 'bucket') }) as LocalRunSummary;

  it('the default state folder and pipeline need no flags', () => {
    expect(tryCommand(at('.local'), cwd, loadPipeline())).toBe(
      'npx kpipe query "SELECT event_type, count(*) AS records FROM lake GROUP BY ALL ORDER BY records DESC"',
    );
  });

  it('another state folder is named, quoted when a shell would split it', () => {
    expect(tryCommand(at('runs/a'), cwd, loadPipeline())).toMatch(/^npx kpipe query --state-dir runs\/a "/);
    expect(tryCommand(at("my run's"), cwd, loadPipeline())).toMatch(
      /^npx kpipe query --state-dir 'my run'\\''s' "/,
    );
  });

  it('another pipeline file is named, and the query groups by its own first partition', () => {
    const pipeline = loadPipeline('examples/cloudwatch-logs/pipeline.yml');

    expect(tryCommand(at('.local'), cwd, pipeline)).toBe(
      'npx kpipe query --pipeline examples/cloudwatch-logs/pipeline.yml "SELECT log_group, count(*) AS records FROM lake GROUP BY ALL ORDER BY records DESC"',
    );
  });
});
