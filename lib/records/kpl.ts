import { hash } from 'node:crypto';
import type { Reader } from 'protobufjs/minimal';
import { fail, type DecodeFailure } from './result';

/**
 * KPL aggregation (awslabs/kinesis-aggregation's aggregation-format.md):
 * magic F3 89 9A C2, then a protobuf AggregatedRecord, then the 16-byte MD5 of the protobuf bytes.
 *
 *   AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                      repeated Record records = 3 }
 *   Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *            required bytes data = 3; repeated Tag tags = 4 }
 */
export const KPL_MAGIC: Buffer = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MAGIC_BYTES = KPL_MAGIC.length;
const DIGEST_BYTES = 16;

/** A Kinesis record (PutRecords) may hold at most 1 MiB, data and partition key together. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** Kinesis partition keys are 1 to 256 Unicode characters. */
const MAX_PARTITION_KEY_CHARS = 256;
const MAX_HASH_KEY = 2n ** 128n - 1n;

export interface UserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  /** A view into the aggregate's buffer, not a copy. */
  data: Buffer;
  /** Position in the aggregate, what Kinesis consumers report beside the outer sequence number. */
  subSequenceNumber: number;
}

export type Deaggregated =
  { ok: true; aggregated: false } | { ok: true; aggregated: true; records: UserRecord[] } | DecodeFailure;

// Shared, frozen results: the common non-aggregated record allocates nothing here.
const NOT_AGGREGATED: Deaggregated = Object.freeze({ ok: true, aggregated: false });

/** True when the data starts with the KPL magic (it may still fail the checksum). */
export function hasKplMagic(data: Uint8Array): boolean {
  return (
    // Equivalent when dropped: a missing byte reads as undefined, which no magic byte equals.
    // Stryker disable next-line ConditionalExpression: equivalent, see above
    data.length >= MAGIC_BYTES &&
    data[0] === KPL_MAGIC[0] &&
    data[1] === KPL_MAGIC[1] &&
    data[2] === KPL_MAGIC[2] &&
    data[3] === KPL_MAGIC[3]
  );
}

/**
 * Splits a KPL aggregate into its user records. Data without the magic, or whose MD5 does not match, is an
 * ordinary record (`aggregated: false`), as Firehose and the KCL treat it. A valid checksum over a protobuf that
 * does not decode, lacks a required field, holds no user record or points outside its key tables is a
 * classified failure: the producer built it wrong, and guessing would misfile data.
 */
export function deaggregate(data: Buffer): Deaggregated {
  if (!hasKplMagic(data)) return NOT_AGGREGATED;
  // Without this check a short record still fails the checksum (its 16-byte "digest" would start inside the
  // magic or be short), so the mutants only change how it fails.
  // Stryker disable next-line ConditionalExpression,ArithmeticOperator: equivalent, see above
  if (data.length < MAGIC_BYTES + DIGEST_BYTES) return NOT_AGGREGATED;
  const digestStart = data.length - DIGEST_BYTES;
  const message = data.subarray(MAGIC_BYTES, digestStart);
  if (!hash('md5', message, 'buffer').equals(data.subarray(digestStart))) return NOT_AGGREGATED;
  try {
    return decodeAggregatedRecord(message);
  } catch (error) {
    return fail('invalid-kpl-protobuf', `KPL aggregate does not decode: ${(error as Error).message}`);
  }
}

/**
 * protobufjs, loaded by the first aggregate (a record with the magic and a matching checksum) rather than at
 * cold start: a require() call, which `sls package` turns into one of a file beside the bundle (protobuf.ts).
 */
function protobuf(): typeof import('./protobuf') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and lazy, see above
  return require('./protobuf') as typeof import('./protobuf');
}

/** Protobuf wire types used by the KPL messages. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Reads a uint64 index; protobufjs returns a Long when long.js is loaded, a number otherwise. */
function readIndex(reader: Reader): number {
  const value: unknown = reader.uint64();
  // Under jest long.js is loaded and only the Long branch runs (the esbuild bundle has no long.js, only the
  // number one); a Long left unconverted indexes the key tables alike (its toString), so the mutants hide.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: see above
  return typeof value === 'number' ? value : (value as { toNumber(): number }).toNumber();
}

function expectWireType(field: string, wireType: number, expected: number): void {
  if (wireType !== expected) throw new Error(`${field} has wire type ${wireType}, expected ${expected}`);
}

