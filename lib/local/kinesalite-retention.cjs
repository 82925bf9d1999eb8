/**
 * kinesalite deletes a record past its stream's retention only when a GetRecords reads over it. A
 * `--follow` run's readers start at the tip and keep up, so they never read an old record again, and every
 * record stayed on disk (140 MB of LevelDB in a 30-minute soak at 100 records/s, growing for as long as
 * the run). Kinesis trims a shard whether or not anyone reads it; this sweep does the same on a timer: for
 * each stream and shard it deletes, oldest first, the records older than RetentionPeriodHours, and stops
 * at the first record still retained (a shard's keys are in sequence order, hence in arrival order).
 */
const { setInterval, clearInterval } = require('node:timers');
const db = require('kinesalite/db');

/** Keys deleted per batch: bounds the memory of a sweep over a long backlog. */
const BATCH_KEYS = 5000;

/** The keys of one shard older than `cutoff` (ms), at most `limit`, oldest first. */
function expiredKeys(streamDb, shardIx, cutoff, limit, cb) {
  const keys = [];
  let done = false;
  const finish = (err) => {
    if (done) return;
    done = true;
    cb(err || null, keys);
  };
  const stream = streamDb.createKeyStream({
    gte: db.shardIxToHex(shardIx) + '/',
    lt: db.shardIxToHex(shardIx + 1),
  });
  stream.on('data', (key) => {
    if (done) return;
    let seqTime;
    try {
      seqTime = db.parseSequence(key.split('/')[1]).seqTime;
    } catch {
      seqTime = Infinity; // not a record key kinesalite wrote: leave it
    }
    if (seqTime < cutoff) keys.push(key);
    if (seqTime >= cutoff || keys.length >= limit) {
      stream.destroy();
      finish();
    }
  });
  stream.on('error', finish);
  stream.on('close', () => finish());
  stream.on('end', () => finish());
}

/** Deletes one shard's expired records, batch after batch; calls back with how many. */
function sweepShard(streamDb, shardIx, cutoff, cb, deleted = 0) {
  expiredKeys(streamDb, shardIx, cutoff, BATCH_KEYS, (err, keys) => {
    if (err || !keys.length) return cb(err, deleted);
    streamDb.batch(
      keys.map((key) => ({ type: 'del', key })),
      (batchErr) => {
        if (batchErr || keys.length < BATCH_KEYS) return cb(batchErr || null, deleted + keys.length);
        sweepShard(streamDb, shardIx, cutoff, cb, deleted + keys.length);
      },
    );
  });
}

/**
 * Deletes, in every stream of a kinesalite store, the records older than the stream's retention at `now`.
 * Calls back with the number of records deleted.
 */
function sweepExpired(store, now, cb) {
  const streams = [];
  store.metaDb
    .createValueStream()
    .on('data', (stream) => streams.push(stream))
    .on('error', (err) => cb(err))
    .on('end', () => {
      let deleted = 0;
      const next = (index, shardIx) => {
        const stream = streams[index];
        if (!stream) return cb(null, deleted);
        if (!stream.Shards || shardIx >= stream.Shards.length) return next(index + 1, 0);
        const cutoff = now - stream.RetentionPeriodHours * 60 * 60 * 1000;
        sweepShard(store.getStreamDb(stream.StreamName), shardIx, cutoff, (err, count) => {
          if (err) return cb(err, deleted);
          deleted += count;
          next(index, shardIx + 1);
        });
      };
      next(0, 0);
    });
}

/**
 * Captures the store kinesalite creates (its server does not expose it): call before require('kinesalite')(…).
 * Calls `onStore(store)` once the store exists.
 */
function captureStore(onStore) {
  const create = db.create;
  db.create = function createAndCapture(options) {
    const store = create(options);
    onStore(store);
    return store;
  };
}

/** Sweeps every `everyMs` (one sweep at a time); errors of a closing store are ignored. */
function startRetentionSweep(getStore, everyMs) {
  let running = false;
  const timer = setInterval(() => {
    const store = getStore();
    if (running || !store || store.db.isClosed()) return;
    running = true;
    sweepExpired(store, Date.now(), (err) => {
      running = false;
      if (err && !/not open|closed/i.test(String(err)))
        process.stderr.write(`kinesalite retention sweep: ${err}\n`);
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

module.exports = { sweepExpired, captureStore, startRetentionSweep, BATCH_KEYS };
