// Preloaded (node -r) into kinesalite-server.cjs by bench/kinesalite-memory.mjs: every
// KINESALITE_PROBE_MS it collects garbage (when --expose-gc) and prints process.memoryUsage() to stderr.
const every = Number(process.env.KINESALITE_PROBE_MS || 5000);
setInterval(() => {
  if (global.gc) global.gc();
  process.stderr.write(`PROBE ${JSON.stringify(process.memoryUsage())}\n`);
}, every).unref();
