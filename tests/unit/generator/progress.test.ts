import {
  createProgressReporter,
  formatReport,
  type GenerateProgress,
  type GenerateReport,
} from '../../../lib/generator';

function stream(isTTY: boolean): {
  write: (text: string) => void;
  isTTY: boolean;
  columns: number;
  output: string[];
} {
  const output: string[] = [];
  return { output, isTTY, columns: 160, write: (text) => output.push(text) };
}

const progress = (acknowledged: number, elapsedMs: number): GenerateProgress => ({
  attempted: acknowledged,
  acknowledged,
  failed: 0,
  bytes: acknowledged * 100,
  elapsedMs,
  inFlight: 0,
  targetCount: 1000,
});

const report: GenerateReport = {
  attempted: 1000,
  acknowledged: 990,
  failed: 10,
  bytes: 100_000,
  resent: 0,
  resentUnconfirmed: 0,
  durationMs: 2000,
  ratePerSecond: 495,
  scheduled: 1200,
  byKind: {
    valid: { attempted: 900, acknowledged: 890, failed: 10 },
    'not-json': { attempted: 100, acknowledged: 100, failed: 0 },
    'schema-violation': { attempted: 0, acknowledged: 0, failed: 0 },
    oversize: { attempted: 0, acknowledged: 0, failed: 0 },
  },
  errors: { ProvisionedThroughputExceededException: 10 },
};

describe('createProgressReporter', () => {
  it('prints plain lines at most once per interval when not on a terminal', () => {
    // Prepare
    const out = stream(false);
    let now = 0;
    const reporter = createProgressReporter({ stream: out, intervalMs: 1000, now: () => now });

    // Act
    reporter.update(progress(100, 100));
    now = 500;
    reporter.update(progress(200, 500));
    now = 1000;
    reporter.update(progress(500, 1000));
    reporter.done(report);

    // Assess
    expect(out.output).toHaveLength(3);
    expect(out.output[0]).toBe('generate: 10% 100 sent, 100 acknowledged, 0 failed, 10.0 KB, 1,000 rec/s\n');
    expect(out.output[1]).toMatch(/^generate: 50% 500 sent/);
    for (const line of out.output) expect(line).not.toContain('\x1b');
  });

  it('redraws one bar on a terminal and clears it before the summary', () => {
    // Prepare
    const out = stream(true);
    let now = 0;
    const reporter = createProgressReporter({ stream: out, now: () => now });

    // Act
    reporter.update(progress(250, 1000));
    now = 1000;
    reporter.update(progress(500, 2000));
    reporter.done(report);

    // Assess
    const clearLine = '\r\x1b[2K';
    expect(out.output[0]?.startsWith(clearLine)).toBe(true);
    expect(out.output[0]?.slice(clearLine.length)).toMatch(/^\[#+\.+] 25% 250 sent/);
    expect(out.output[1]?.slice(clearLine.length)).toMatch(/^\[#+\.+] 50% 500 sent/);
    expect(out.output[2]).toBe(clearLine);
    expect(out.output[3]).toMatch(/^generate: 1,000 sent/);
  });
});

describe('formatReport', () => {
  it('names the shortfall, the bad records by kind and the errors by code', () => {
    // Act
    const text = formatReport(report);

    // Assess
    expect(text).toBe(
      'generate: 1,000 sent, 990 acknowledged, 10 failed, 100.0 KB in 2.0 s (495 rec/s); ' +
        '200 behind schedule (try --concurrency); invalid on purpose: not-json 100; ' +
        'errors: ProvisionedThroughputExceededException 10',
    );
  });

  it('says how many records were resent and how many of them may be duplicates, only when any were', () => {
    const text = formatReport({ ...report, resent: 120, resentUnconfirmed: 20 });

    expect(text).toContain(
      '; resent 120 (20 after a timeout or reset that may have stored them: possible duplicates)',
    );
    expect(formatReport(report)).not.toContain('resent');
  });
});