/** Field dispatch as protobufjs's static code generator writes it, plus wire-type and required checks. */
function decodeAggregatedRecord(message: Buffer): Deaggregated {
  const reader = protobuf().Reader.create(message);
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  const keyIndexes: number[] = [];
  const hashKeyIndexes: Array<number | undefined> = [];
  const payloads: Buffer[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1) {
      expectWireType('partition_key_table', wireType, LENGTH_DELIMITED);
      partitionKeys.push(reader.string());
    } else if (field === 2) {
      expectWireType('explicit_hash_key_table', wireType, LENGTH_DELIMITED);
      hashKeys.push(reader.string());
    } else if (field === 3) {
      expectWireType('records', wireType, LENGTH_DELIMITED);
      const end = reader.size() + reader.pos;
      if (end > reader.len) throw new RangeError(`record #${payloads.length} overruns the aggregate`);
      let keyIndex: number | undefined;
      let hashKeyIndex: number | undefined;
      let payload: Buffer | undefined;
      while (reader.pos < end) {
        const innerTag = reader.tag();
        const innerField = innerTag >>> 3;
        const innerWireType = innerTag & 7;
        if (innerField === 1) {
          expectWireType('partition_key_index', innerWireType, VARINT);
          keyIndex = readIndex(reader);
        } else if (innerField === 2) {
          expectWireType('explicit_hash_key_index', innerWireType, VARINT);
          hashKeyIndex = readIndex(reader);
        } else if (innerField === 3) {
          expectWireType('data', innerWireType, LENGTH_DELIMITED);
          // BufferReader slices the Buffer it was given: a view, typed as the Uint8Array of the base Reader.
          payload = reader.bytes() as Buffer;
        } else {
          reader.skipType(innerWireType, 0, innerField); // tags (4) and unknown fields
        }
      }
      if (reader.pos !== end) throw new RangeError(`record #${payloads.length} overruns its declared length`);
      if (keyIndex === undefined || payload === undefined) {
        const missing = keyIndex === undefined ? 'partition_key_index' : 'data';
        throw new Error(`record #${payloads.length} lacks the required ${missing}`);
      }
      keyIndexes.push(keyIndex);
      hashKeyIndexes.push(hashKeyIndex);
      payloads.push(payload);
    } else {
      reader.skipType(wireType, 0, field);
    }
  }
  // Valid protobuf, but no producer writes an empty aggregate: report it rather than yield nothing.
  if (payloads.length === 0) return fail('invalid-kpl-protobuf', 'KPL aggregate holds no user records');
  const records: UserRecord[] = new Array<UserRecord>(payloads.length);
  for (let index = 0; index < payloads.length; index += 1) {
    const keyIndex = keyIndexes[index] as number;
    const partitionKey = partitionKeys[keyIndex];
    if (partitionKey === undefined) {
      return fail(
        'kpl-index-out-of-range',
        `user record #${index} has partition_key_index ${keyIndex}, but the table holds ${partitionKeys.length} keys`,
      );
    }
    const hashKeyIndex = hashKeyIndexes[index];
    // Stryker disable next-line ConditionalExpression: equivalent, hashKeys[undefined] is undefined too
    const explicitHashKey = hashKeyIndex === undefined ? undefined : hashKeys[hashKeyIndex];
    if (hashKeyIndex !== undefined && explicitHashKey === undefined) {
      return fail(
        'kpl-index-out-of-range',
        `user record #${index} has explicit_hash_key_index ${hashKeyIndex}, but the table holds ${hashKeys.length} keys`,
      );
    }
    records[index] = {
      partitionKey,
      explicitHashKey,
      data: payloads[index] as Buffer,
      subSequenceNumber: index,
    };
  }
  return { ok: true, aggregated: true, records };
}

// ---------------------------------------------------------------------------------------------------------
// Aggregation (producer side: the data generator)

export interface AggregateInput {
  partitionKey: string;
  /** Decimal 128-bit hash key; when set, Kinesis routes by it instead of the partition key's MD5. */
  explicitHashKey?: string;
  /** Strings are UTF-8 encoded. */
  data: Buffer | Uint8Array | string;
}

/** `HashKeyRange` of a shard, as ListShards / DescribeStream return it. */
export interface ShardHashKeyRange {
  shardId?: string;
  startingHashKey: string;
  endingHashKey: string;
}

export interface AggregateOptions {
  /** Upper bound for each aggregate's data plus its partition key (bytes). Default and maximum: 1 MiB. */
  maxBytes?: number;
  /**
   * The stream's shards. Without them, records are only aggregated with records of the same routing key
   * (explicit hash key, else partition key), the one grouping that cannot change which shard a record
   * lands on. With them, records routed to the same shard share aggregates, as the KPL does.
   */
  shards?: readonly ShardHashKeyRange[];
}

/** One PutRecords entry: send `data` with exactly this partition key (and explicit hash key when set). */
export interface KplAggregate {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
  userRecords: number;
}

