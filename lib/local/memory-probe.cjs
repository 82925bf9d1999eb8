/**
 * A memory probe for soak runs (scripts/soak.mjs), off unless KPIPE_MEMORY_PROBE names a file. Loaded with
 * `NODE_OPTIONS=--require` into kpipe and its producer thread (preloads reach worker threads too), and by
 * kinesalite-server.cjs. Every KPIPE_MEMORY_PROBE_MS (default 10 s) it forces a full garbage collection and
 * appends one JSON line per thread: the V8 heap still used after it (the live data: heapUsed without the
 * collection, or RSS, mostly says when V8 last collected), and RSS and external memory beside it.
 * The collection costs a few ms per 100 MB of heap; it is a measurement, so it is never on by default.
 */
const { appendFileSync } = require('node:fs');
const { basename } = require('node:path');
const { setInterval } = require('node:timers');
const { setFlagsFromString } = require('node:v8');
const { runInNewContext } = require('node:vm');
const { isMainThread, threadId } = require('node:worker_threads');

/** The name a process goes by in the soak's table: kpipe, kinesalite, or its script's name. */
function roleOf(script) {
  const name = basename(script || 'node').replace(/\.(c|m)?[jt]s$/, '');
  if (name === 'kpipe') return 'kpipe';
  if (name === 'kinesalite-server') return 'kinesalite';
  return name;
}

/** One probe line: the heap after a full collection (collect: false, as V8 left it: for tests). */
function measure(role, collect) {
  if (collect) collect();
  const usage = process.memoryUsage();
  return {
    role,
    thread: threadId,
    pid: process.pid,
    at: Date.now(),
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    rss: usage.rss,
  };
}

/** The global gc() V8 gives with --expose-gc, obtained at run time (NODE_OPTIONS need not name it). */
function exposeGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/** Starts the probe when KPIPE_MEMORY_PROBE is set; returns the timer (unref'd: it never holds the process). */
function start(env = process.env, script = process.argv[1]) {
  const file = env.KPIPE_MEMORY_PROBE;
  if (!file) return undefined;
  const everyMs = Number(env.KPIPE_MEMORY_PROBE_MS || 10_000);
  if (!Number.isFinite(everyMs) || everyMs < 100) {
    throw new Error(
      `KPIPE_MEMORY_PROBE_MS must be a number of ms >= 100, got "${env.KPIPE_MEMORY_PROBE_MS}"`,
    );
  }
  // A worker thread has no script of its own in argv: its lines carry the process's pid and its thread id.
  const role = isMainThread ? roleOf(script) : 'worker';
  const collect = exposeGc();
  const timer = setInterval(() => {
    try {
      appendFileSync(file, `${JSON.stringify(measure(role, collect))}\n`);
    } catch {
      // a probe never fails the run it measures
    }
  }, everyMs);
  timer.unref();
  return timer;
}

module.exports = { start, measure, roleOf };
if (require.main !== module && process.env.KPIPE_MEMORY_PROBE) start();
