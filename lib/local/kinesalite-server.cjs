/**
 * kinesalite in a child process of `kpipe local` (so the emulator's LevelDB and JSON work stay off kpipe's
 * event loop). Usage: node kinesalite-server.cjs '<json options>'; prints `{"port":N}` once listening.
 *
 * It dies with its parent: stdin is a pipe from the parent, and its end (the parent exited, however it
 * died) stops the server. A terminal Ctrl-C reaches the whole process group; the parent decides what it
 * means (drain first), so SIGINT is ignored here and SIGTERM closes the store cleanly.
 *
 * Two requests kinesalite 3.3.3 refuses are adapted before its validation, as AWS accepts them:
 *  - StreamARN without StreamName (the SDK's ARN-addressed calls, Firehose re-ingestion): the name is
 *    taken from the ARN;
 *  - CreateStream in ON_DEMAND mode (no ShardCount): 4 shards, what AWS gives a new on-demand stream.
 * Its sequence-number arithmetic runs on BigInt (kinesalite-speedups.cjs): same numbers, 5x the records/s.
 * Records past their stream's retention are deleted every `retentionSweepMs` (kinesalite-retention.cjs),
 * read or not, so a long run's disk is bounded by the retention.
 *
 * A full garbage collection runs every `fullGcMs` (default a minute; 0: never): V8 postpones major
 * collections until the old generation reaches a limit far above this process's live heap (~8 MB), and
 * every request leaves its JSON behind; in a soak one collection took heapTotal from 43 MB to 8 MB. It costs
 * a few ms a minute. (The rest of its RSS is LevelDB's and malloc's, and levels off: README, Long runs.)
 */
const { setInterval } = require('node:timers');
const { bindLifetime } = require('./server-lifetime.cjs');
const validations = require('kinesalite/validations');

require('./memory-probe.cjs'); // off unless KPIPE_MEMORY_PROBE is set (soak runs)
require('./kinesalite-speedups.cjs').install();
const retention = require('./kinesalite-retention.cjs');

const ON_DEMAND_INITIAL_SHARDS = 4;
const options = JSON.parse(process.argv[2] || '{}');

const checkTypes = validations.checkTypes;
validations.checkTypes = function adaptThenCheck(data, types) {
  if (types.StreamName && data.StreamName == null && typeof data.StreamARN === 'string') {
    const match = /:stream\/([^/]+)$/.exec(data.StreamARN);
    if (match) data.StreamName = match[1];
  }
  const mode = data.StreamModeDetails && data.StreamModeDetails.StreamMode;
  if (types.ShardCount && data.ShardCount == null && mode === 'ON_DEMAND') {
    data.ShardCount = ON_DEMAND_INITIAL_SHARDS;
  }
  return checkTypes(data, types);
};

const RETENTION_SWEEP_MS = 60_000;
const FULL_GC_MS = 60_000;
let store = null;
retention.captureStore((created) => (store = created));

const { standalone: _standalone, retentionSweepMs, fullGcMs, ...kinesaliteOptions } = options;
const server = require('kinesalite')({
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit: 1000,
  ...kinesaliteOptions,
});

retention.startRetentionSweep(() => store, retentionSweepMs || RETENTION_SWEEP_MS);
if (fullGcMs !== 0) {
  require('node:v8').setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  setInterval(() => gc(), fullGcMs || FULL_GC_MS).unref();
}

// LevelDB flushes on close.
bindLifetime(options.standalone, (done) => server.close(done));

server.listen(options.port || 0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
