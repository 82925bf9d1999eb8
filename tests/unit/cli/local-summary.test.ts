/** What `kpipe local` prints: the summary and its verdict, a dead emulator's report, and the status line off a terminal. */
import { join } from 'node:path';
import { createTerminal, formatEmulatorDown, formatSummary } from '../../../lib/cli/local';
import { EmulatorDownError } from '../../../lib/local/emulator-watch';
import { localSummary } from '../../support/local-summary';

const cwd = process.cwd();

describe('formatSummary', () => {
  it('prints every stage, the reconciliation, where the lake is and how to query it', () => {
    expect(formatSummary(localSummary(), cwd).split('\n')).toEqual([
      '',
      'kpipe local — summary (Kinesis emulator: kinesalite)',
      '  generated   100 records, 100 acknowledged by the stream, 0 failed (valid 95, not-json 5)',
      '  consumer    100 records in 4 batches, 95 delivered, dropped: none, failed: not-json 5',
      '              re-delivered 0, retries 0, dead-lettered batches 0',
      '  firehose    100 in, 95 transformed, 95 delivered in 2 objects, 0 dropped, 5 to the error prefix',
      '  parquet     2 objects converted, 95 rows, 0 conversion errors',
      '  errors      consumer: not-json 5',
      '',
      'reconciliation',
      '  ok  streamConsumer: every record delivered or in errors: expected 100, found 100 (delivered 95, errors 5)',
      '',
      'the bucket is mirrored to .local/bucket/ (the Parquet lake, raw objects and every error output)',
      'time: start 900 ms, generate 1200 ms, drain 3000 ms, mirror 40 ms',
      'lake rows (DuckDB): 95',
      'try:',
      '  npx kpipe query "SELECT count(*) AS records FROM lake"',
      '',
      'every generated record is accounted for.',
    ]);
  });

  it('counts one of a thing in the singular', () => {
    const base = localSummary();
    const text = formatSummary(
      localSummary({
        generated: { ...base.generated, attempted: 1, acknowledged: 1 },
        consumer: { ...base.consumer, batches: 1, mapping: { ...base.consumer.mapping!, records: 1 } },
        firehose: { ...base.firehose!, objects: 1 },
        converted: { objects: 1, rows: 1, errors: 1, failedObjects: 1 },
      }),
      cwd,
    );
    expect(text).toContain('  generated   1 record, 1 acknowledged');
    expect(text).toContain('  consumer    1 record in 1 batch, ');
    expect(text).toContain(' delivered in 1 object, ');
    expect(text).toContain(
      '  parquet     1 object converted, 1 row, 1 conversion error, 1 object given up on\n',
    );
  });

  it('names records resent (possible duplicates) and objects the converter gave up on', () => {
    const base = localSummary();
    const text = formatSummary(
      localSummary({
        generated: { ...base.generated, resent: 12, resentUnconfirmed: 3 },
        converted: { ...base.converted, failedObjects: 2 },
      }),
      cwd,
    );
    expect(text).toMatch(/\n {14}resent 12 \(3 after a timeout .*possible duplicates\)\n/);
    expect(text).toContain(', 0 conversion errors, 2 objects given up on\n');
  });

  it('leaves out the stages a direct-put run has not, and the query when there is no lake', () => {
    const base = localSummary();
    const text = formatSummary(
      localSummary({
        target: 'the delivery stream',
        consumer: { ...base.consumer, mapping: undefined },
        firehose: undefined,
        reconciliation: { ...base.reconciliation, lakeGlob: undefined },
      }),
      cwd,
    );
    expect(text).toContain('acknowledged by the delivery stream');
    expect(text).not.toMatch(/^ {2}(consumer|firehose) /m);
    expect(text).not.toContain('try:');
    expect(text).not.toContain('lake rows');
  });

  it('says when DuckDB is missing rather than printing no count', () => {
    const base = localSummary();
    const text = formatSummary(
      localSummary({ reconciliation: { ...base.reconciliation, lakeRows: undefined } }),
      cwd,
    );
    expect(text).toContain('lake rows (DuckDB): not counted (@duckdb/node-api not installed)\n');
  });

  it('prints the mirror folder as "." when it is the working directory', () => {
    const text = formatSummary(localSummary({ lakeDirectory: cwd }), cwd);
    expect(text).toContain('the bucket is mirrored to ./ (');
    expect(formatSummary(localSummary({ lakeDirectory: join(cwd, 'runs', 'a', 'bucket') }), cwd)).toContain(
      'mirrored to runs/a/bucket/ (',
    );
  });

  describe('the verdict, its last line', () => {
    const base = localSummary();
    const failed = {
      ...base.reconciliation,
      ok: false,
      checks: [{ name: 'Firehose', expected: 100, actual: 98, parts: { delivered: 98 }, ok: false }],
    };
    it.each<[string, Partial<typeof base>, RegExp, RegExp?]>([
      [
        'a check that fails',
        { reconciliation: failed },
        /^the numbers do NOT add up: see the FAIL lines above\.$/,
        /^ {2}FAIL Firehose: expected 100, found 98 \(delivered 98\)$/m,
      ],
      [
        'a run not reconciled',
        { reconciliation: { ...base.reconciliation, skipped: 'the bucket holds objects of another run' } },
        /^not reconciled\.$/,
        /^reconciliation\n {2}the bucket holds objects of another run\n/m,
      ],
      [
        'a run that did not do its job',
        { problems: ['Firehose received nothing'] },
        /^the run did NOT do its job \(see PROBLEM above\), although every generated record is accounted for\.$/,
        /^PROBLEM Firehose received nothing$/m,
      ],
      [
        'an interrupted run',
        {
          interrupted: true,
          problems: ['interrupted: stopped by Ctrl-C or SIGTERM after 40 of 100 records'],
        },
        /^interrupted before its count: every generated record is accounted for\.$/,
        undefined,
      ],
      [
        'records left undelivered',
        { interrupted: true, undelivered: ['firehose: 3 records not written'] },
        /^records were lost or NOT delivered \(see UNDELIVERED above\); every generated record is accounted for\.$/,
        /^UNDELIVERED firehose: 3 records not written$/m,
      ],
    ])('for %s says so', (_, change, verdict, line) => {
      const lines = formatSummary(localSummary(change), cwd);
      expect(lines.split('\n').at(-1)).toMatch(verdict);
      if (line) expect(lines).toMatch(line);
    });
  });
});

