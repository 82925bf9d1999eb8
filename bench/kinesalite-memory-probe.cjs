// Preloaded (node -r) into kinesalite-server.cjs by bench/kinesalite-memory.mjs: every
// KINESALITE_PROBE_MS it collects garbage (when --expose-gc) and prints process.memoryUsage() to stderr,
// with Linux's split of RSS into anonymous memory (heap, malloc) and file pages (LevelDB's mmapped tables).
const { readFileSync } = require('node:fs');
const { setInterval } = require('node:timers');
const every = Number(process.env.KINESALITE_PROBE_MS || 5000);
function rssSplit() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (name) => Number((new RegExp(`${name}:\\s+(\\d+)`).exec(status) || [])[1] || 0) * 1024;
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
  } catch {
    return {};
  }
}
setInterval(() => {
  if (process.env.KINESALITE_PROBE_GC && globalThis.gc) globalThis.gc();
  process.stderr.write(`PROBE ${JSON.stringify({ ...process.memoryUsage(), ...rssSplit() })}\n`);
}, every).unref();
