/**
 * kinesalite 3.3.3 converts every sequence number and partition-key hash between decimal and hex with
 * bignumber.js: measured, that is most of its CPU (a 10,000-record GetRecords took 1.5 s, 80% in
 * BigNumber base conversion), and with three readers on one stream it capped a local run at ~1,000
 * records/s. These are the same functions on native BigInt, with the same results (tests compare them
 * with kinesalite's own on generated inputs); anything that is not a plain integer goes to the original.
 */
const Module = require('node:module');

/**
 * memdown answers every get and every iterator step through setImmediate: one record per turn of the event
 * loop, so a 10,000-record GetRecords yields 10,000 times and concurrent PutRecords starved it for seconds
 * (readers got nothing while producers wrote). process.nextTick completes each request in one turn, in
 * arrival order. Set before memdown loads (kinesalite/db requires it).
 */
const immediatePath = require.resolve('memdown/immediate');
const immediate = new Module(immediatePath);
immediate.filename = immediatePath;
immediate.loaded = true;
immediate.exports = (callback, ...args) => process.nextTick(callback, ...args);
require.cache[immediatePath] = immediate;

const db = require('kinesalite/db');

const POW_2_124 = 2n ** 124n;
const POW_2_124_NEXT = 2n ** 125n * 16n;
const POW_2_185 = 2n ** 185n;
const POW_2_185_NEXT = (2n ** 185n * 3n) / 2n;
const INTEGER = /^\d+$/;

const original = {
  parseSequence: db.parseSequence,
  stringifySequence: db.stringifySequence,
  partitionKeyToHashKey: db.partitionKeyToHashKey,
};

function parseSequence(seq) {
  if (typeof seq !== 'string' || !INTEGER.test(seq)) return original.parseSequence(seq);
  let number = BigInt(seq);
  if (number < POW_2_124) number += POW_2_124;
  const hex = number.toString(16);
  const version =
    number < POW_2_124_NEXT
      ? 0
      : number > POW_2_185 && number < POW_2_185_NEXT
        ? parseInt(hex.slice(hex.length - 1), 16)
        : null;
  // Only the common version is rewritten; the others are rare (PutRecord ordering, old streams).
  if (version !== 2) return original.parseSequence(seq);
  const seqIxHex = hex.slice(11, 27);
  let shardIxHex = hex.slice(38, 46);
  if (parseInt(seqIxHex[0], 16) > 7) throw new Error('Sequence index too high');
  if (parseInt(shardIxHex[0], 16) > 7) shardIxHex = '-' + shardIxHex;
  const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
  if (shardCreateSecs >= 16025175000) throw new Error('Date too large: ' + shardCreateSecs);
  return {
    shardCreateTime: shardCreateSecs * 1000,
    seqIx: BigInt('0x' + seqIxHex).toString(),
    byte1: hex.slice(27, 29),
    seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
    shardIx: parseInt(shardIxHex, 16),
    version,
  };
}

function stringifySequence(obj) {
  const seqIx = obj.seqIx || 0;
  if ((obj.version != null && obj.version != 2) || !INTEGER.test(String(seqIx))) {
    return original.stringifySequence(obj);
  }
  const hex = [
    '2',
    ('00000000' + Math.floor(obj.shardCreateTime / 1000).toString(16)).slice(-9),
    (obj.shardIx || 0).toString(16).slice(-1),
    ('0000000000000000' + BigInt(seqIx).toString(16)).slice(-16),
    obj.byte1 || '00',
    ('00000000' + Math.floor((obj.seqTime || obj.shardCreateTime) / 1000).toString(16)).slice(-9),
    db.shardIxToHex(obj.shardIx),
    '2',
  ].join('');
  // bignumber.js reads a malformed digit as NaN; leave such inputs (negative shard indexes) to it.
  return /^[0-9a-f]+$/.test(hex) ? BigInt('0x' + hex).toString() : original.stringifySequence(obj);
}

/** The md5 hash key as kinesalite uses it: only `comparedTo` a decimal string or number. */
function partitionKeyToHashKey(partitionKey) {
  const value = BigInt(
    '0x' + require('node:crypto').createHash('md5').update(partitionKey, 'utf8').digest('hex'),
  );
  return {
    comparedTo(other) {
      const right = BigInt(String(other));
      return value < right ? -1 : value > right ? 1 : 0;
    },
    toFixed: () => value.toString(),
    toString: (base) => value.toString(base),
  };
}

module.exports = { parseSequence, stringifySequence, partitionKeyToHashKey, original };

/** Installs the BigInt versions on kinesalite's db module (its actions call them through it). */
module.exports.install = function install() {
  db.parseSequence = parseSequence;
  db.stringifySequence = stringifySequence;
  db.partitionKeyToHashKey = partitionKeyToHashKey;
};