describe('formatEmulatorDown', () => {
  it('names the emulator, why it stopped, what was in flight and the way out', () => {
    const down = {
      name: 'kinesalite',
      endpoint: 'http://127.0.0.1:4567',
      cause: 'exited (killed by SIGKILL)',
      line: 'kpipe: kinesalite exited (killed by SIGKILL); run kpipe local again',
    };
    const error = new EmulatorDownError(down, ['generator: 40 records sent', 'Firehose: 3 buffered']);

    expect(formatEmulatorDown(error).split('\n')).toEqual([
      '',
      'kpipe local — stopped: kinesalite exited (killed by SIGKILL)',
      'in flight when it stopped (not reconciled):',
      '  generator: 40 records sent',
      '  Firehose: 3 buffered',
      '',
      'kinesalite exited (killed by SIGKILL); run kpipe local again',
    ]);
  });
});

describe('createTerminal off a terminal (a pipe, a CI log)', () => {
  function pipe() {
    const writes: string[] = [];
    const stream = { isTTY: false, write: (text: string) => writes.push(text) > 0 };
    return { writes, stream: stream as unknown as NodeJS.WriteStream };
  }

  afterEach(() => jest.restoreAllMocks());

  it('prints the status at most every 2 s, each on a line of its own and uncut', () => {
    const { writes, stream } = pipe();
    const now = jest.spyOn(Date, 'now').mockReturnValue(10_000);
    const terminal = createTerminal(stream);
    const long = `generated ${'9'.repeat(200)}`;

    terminal.status(long);
    now.mockReturnValue(11_999);
    terminal.status('too soon');
    now.mockReturnValue(12_000);
    terminal.status('two seconds on');
    terminal.done();

    expect(writes).toEqual([`${long}\n`, 'two seconds on\n']);
  });

  it('prints notes as plain lines, at once', () => {
    const { writes, stream } = pipe();
    const terminal = createTerminal(stream);

    terminal.note('console: http://127.0.0.1:1234/');
    terminal.note('stopping: draining…');

    expect(writes).toEqual(['console: http://127.0.0.1:1234/\n', 'stopping: draining…\n']);
  });

  it('on a terminal, moves below the status line only when one is shown, and notes need no redraw before one', () => {
    const writes: string[] = [];
    const stream = { isTTY: true, columns: 0, write: (text: string) => writes.push(text) > 0 };
    const terminal = createTerminal(stream as unknown as NodeJS.WriteStream);

    terminal.note('a note');
    terminal.done();

    // No status shown: the note alone, and no blank line; a width of 0 is taken as 80 columns.
    expect(writes).toEqual(['\r\x1b[2Ka note\n']);
    terminal.status('x'.repeat(100));
    expect(writes.at(-1)).toBe(`\r\x1b[2K${'x'.repeat(78)}…`);
  });
});
