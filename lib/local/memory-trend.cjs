/**
 * The soak's memory verdicts (scripts/soak.mjs), kept apart so the rule is tested: a least-squares slope over
 * the second half of the run (the first half holds the warm-up, when buffers, caches and V8's heap fill),
 * against a limit per kind of figure.
 *  - The V8 heap after a full collection (memory-probe.cjs) is the live data: anything kept per record shows
 *    here. Flat means under HEAP_LIMIT_MB_PER_MIN: at 100 records/s that is ~40 bytes per record.
 *  - RSS adds what V8 reserved and malloc kept; it moves with collections and fragmentation, so it gets a
 *    looser limit and a swing is not a leak unless the heap grows too.
 */
const HEAP_LIMIT_MB_PER_MIN = 0.25;
const RSS_LIMIT_MB_PER_MIN = 1;
const MB = 1024 * 1024;

/** Least-squares slope of y over x ([x, y] points); 0 for fewer than two distinct x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) / sxx;
}

/** The probe lines of `text`, parsed; lines that are not probe JSON (a line cut by a crash) are skipped. */
function* probes(text) {
  for (const line of text.split('\n')) {
    let probe;
    try {
      probe = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof probe?.heapUsed === 'number') yield probe;
  }
}

/**
 * The probe's lines, grouped into one series per process thread: `name` is the role (kpipe, kinesalite),
 * with the thread id for worker threads, and `main` names the process whose workers are kpipe's.
 */
function probeSeries(text, startedAt, mainPid) {
  const series = new Map();
  for (const probe of probes(text)) {
    if (typeof probe.at !== 'number') continue;
    const owner = probe.pid === mainPid ? 'kpipe' : probe.role;
    const name = probe.thread === 0 ? owner : `${owner} thread ${probe.thread}`;
    if (!series.has(name)) series.set(name, []);
    series.get(name).push({ minute: (probe.at - startedAt) / 60_000, heapMb: probe.heapUsed / MB });
  }
  return series;
}

/**
 * The verdict on one series of [minute, MB] points over a run of `minutes`: its peak, its slope over the
 * second half, and whether that slope is within `limit`. Too few points in the second half (< 3) is no
 * verdict (`flat` undefined), never a pass.
 */
function trend(points, minutes, limit) {
  const late = points.filter(([minute]) => minute >= minutes / 2);
  const peak = points.length === 0 ? 0 : Math.max(...points.map(([, mb]) => mb));
  if (late.length < 3) return { peak, mbPerMinute: NaN, flat: undefined, points: late.length };
  const mbPerMinute = slope(late);
  return { peak, mbPerMinute, flat: mbPerMinute <= limit, points: late.length };
}

/**
 * What each probed process's RSS was made of at its last probe, in MB: the V8 heaps reserved by all its
 * threads (`used`: their live data after the collection), memory outside them (Buffers, external strings),
 * and the rest (code, stacks, malloc's arenas, LevelDB in kinesalite). A rising RSS with a flat `used` is
 * V8 or malloc keeping freed memory, not data kept.
 */
function composition(text, mainPid) {
  const last = new Map();
  for (const probe of probes(text)) {
    last.set(`${probe.pid}:${probe.thread}`, probe);
  }
  const processes = new Map();
  for (const probe of last.values()) {
    const name = probe.pid === mainPid ? 'kpipe' : probe.role;
    const entry = processes.get(name) ?? { rss: 0, reserved: 0, used: 0, external: 0, at: 0 };
    entry.reserved += probe.heapTotal / MB;
    entry.used += probe.heapUsed / MB;
    entry.external += probe.external / MB;
    // RSS is the process's: the latest thread's figure.
    if (probe.at >= entry.at) Object.assign(entry, { rss: probe.rss / MB, at: probe.at });
    processes.set(name, entry);
  }
  return new Map(
    [...processes].map(([name, { rss, reserved, used, external }]) => [
      name,
      { rss, reserved, used, external, other: rss - reserved - external },
    ]),
  );
}

module.exports = { HEAP_LIMIT_MB_PER_MIN, RSS_LIMIT_MB_PER_MIN, slope, probeSeries, trend, composition };