/** Size of a protobuf varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes += 1;
  return bytes;
}

/** Bytes a length-delimited field of `length` bytes takes, tag included (all KPL tags are one byte). */
function delimitedBytes(length: number): number {
  return 1 + varintBytes(length) + length;
}

interface PendingRecord {
  keyIndex: number;
  hashKeyIndex: number | undefined;
  data: Buffer;
}

/** An aggregate being filled; its size is tracked exactly so it can be closed before passing the limit. */
class OpenAggregate {
  readonly keyIndex = new Map<string, number>();
  readonly hashKeyIndex = new Map<string, number>();
  readonly records: PendingRecord[] = [];
  private messageBytes = 0;
  private readonly fixedBytes: number;

  constructor(
    readonly partitionKey: string,
    readonly explicitHashKey: string | undefined,
  ) {
    this.fixedBytes = MAGIC_BYTES + DIGEST_BYTES + Buffer.byteLength(partitionKey);
  }

  /** Adds the record if the aggregate stays within maxBytes; false otherwise. */
  tryAdd(partitionKey: string, explicitHashKey: string | undefined, data: Buffer, maxBytes: number): boolean {
    const knownKey = this.keyIndex.get(partitionKey);
    const keyIndex = knownKey ?? this.keyIndex.size;
    let bytes = knownKey === undefined ? delimitedBytes(Buffer.byteLength(partitionKey)) : 0;
    let inner = 1 + varintBytes(keyIndex) + delimitedBytes(data.length);
    let hashKeyIndex: number | undefined;
    let knownHashKey: number | undefined;
    if (explicitHashKey !== undefined) {
      knownHashKey = this.hashKeyIndex.get(explicitHashKey);
      hashKeyIndex = knownHashKey ?? this.hashKeyIndex.size;
      if (knownHashKey === undefined) bytes += delimitedBytes(explicitHashKey.length); // digits: ASCII
      inner += 1 + varintBytes(hashKeyIndex);
    }
    bytes += delimitedBytes(inner);
    if (this.fixedBytes + this.messageBytes + bytes > maxBytes) return false;
    // Equivalent mutants: setting a known key again stores the index it already has.
    // Stryker disable next-line ConditionalExpression: equivalent, see above
    if (knownKey === undefined) this.keyIndex.set(partitionKey, keyIndex);
    // Stryker disable next-line ConditionalExpression: equivalent, see above
    if (explicitHashKey !== undefined && knownHashKey === undefined) {
      this.hashKeyIndex.set(explicitHashKey, hashKeyIndex as number);
    }
    this.records.push({ keyIndex, hashKeyIndex, data });
    this.messageBytes += bytes;
    return true;
  }

  build(): KplAggregate {
    const writer = protobuf().Writer.create();
    for (const key of this.keyIndex.keys()) writer.uint32((1 << 3) | LENGTH_DELIMITED).string(key);
    for (const key of this.hashKeyIndex.keys()) writer.uint32((2 << 3) | LENGTH_DELIMITED).string(key);
    for (const record of this.records) {
      writer.uint32((3 << 3) | LENGTH_DELIMITED).fork();
      writer.uint32((1 << 3) | VARINT).uint32(record.keyIndex);
      if (record.hashKeyIndex !== undefined) writer.uint32((2 << 3) | VARINT).uint32(record.hashKeyIndex);
      writer.uint32((3 << 3) | LENGTH_DELIMITED).bytes(record.data);
      writer.ldelim();
    }
    const message = writer.finish();
    // An assertion on tryAdd's arithmetic: no input reaches it while the arithmetic is right.
    // Stryker disable ConditionalExpression,BlockStatement,StringLiteral: unreachable by design
    if (message.length !== this.messageBytes) {
      throw new Error(
        `KPL size accounting is off: expected ${this.messageBytes} bytes, encoded ${message.length}`,
      );
    }
    // Stryker restore ConditionalExpression,BlockStatement,StringLiteral
    const data = Buffer.allocUnsafe(MAGIC_BYTES + message.length + DIGEST_BYTES);
    KPL_MAGIC.copy(data, 0);
    data.set(message, MAGIC_BYTES);
    hash('md5', message, 'buffer').copy(data, MAGIC_BYTES + message.length);
    return {
      partitionKey: this.partitionKey,
      ...(this.explicitHashKey === undefined ? {} : { explicitHashKey: this.explicitHashKey }),
      data,
      userRecords: this.records.length,
    };
  }
}

