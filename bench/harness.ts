/**
 * Each benchmark measures its subject beside a bare baseline doing the least work that reaches the same
 * result, in the same process, alternating rounds so both see the same machine noise. The figure that
 * matters is the ratio: these machines are shared and absolute numbers drift.
 */
export interface BenchCase {
  name: string;
  /** What one call processes, e.g. 10,000 records, so the printout is in units per second. */
  unitsPerCall: number;
  unit: string;
  subject: () => unknown | Promise<unknown>;
  baseline: () => unknown | Promise<unknown>;
  baselineName: string;
  /** Timed rounds per side (after one warm-up call each). */
  rounds?: number;
}

export interface BenchResult {
  name: string;
  unit: string;
  subjectPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
}

async function timeOnce(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function runBench(bench: BenchCase): Promise<BenchResult> {
  const rounds = bench.rounds ?? 7;
  await bench.baseline();
  await bench.subject();
  const subjectTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    baselineTimes.push(await timeOnce(bench.baseline));
    subjectTimes.push(await timeOnce(bench.subject));
  }
  const subjectPerSecond = bench.unitsPerCall / median(subjectTimes);
  const baselinePerSecond = bench.unitsPerCall / median(baselineTimes);
  const result = {
    name: bench.name,
    unit: bench.unit,
    subjectPerSecond,
    baselinePerSecond,
    ratio: subjectPerSecond / baselinePerSecond,
  };
  console.log(formatResult(result, bench.baselineName));
  return result;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatResult(result: BenchResult, baselineName: string): string {
  return (
    `${result.name}: ${integer.format(result.subjectPerSecond)} ${result.unit}/s` +
    ` | baseline (${baselineName}): ${integer.format(result.baselinePerSecond)} ${result.unit}/s` +
    ` | ratio ${result.ratio.toFixed(2)}`
  );
}
