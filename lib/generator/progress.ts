import type { GenerateProgress, GenerateReport } from './generate';

/** The parts of process.stderr the reporter uses, injectable for tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  stream?: ProgressStream;
  /** Minimum time between two lines (non-TTY) or redraws (TTY). Defaults: 5000 ms plain, 100 ms TTY. */
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressReporter {
  update(progress: GenerateProgress): void;
  /** Finishes the bar and prints the summary line. */
  done(report: GenerateReport): void;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function fraction(progress: GenerateProgress): number | undefined {
  const parts: number[] = [];
  if (progress.targetCount !== undefined)
    parts.push((progress.acknowledged + progress.failed) / progress.targetCount);
  if (progress.targetDurationMs !== undefined) parts.push(progress.elapsedMs / progress.targetDurationMs);
  if (parts.length === 0) return undefined;
  // Whichever end comes first.
  return Math.min(1, Math.max(...parts));
}

function counts(progress: GenerateProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.acknowledged / seconds : 0;
  return (
    `${integer.format(progress.attempted)} sent, ${integer.format(progress.acknowledged)} acknowledged, ` +
    `${integer.format(progress.failed)} failed, ${formatBytes(progress.bytes)}, ${integer.format(rate)} rec/s`
  );
}

function bar(share: number, width: number): string {
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines every few seconds otherwise (CI logs, files).
 * Needs no dependency.
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const intervalMs = options.intervalMs ?? (tty ? 100 : 5000);
  const now = options.now ?? Date.now;
  let lastDraw = -Infinity;
  let drawn = false;

  const line = (progress: GenerateProgress): string => {
    const share = fraction(progress);
    const percent = share === undefined ? '' : `${Math.floor(share * 100)}% `;
    return `${percent}${counts(progress)}`;
  };

  return {
    update: (progress) => {
      const time = now();
      if (time - lastDraw < intervalMs) return;
      lastDraw = time;
      if (!tty) {
        stream.write(`generate: ${line(progress)}\n`);
        return;
      }
      const share = fraction(progress);
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 90));
      const text = `${share === undefined ? '' : `${bar(share, width)} `}${line(progress)}`;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 200) - 1)}`);
      drawn = true;
    },
    done: (report) => {
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(`${formatReport(report)}\n`);
    },
  };
}

/** Resends by the sink's retry layer, and how many may be duplicates (docs/retries.md). */
export function resentText(counts: { resent: number; resentUnconfirmed: number }): string {
  return (
    `resent ${integer.format(counts.resent)} (${integer.format(counts.resentUnconfirmed)} after a timeout ` +
    `or reset that may have stored them: possible duplicates)`
  );
}

/** One-line summary of a run, with bad-record kinds and error codes when there are any. */
export function formatReport(report: GenerateReport): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  let text =
    `generate: ${integer.format(report.attempted)} sent, ${integer.format(report.acknowledged)} acknowledged, ` +
    `${integer.format(report.failed)} failed, ${formatBytes(report.bytes)} in ${seconds} s ` +
    `(${integer.format(report.ratePerSecond)} rec/s)`;
  if (report.scheduled !== undefined && report.scheduled > report.attempted) {
    text += `; ${integer.format(report.scheduled - report.attempted)} behind schedule (try --concurrency)`;
  }
  const spoiled = Object.entries(report.byKind).filter(
    ([kind, counts]) => kind !== 'valid' && counts.attempted > 0,
  );
  if (spoiled.length > 0) {
    text += `; invalid on purpose: ${spoiled.map(([kind, counts]) => `${kind} ${integer.format(counts.attempted)}`).join(', ')}`;
  }
  if (report.resent > 0) text += `; ${resentText(report)}`;
  const errors = Object.entries(report.errors);
  if (errors.length > 0)
    text += `; errors: ${errors.map(([code, count]) => `${code} ${integer.format(count)}`).join(', ')}`;
  if (report.aborted !== undefined) text += `; stopped early: ${report.aborted}`;
  return text;
}