function toBuffer(data: Buffer | Uint8Array | string): Buffer {
  // Equivalent mutants: Buffer.from copies bytes it is given (ignoring the encoding), and '' means UTF-8.
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, see above
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function parseHashKey(value: string, name: string): bigint {
  if (!/^\d{1,39}$/.test(value) || BigInt(value) > MAX_HASH_KEY) {
    throw new RangeError(`${name} must be a decimal integer from 0 to 2^128-1, got "${value}"`);
  }
  return BigInt(value);
}

function validateInput(record: AggregateInput, index: number): void {
  const { partitionKey, explicitHashKey } = record;
  if (typeof partitionKey !== 'string' || partitionKey === '') {
    throw new TypeError(`records[${index}].partitionKey must be a non-empty string`);
  }
  // The first test only spares counting code points of short keys (each takes one or two UTF-16 units).
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut, equivalent
  if (partitionKey.length > MAX_PARTITION_KEY_CHARS && [...partitionKey].length > MAX_PARTITION_KEY_CHARS) {
    throw new RangeError(
      `records[${index}].partitionKey is longer than ${MAX_PARTITION_KEY_CHARS} characters`,
    );
  }
  if (explicitHashKey !== undefined) parseHashKey(explicitHashKey, `records[${index}].explicitHashKey`);
}

/** Where Kinesis routes a record: its explicit hash key, else the MD5 of its partition key as a 128-bit integer. */
function routingHashKey(record: AggregateInput): bigint {
  if (record.explicitHashKey !== undefined) return BigInt(record.explicitHashKey);
  return BigInt(`0x${hash('md5', record.partitionKey, 'hex')}`);
}

interface ShardRange {
  start: bigint;
  end: bigint;
}

function resolveShards(shards: readonly ShardHashKeyRange[]): ShardRange[] {
  if (shards.length === 0) throw new RangeError('shards must list at least one shard');
  return shards
    .map((shard, index) => ({
      start: parseHashKey(shard.startingHashKey, `shards[${index}].startingHashKey`),
      end: parseHashKey(shard.endingHashKey, `shards[${index}].endingHashKey`),
    }))
    .sort((a, b) => Number(a.start - b.start)); // only the sign counts, and Number keeps it
}

function shardOf(ranges: readonly ShardRange[], hashKey: bigint, recordIndex: number): number {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const range = ranges[middle] as ShardRange;
    if (hashKey < range.start) high = middle - 1;
    else if (hashKey > range.end) low = middle + 1;
    else return middle;
  }
  throw new RangeError(`records[${recordIndex}] hashes to ${hashKey}, which no listed shard covers`);
}

function resolveMaxBytes(maxBytes: number | undefined): number {
  const value = maxBytes ?? KINESIS_MAX_RECORD_BYTES;
  const minimum = MAGIC_BYTES + DIGEST_BYTES + 16;
  if (!Number.isInteger(value) || value < minimum || value > KINESIS_MAX_RECORD_BYTES) {
    throw new RangeError(
      `maxBytes must be an integer from ${minimum} to ${KINESIS_MAX_RECORD_BYTES}, got ${value}`,
    );
  }
  return value;
}

/**
 * Packs user records into KPL aggregates, each within maxBytes counting its outer partition key, in input
 * order within each routing group. Unlike aws-kinesis-agg it counts key bytes (not characters), includes
 * the outer partition key in the limit, and never files a record under a key that routes elsewhere.
 * Throws on invalid input (a producer bug, not data): empty or over-long keys, bad hash keys, or a single
 * record too large for any aggregate.
 */
export function aggregate(
  records: readonly AggregateInput[],
  options: AggregateOptions = {},
): KplAggregate[] {
  const maxBytes = resolveMaxBytes(options.maxBytes);
  const ranges = options.shards === undefined ? undefined : resolveShards(options.shards);
  const open = new Map<string | number, OpenAggregate>();
  const built: KplAggregate[] = [];
  records.forEach((record, index) => {
    validateInput(record, index);
    const { partitionKey, explicitHashKey } = record;
    const data = toBuffer(record.data);
    const group =
      ranges !== undefined
        ? shardOf(ranges, routingHashKey(record), index)
        : explicitHashKey !== undefined
          ? `h:${explicitHashKey}`
          : `p:${partitionKey}`;
    const current = open.get(group);
    if (current !== undefined && current.tryAdd(partitionKey, explicitHashKey, data, maxBytes)) return;
    if (current !== undefined) built.push(current.build());
    const fresh = new OpenAggregate(partitionKey, explicitHashKey);
    if (!fresh.tryAdd(partitionKey, explicitHashKey, data, maxBytes)) {
      throw new RangeError(
        `records[${index}] (${data.length} bytes of data) does not fit in a ${maxBytes}-byte aggregate`,
      );
    }
    open.set(group, fresh);
  });
  for (const pending of open.values()) built.push(pending.build());
  return built;
}
