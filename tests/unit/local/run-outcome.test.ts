/**
 * A local run says when it did not do its job: the outcome checks, the exit status, the one-run-per-folder
 * lock and the terminal's status line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTerminal, exitCode, INTERRUPTED_EXIT } from '../../../lib/cli/local';
import { formatSummary } from '../../../lib/cli/local';
import {
  runProblems,
  undeliveredByPath,
  type InFlightCounts,
  type StageCounts,
} from '../../../lib/local/reconcile';
import type { LocalRunSummary } from '../../../lib/local/runtime';
import { LOCK_FILE, lockStateDirectory, StateLockedError } from '../../../lib/local/state-lock';

const healthy: StageCounts = {
  requested: 100,
  acknowledged: 100,
  interrupted: false,
  consumer: { received: 100, delivered: 90, errors: 10 },
  firehose: { received: 100, delivered: 90, errors: 10 },
  windows: { received: 100 },
  conversion: { objects: 2, expected: true },
};

describe('runProblems', () => {
  it('finds nothing wrong with a run where every stage worked', () => {
    expect(runProblems(healthy)).toEqual([]);
  });

  it.each([
    ['streamConsumer', { consumer: { received: 0, delivered: 0, errors: 0 } }],
    ['Firehose', { firehose: { received: 0, delivered: 0, errors: 0 } }],
    ['windowAggregator', { windows: { received: 0 } }],
  ])('names %s when it received nothing while records were generated', (name, change) => {
    expect(runProblems({ ...healthy, ...change })).toEqual([
      `${name} received nothing while 100 records were generated`,
    ]);
  });

  it('names a path on which every record ended in errors', () => {
    const problems = runProblems({ ...healthy, firehose: { received: 100, delivered: 0, errors: 100 } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Firehose: every record ended in errors \(100\).*--template/);
  });

  it('does not call a path where the rules dropped everything an error path', () => {
    expect(runProblems({ ...healthy, consumer: { received: 100, delivered: 0, errors: 0 } })).toEqual([]);
  });

  it('says a run was interrupted before its count, and that a run generated nothing', () => {
    expect(runProblems({ ...healthy, interrupted: true, acknowledged: 40 })).toEqual([
      'interrupted: stopped by Ctrl-C or SIGTERM after 40 of 100 records',
    ]);
    expect(runProblems({ ...healthy, acknowledged: 0 })[0]).toMatch(/^no record reached the stream/);
  });

  it('notices a converter that converted nothing, and a generator that stopped on its own', () => {
    expect(runProblems({ ...healthy, conversion: { objects: 0, expected: true } })).toEqual([
      'parquetConverter converted no object although Firehose delivered records',
    ]);
    expect(runProblems({ ...healthy, conversion: { objects: 0, expected: false } })).toEqual([]);
    expect(runProblems({ ...healthy, generationStopped: 'sink failed' })).toEqual([
      'generation stopped early: sink failed',
    ]);
  });
});

describe('exitCode', () => {
  const summary = (change: Partial<LocalRunSummary>, ok = true) =>
    ({
      interrupted: false,
      problems: [],
      undelivered: [],
      reconciliation: { ok },
      ...change,
    }) as LocalRunSummary;

  it('is 0 only for a run that did its job', () => {
    expect(exitCode(summary({}))).toBe(0);
    expect(exitCode(summary({ problems: ['Firehose received nothing'] }))).toBe(1);
    expect(exitCode(summary({}, false))).toBe(1);
  });

  it('is the interrupted status for a run stopped before its count, unless the numbers do not add up', () => {
    expect(exitCode(summary({ interrupted: true, problems: ['interrupted'] }))).toBe(INTERRUPTED_EXIT);
    expect(exitCode(summary({ interrupted: true }, false))).toBe(1);
  });

  it('is 1 when records were left undelivered, even when every check adds up or the run was interrupted', () => {
    expect(exitCode(summary({ undelivered: ['firehose: 3 records not written'] }))).toBe(1);
    expect(exitCode(summary({ interrupted: true, undelivered: ['consumer: 1 record'] }))).toBe(1);
  });
});

describe('undeliveredByPath', () => {
  const clean: InFlightCounts = {
    generator: { failed: 0, errors: {} },
    consumer: { deadLettered: 0, deadLetterFile: '.local/dead-letters/streamConsumer.jsonl' },
    firehose: { deliveryFailed: 0, pending: 0, discardedOnStop: 0, deadLettered: 0 },
    windows: { deadLettered: 0, rowsFailed: 0, deadLetterFile: '.local/dead-letters/windowAggregator.jsonl' },
  };

  it('finds nothing when every record got somewhere', () => {
    expect(undeliveredByPath(clean)).toEqual([]);
    expect(undeliveredByPath({ generator: { failed: 0, errors: {} } })).toEqual([]);
  });

  it.each([
    [
      'generator',
      { generator: { failed: 12, errors: { ProvisionedThroughputExceededException: 12 } } },
      /^generator: 12 records failed PutRecords.*ProvisionedThroughputExceededException 12/,
    ],
    [
      'consumer',
      { consumer: { deadLettered: 19, deadLetterFile: 'dl.jsonl' } },
      /^consumer: 19 records only in dead letters \(dl\.jsonl/,
    ],
    [
      'firehose',
      { firehose: { ...clean.firehose!, deliveryFailed: 1470 } },
      /^firehose: 1,470 records not written to S3 after retries/,
    ],
    [
      'firehose',
      { firehose: { ...clean.firehose!, pending: 7 } },
      /^firehose: 7 records still buffered or waiting on S3 retries/,
    ],
    ['firehose', { firehose: { ...clean.firehose!, discardedOnStop: 2 } }, /^firehose: 2 records discarded/],
    [
      'firehose',
      { firehose: { ...clean.firehose!, deadLettered: 4 } },
      /^firehose: 4 records only in the source reader's dead letters/,
    ],
    [
      'windows',
      { windows: { ...clean.windows!, deadLettered: 5 } },
      /^windows: 5 records only in dead letters/,
    ],
    ['windows', { windows: { ...clean.windows!, rowsFailed: 6 } }, /^windows: 6 result rows not written/],
  ])('names the %s path and what it lost', (_path, change, line) => {
    const lines = undeliveredByPath({ ...clean, ...change } as InFlightCounts);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });

  it('counts one record or row in the singular', () => {
    const lines = undeliveredByPath({
      generator: { failed: 1, errors: { InternalFailure: 1 } },
      consumer: { deadLettered: 1, deadLetterFile: 'dl.jsonl' },
      firehose: { deliveryFailed: 1, pending: 0, discardedOnStop: 0, deadLettered: 0 },
      windows: { deadLettered: 1, rowsFailed: 1, deadLetterFile: 'w.jsonl' },
    });
    expect(lines).toEqual([
      expect.stringMatching(/^generator: 1 record failed PutRecords/),
      expect.stringMatching(/^consumer: 1 record only in dead letters/),
      expect.stringMatching(/^firehose: 1 record not written to S3/),
      expect.stringMatching(/^windows: 1 record only in dead letters/),
      'windows: 1 result row not written to the results sink',
    ]);
  });

  it('prints one UNDELIVERED line per path in the summary, and a verdict that says so', () => {
    const undelivered = undeliveredByPath({
      ...clean,
      generator: { failed: 2, errors: {} },
      firehose: { ...clean.firehose!, deliveryFailed: 3 },
    });
    const text = formatSummary({
      emulator: 'kinesalite',
      target: 'the stream',
      lakeDirectory: '/tmp/x/bucket',
      generated: { attempted: 5, acknowledged: 3, failed: 2, byKind: {} },
      consumer: { mapping: undefined },
      firehose: undefined,
      converted: { objects: 0, rows: 0, errors: 0, failedObjects: 0 },
      reconciliation: { ok: true, checks: [], errors: {} },
      interrupted: false,
      problems: [],
      undelivered,
      times: { startMs: 0, generateMs: 0, drainMs: 0, mirrorMs: 0 },
    } as unknown as LocalRunSummary);
    const lines = text.split('\n');
    expect(lines.filter((line) => line.startsWith('UNDELIVERED '))).toEqual([
      expect.stringMatching(/^UNDELIVERED generator: 2 records failed PutRecords.*\(no error code\)$/),
      expect.stringMatching(/^UNDELIVERED firehose: 3 records not written/),
    ]);
    expect(lines.at(-1)).toMatch(/^records were lost or NOT delivered/);
  });
});

describe('lockStateDirectory', () => {
  it('refuses a second run on the same folder, naming the PID that holds it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kpipe-lock-'));
    const release = lockStateDirectory(directory);
    expect(() => lockStateDirectory(directory)).toThrow(StateLockedError);
    expect(() => lockStateDirectory(directory)).toThrow(`another kpipe local (PID ${process.pid})`);
    release();
    const again = lockStateDirectory(directory);
    again();
  });

  it('takes over the lock of a run that is gone', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kpipe-lock-'));
    // PIDs are below 2^22 on Linux: this one cannot be running.
    writeFileSync(join(directory, LOCK_FILE), '99999999\n');
    const release = lockStateDirectory(directory);
    expect(readFileSync(join(directory, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});

describe('createTerminal', () => {
  function fakeStream(columns: number) {
    const writes: string[] = [];
    const stream = { isTTY: true, columns, write: (text: string) => writes.push(text) > 0 };
    return { writes, stream: stream as unknown as NodeJS.WriteStream };
  }

  it('cuts the status line to the width and redraws it in place, notes above it', () => {
    const { writes, stream } = fakeStream(40);
    const terminal = createTerminal(stream);
    terminal.status('x'.repeat(100));
    terminal.note('warning: poll failed');
    terminal.done();
    expect(writes[0]).toBe(`\r\x1b[2K${'x'.repeat(38)}…`);
    expect(writes[1]).toBe('\r\x1b[2Kwarning: poll failed\n');
    expect(writes[2]).toBe(writes[0]);
    expect(writes[3]).toBe('\n');
    for (const text of writes)
      expect(text.replaceAll('\r\x1b[2K', '').replaceAll('\n', '').length).toBeLessThan(40);
  });
});
