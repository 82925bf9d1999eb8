/**
 * The soak's memory rule (lib/local/memory-trend.cjs) and its probe (memory-probe.cjs): a heap that grows by
 * a few bytes per record fails, a heap that swings around a level passes, and too few samples is no verdict.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-require-imports */
const trend = require('../../../lib/local/memory-trend.cjs') as {
  HEAP_LIMIT_MB_PER_MIN: number;
  RSS_LIMIT_MB_PER_MIN: number;
  slope(points: [number, number][]): number;
  probeSeries(
    text: string,
    startedAt: number,
    mainPid: number,
  ): Map<string, { minute: number; heapMb: number }[]>;
  trend(
    points: [number, number][],
    minutes: number,
    limit: number,
  ): { peak: number; mbPerMinute: number; flat: boolean | undefined; points: number };
  composition(
    text: string,
    mainPid: number,
  ): Map<string, { rss: number; reserved: number; used: number; external: number; other: number }>;
};
const probe = require('../../../lib/local/memory-probe.cjs') as {
  start(env: Record<string, string | undefined>, script?: string): NodeJS.Timeout | undefined;
  measure(role: string, collect?: () => void): Record<string, number | string>;
  roleOf(script: string | undefined): string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const MB = 1024 * 1024;
/** One point every 10 s for `minutes`, from `mb(minute)`. */
const series = (minutes: number, mb: (minute: number) => number): [number, number][] =>
  Array.from({ length: minutes * 6 + 1 }, (_, i) => [i / 6, mb(i / 6)]);

describe('slope', () => {
  it('is the least-squares slope, 0 for a flat or single-x series', () => {
    expect(
      trend.slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      trend.slope([
        [0, 4],
        [1, 4],
      ]),
    ).toBe(0);
    expect(
      trend.slope([
        [1, 4],
        [1, 9],
      ]),
    ).toBe(0);
    expect(trend.slope([[1, 4]])).toBe(0);
  });
});

describe('trend', () => {
  it('passes a heap that swings ±5 MB around a level, over the second half only', () => {
    // A warm-up climb of 40 MB in the first half does not count.
    const points = series(30, (m) => (m < 15 ? 20 + (40 * m) / 15 : 60 + 5 * Math.sin(m * 7)));
    const verdict = trend.trend(points, 30, trend.HEAP_LIMIT_MB_PER_MIN);
    expect(verdict.flat).toBe(true);
    expect(verdict.peak).toBeCloseTo(65, 0);
    expect(verdict.points).toBe(91);
  });

  it('fails a heap that keeps 50 bytes per record at 100 records/s (0.29 MB/min)', () => {
    const perMinute = (50 * 100 * 60) / MB;
    const verdict = trend.trend(
      series(30, (m) => 50 + perMinute * m),
      30,
      trend.HEAP_LIMIT_MB_PER_MIN,
    );
    expect(verdict.mbPerMinute).toBeCloseTo(perMinute, 5);
    expect(verdict.flat).toBe(false);
  });

  it('fails RSS growing 1.2 MB/min and gives no verdict on fewer than 3 late points', () => {
    expect(
      trend.trend(
        series(20, (m) => 300 + 1.2 * m),
        20,
        trend.RSS_LIMIT_MB_PER_MIN,
      ).flat,
    ).toBe(false);
    const short = trend.trend(
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      4,
      1,
    );
    expect(short.flat).toBeUndefined();
    expect(short.mbPerMinute).toBeNaN();
    expect(trend.trend([], 10, 1)).toMatchObject({ peak: 0, flat: undefined, points: 0 });
  });
});

describe('probeSeries', () => {
  it("groups lines by process and thread, names kpipe's threads by its pid, and skips cut lines", () => {
    const line = (role: string, pid: number, thread: number, at: number, heapMb: number) =>
      JSON.stringify({ role, pid, thread, at, heapUsed: heapMb * MB });
    const text = [
      line('kpipe', 7, 0, 60_000, 50),
      line('worker', 7, 2, 60_000, 25),
      line('kinesalite', 9, 0, 120_000, 7),
      '{"role":"kpipe","pid":7,"thr',
      'not json',
      JSON.stringify({ role: 'kpipe', pid: 7, thread: 0 }),
      line('kpipe', 7, 0, 120_000, 52),
    ].join('\n');
    const result = trend.probeSeries(text, 0, 7);
    expect([...result.keys()]).toEqual(['kpipe', 'kpipe thread 2', 'kinesalite']);
    expect(result.get('kpipe')).toEqual([
      { minute: 1, heapMb: 50 },
      { minute: 2, heapMb: 52 },
    ]);
    expect(result.get('kinesalite')).toEqual([{ minute: 2, heapMb: 7 }]);
  });
});

describe('memory probe', () => {
  it('is off without KPIPE_MEMORY_PROBE and refuses a nonsense interval', () => {
    expect(probe.start({})).toBeUndefined();
    expect(() => probe.start({ KPIPE_MEMORY_PROBE: '/tmp/x', KPIPE_MEMORY_PROBE_MS: 'soon' })).toThrow(
      'KPIPE_MEMORY_PROBE_MS must be a number of ms >= 100, got "soon"',
    );
  });

  it('names processes by their script', () => {
    expect(probe.roleOf('/x/bin/kpipe.js')).toBe('kpipe');
    expect(probe.roleOf('/x/lib/local/kinesalite-server.cjs')).toBe('kinesalite');
    expect(probe.roleOf('/x/s3rver-server.cjs')).toBe('s3rver-server');
    expect(probe.roleOf(undefined)).toBe('node');
  });

  it('collects before it measures, and appends one JSON line per interval', async () => {
    const collect = jest.fn();
    const line = probe.measure('kpipe', collect);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(line).toMatchObject({ role: 'kpipe', thread: 0, pid: process.pid });
    expect(line.heapUsed).toBeGreaterThan(0);

    const file = join(mkdtempSync(join(tmpdir(), 'probe-')), 'memory.jsonl');
    const timer = probe.start({ KPIPE_MEMORY_PROBE: file, KPIPE_MEMORY_PROBE_MS: '100' }, '/x/bin/kpipe.js');
    expect(timer?.hasRef()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    clearInterval(timer);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as { role: string });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((entry) => entry.role === 'kpipe')).toBe(true);
  });
});

describe('composition', () => {
  it("splits each process's last RSS into its threads' heaps, external memory and the rest", () => {
    const line = (pid: number, thread: number, at: number, mb: Record<string, number>) =>
      JSON.stringify({
        role: pid === 7 ? (thread === 0 ? 'kpipe' : 'worker') : 'kinesalite',
        pid,
        thread,
        at,
        ...Object.fromEntries(Object.entries(mb).map(([key, value]) => [key, value * MB])),
      });
    const text = [
      line(7, 0, 1, { heapUsed: 40, heapTotal: 80, external: 10, rss: 250 }),
      line(7, 0, 3, { heapUsed: 50, heapTotal: 90, external: 20, rss: 300 }),
      line(7, 2, 2, { heapUsed: 25, heapTotal: 40, external: 5, rss: 290 }),
      line(9, 0, 2, { heapUsed: 7, heapTotal: 40, external: 2, rss: 150 }),
      'cut',
    ].join('\n');
    const parts = trend.composition(text, 7);
    expect(parts.get('kpipe')).toEqual({ rss: 300, reserved: 130, used: 75, external: 25, other: 145 });
    expect(parts.get('kinesalite')).toEqual({ rss: 150, reserved: 40, used: 7, external: 2, other: 108 });
    expect(trend.composition('', 7).size).toBe(0);
  });
});
