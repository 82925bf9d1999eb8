import { createHash } from 'node:crypto';
import { Writer } from 'protobufjs/minimal';
import {
  KINESIS_MAX_RECORD_BYTES,
  aggregate,
  deaggregate,
  hasKplMagic,
  type AggregateInput,
  type KplAggregate,
  type UserRecord,
} from '../../../lib/records';
import {
  referenceAggregate,
  referenceDeaggregate,
  userRecords,
  withFlippedByte,
  withKplFraming,
  type PlainUserRecord,
  type UserRecordSpec,
} from './factories';

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

function deaggregated(data: Buffer): UserRecord[] {
  const result = deaggregate(data);
  if (!result.ok || !result.aggregated) throw new Error(`not an aggregate: ${JSON.stringify(result)}`);
  return result.records;
}

interface ComparableRecord {
  partitionKey: string;
  explicitHashKey?: string;
  /** base64: jest compares Buffers element by element, which takes seconds for megabytes. */
  data: string;
}

function plain(record: UserRecord | PlainUserRecord): ComparableRecord {
  return {
    partitionKey: record.partitionKey,
    ...(record.explicitHashKey === undefined ? {} : { explicitHashKey: record.explicitHashKey }),
    data: record.data.toString('base64'),
  };
}

/** Where Kinesis routes a record: explicit hash key, else the MD5 of the partition key. */
function routingHash(record: { partitionKey: string; explicitHashKey?: string }): bigint {
  if (record.explicitHashKey !== undefined) return BigInt(record.explicitHashKey);
  return BigInt(`0x${createHash('md5').update(record.partitionKey).digest('hex')}`);
}

function routingKey(record: { partitionKey: string; explicitHashKey?: string }): string {
  return record.explicitHashKey === undefined ? `p:${record.partitionKey}` : `h:${record.explicitHashKey}`;
}

/** Input records grouped by routing key, in input order: what each key's aggregates must hold, in order. */
function byRoutingKey(records: readonly PlainUserRecord[]): Map<string, ComparableRecord[]> {
  const groups = new Map<string, ComparableRecord[]>();
  for (const record of records)
    groups.set(routingKey(record), [...(groups.get(routingKey(record)) ?? []), plain(record)]);
  return groups;
}

function outerSize(entry: KplAggregate): number {
  return entry.data.length + Buffer.byteLength(entry.partitionKey);
}

/** A protobuf Record message: fields given as [field, wireType, value]. */
function message(build: (writer: Writer) => void): Buffer {
  const writer = Writer.create();
  build(writer);
  return Buffer.from(writer.finish());
}

const specs: Array<[string, UserRecordSpec]> = [
  ['a single user record', { count: 1 }],
  ['100 records under one partition key', { count: 100 }],
  ['500 records under 50 partition keys', { count: 500, partitionKeys: 50 }],
  ['explicit hash keys', { count: 60, partitionKeys: 6, explicitHashKeys: 4 }],
  ['records filling about 1 MB', { count: 250, minBytes: 4100 }],
];

describe('deaggregate: aggregates built by aws-kinesis-agg', () => {
  it.each(specs)('%s', (_name, spec) => {
    // Prepare
    const records = userRecords(spec);
    const aggregates = referenceAggregate(records);

    // Act
    const decoded = aggregates.map((entry) => deaggregated(entry.data));

    // Assess
    expect(decoded.flat().map(plain)).toEqual(records.map(plain));
    decoded.forEach((userRecordsOfOne) =>
      expect(userRecordsOfOne.map((record) => record.subSequenceNumber)).toEqual(
        userRecordsOfOne.map((_, index) => index),
      ),
    );
  });

  it('the ~1 MB case really is close to the limit', () => {
    // Prepare / Act
    const aggregates = referenceAggregate(userRecords({ count: 250, minBytes: 4100 }));

    // Assess
    expect(Math.max(...aggregates.map((entry) => entry.data.length))).toBeGreaterThan(1_000_000);
  });

  it('returns user record data as views into the aggregate, not copies', () => {
    // Prepare
    const [entry] = referenceAggregate(userRecords({ count: 3 }));
    const data = (entry as { data: Buffer }).data;

    // Act
    const records = deaggregated(data);

    // Assess
    records.forEach((record) => {
      expect(Buffer.isBuffer(record.data)).toBe(true);
      expect(record.data.buffer).toBe(data.buffer);
    });
  });
});

describe('deaggregate: records that are not (valid) aggregates are ordinary records', () => {
  const [valid] = referenceAggregate(userRecords({ count: 5 }));
  const good = (valid as { data: Buffer }).data;
  const badDigest = withFlippedByte(good, good.length - 1, 0x01);
  const flippedProtobuf = withFlippedByte(good, 10, 0x40);

  it.each([
    ['JSON', false, Buffer.from('{"event_type":"click"}')],
    ['an empty record', false, Buffer.alloc(0)],
    ['three of the four magic bytes', false, MAGIC.subarray(0, 3)],
    ['the magic alone', true, MAGIC],
    ['the magic and 15 bytes', true, Buffer.concat([MAGIC, Buffer.alloc(15)])],
    ['the magic and a wrong 16-byte digest', true, Buffer.concat([MAGIC, Buffer.alloc(16, 1)])],
    ['a bad MD5', true, badDigest],
    ['a flipped protobuf byte', true, flippedProtobuf],
    ['an aggregate truncated by one byte', true, good.subarray(0, good.length - 1)],
    ['an aggregate truncated by half', true, good.subarray(0, good.length / 2)],
    // One bit off in each magic byte: a near miss has no magic at all.
    ['magic byte 0 one bit off', false, withFlippedByte(good, 0, 0x01)],
    ['magic byte 1 one bit off', false, withFlippedByte(good, 1, 0x01)],
    ['magic byte 2 one bit off', false, withFlippedByte(good, 2, 0x01)],
    ['magic byte 3 one bit off', false, withFlippedByte(good, 3, 0x01)],
  ])('%s → aggregated: false (magic: %s)', (_name, magic, data) => {
    // Act
    const result = deaggregate(data);

    // Assess
    expect(result).toEqual({ ok: true, aggregated: false });
    expect(hasKplMagic(data)).toBe(magic);
  });
});

describe('deaggregate: a valid checksum over a bad protobuf is a classified failure', () => {
  const [valid] = referenceAggregate(userRecords({ count: 5 }));
  const goodMessage = (valid as { data: Buffer }).data.subarray(4, -16);

  it.each([
    ['a truncated protobuf', goodMessage.subarray(0, goodMessage.length - 5), /index out of range|overruns/],
    ['garbage', Buffer.alloc(32, 0xff), /.+/],
    [
      'a key table entry with the wrong wire type',
      message((w) => w.uint32(0x08).uint32(1)),
      /partition_key_table has wire type 0, expected 2/,
    ],
    [
      'a record without data',
      message((w) => w.uint32(0x0a).string('pk').uint32(0x1a).fork().uint32(0x08).uint32(0).ldelim()),
      /record #0 lacks the required data/,
    ],
    [
      'a record without a partition key index',
      message((w) =>
        w.uint32(0x0a).string('pk').uint32(0x1a).fork().uint32(0x1a).bytes(Buffer.from('x')).ldelim(),
      ),
      /record #0 lacks the required partition_key_index/,
    ],
    [
      'a record longer than the aggregate',
      Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x10, 0x08, 0x00, 0x1a]),
      /record #0 overruns the aggregate/,
    ],
    [
      'a field running past its record',
      Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x03, 0x08, 0x00, 0x1a, 0x02, 0x78, 0x79]),
      /record #0 overruns its declared length/,
    ],
    ['an aggregate without user records', Buffer.alloc(0), /holds no user records/],
  ])('%s → invalid-kpl-protobuf', (_name, protobuf, detail) => {
    // Act
    const result = deaggregate(withKplFraming(protobuf));

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-kpl-protobuf',
      message: expect.stringMatching(detail),
    });
  });

  const record = (w: Writer, keyIndex: number, hashKeyIndex?: number): void => {
    w.uint32(0x1a).fork().uint32(0x08).uint64(keyIndex);
    if (hashKeyIndex !== undefined) w.uint32(0x10).uint64(hashKeyIndex);
    w.uint32(0x1a).bytes(Buffer.from('{}')).ldelim();
  };

  it.each([
    [
      'a partition key index past the table',
      message((w) => {
        w.uint32(0x0a).string('a');
        record(w, 0);
        record(w, 3);
      }),
      'user record #1 has partition_key_index 3, but the table holds 1 keys',
    ],
    [
      'an explicit hash key index past the table',
      message((w) => {
        w.uint32(0x0a).string('a').uint32(0x12).string('12345');
        record(w, 0, 1);
      }),
      'user record #0 has explicit_hash_key_index 1, but the table holds 1 keys',
    ],
    [
      'an index beyond 32 bits',
      message((w) => {
        w.uint32(0x0a).string('a');
        record(w, 2 ** 40);
      }),
      'user record #0 has partition_key_index 1099511627776, but the table holds 1 keys',
    ],
    [
      'a hash key index without a table',
      message((w) => {
        w.uint32(0x0a).string('a');
        record(w, 0, 0);
      }),
      'user record #0 has explicit_hash_key_index 0, but the table holds 0 keys',
    ],
  ])('%s → kpl-index-out-of-range', (_name, protobuf, detail) => {
    // Act
    const result = deaggregate(withKplFraming(protobuf));

    // Assess
    expect(result).toEqual({ ok: false, reason: 'kpl-index-out-of-range', message: detail });
  });

  it('skips tags and unknown fields', () => {
    // Prepare
    const protobuf = message((w) => {
      w.uint32(0x0a).string('a').uint32(0x0a).string('b').uint32(0x12).string('99');
      w.uint32(0x78).uint32(7); // unknown field 15
      w.uint32(0x1a)
        .fork()
        .uint32(0x08)
        .uint32(1)
        .uint32(0x10)
        .uint32(0)
        .uint32(0x1a)
        .bytes(Buffer.from('one'));
      w.uint32(0x22).fork().uint32(0x0a).string('tag').uint32(0x12).string('value').ldelim(); // tags
      w.ldelim();
      w.uint32(0x1a).fork().uint32(0x1a).bytes(Buffer.from('two')).uint32(0x08).uint32(0).ldelim(); // fields reordered
    });

    // Act
    const result = deaggregate(withKplFraming(protobuf));

    // Assess
    expect(result).toEqual({
      ok: true,
      aggregated: true,
      records: [
        { partitionKey: 'b', explicitHashKey: '99', data: Buffer.from('one'), subSequenceNumber: 0 },
        { partitionKey: 'a', explicitHashKey: undefined, data: Buffer.from('two'), subSequenceNumber: 1 },
      ],
    });
  });

  it('skips an unknown top-level field whose bytes look like a partition key entry', () => {
    // Prepare: field 15, length-delimited, holding the bytes of `partition_key_table: "z"`.
    const lookalike = Buffer.from([0x0a, 0x01, 0x7a]);
    const protobuf = message((w) => {
      w.uint32(0x0a).string('a');
      w.uint32(0x7a).bytes(lookalike);
      w.uint32(0x1a).fork().uint32(0x08).uint32(0).uint32(0x1a).bytes(Buffer.from('one')).ldelim();
      w.uint32(0x1a).fork().uint32(0x08).uint32(1).uint32(0x1a).bytes(Buffer.from('two')).ldelim();
    });

    // Act
    const result = deaggregate(withKplFraming(protobuf));

    // Assess: the table holds one key, so the second record's index 1 is out of range.
    expect(result).toMatchObject({ ok: false, reason: 'kpl-index-out-of-range' });
  });
});

describe('aggregate', () => {
  it.each([
    ...specs,
    ['1,000 small records, one key', { count: 1000 }],
    ['300 records of 10 KB under 3 keys', { count: 300, partitionKeys: 3, minBytes: 10_000 }],
  ] as Array<[string, UserRecordSpec]>)(
    '%s: aws-kinesis-agg and deaggregate read back every record, in order per key',
    (_name, spec) => {
      // Prepare
      const records = userRecords(spec);

      // Act
      const aggregates = aggregate(records);

      // Assess
      const expected = byRoutingKey(records);
      const viaReference = new Map<string, ComparableRecord[]>();
      const viaOurs = new Map<string, ComparableRecord[]>();
      for (const entry of aggregates) {
        const key = routingKey(entry);
        const reference = referenceDeaggregate(entry.data, entry.partitionKey).map((record) => ({
          partitionKey: record.partitionKey,
          ...(record.explicitPartitionKey === undefined
            ? {}
            : { explicitHashKey: record.explicitPartitionKey }),
          data: record.data,
        }));
        viaReference.set(key, [...(viaReference.get(key) ?? []), ...reference]);
        viaOurs.set(key, [...(viaOurs.get(key) ?? []), ...deaggregated(entry.data).map(plain)]);
        expect(entry.userRecords).toBe(reference.length);
        expect(outerSize(entry)).toBeLessThanOrEqual(KINESIS_MAX_RECORD_BYTES);
      }
      expect(viaReference).toEqual(expected);
      expect(viaOurs).toEqual(expected);
    },
  );

  it('files every user record under an outer key that routes where the record itself would', () => {
    // Prepare
    const records = userRecords({ count: 400, partitionKeys: 40, explicitHashKeys: 3 });
    const withoutHashKeys = userRecords({ count: 400, partitionKeys: 40, seed: 3 });

    // Act
    const aggregates = [...aggregate(records), ...aggregate(withoutHashKeys)];

    // Assess
    for (const entry of aggregates) {
      deaggregated(entry.data).forEach((record) => expect(routingKey(record)).toBe(routingKey(entry)));
    }
  });

  it('aws-kinesis-agg (the reference) files different partition keys under the first one; ours does not', () => {
    // Prepare
    const records = userRecords({ count: 2, partitionKeys: 2 });

    // Act
    const reference = referenceAggregate(records);
    const ours = aggregate(records);

    // Assess
    expect(reference.map((entry) => entry.partitionKey)).toEqual([records[0]?.partitionKey]);
    expect(ours.map((entry) => entry.partitionKey)).toEqual(records.map((record) => record.partitionKey));
  });

  it('packs aggregates close to the limit without passing it', () => {
    // Prepare: 10 KB records; each full aggregate must be within one record of the limit
    const records = userRecords({ count: 300, minBytes: 10_000 });

    // Act
    const aggregates = aggregate(records);

    // Assess
    expect(aggregates.length).toBe(Math.ceil((300 * 10_050) / KINESIS_MAX_RECORD_BYTES));
    aggregates.slice(0, -1).forEach((entry) => {
      expect(outerSize(entry)).toBeLessThanOrEqual(KINESIS_MAX_RECORD_BYTES);
      expect(outerSize(entry)).toBeGreaterThan(KINESIS_MAX_RECORD_BYTES - 10_100);
    });
  });

  it.each([64 * 1024, 1_024_000, 200])('honours maxBytes %i', (maxBytes) => {
    // Prepare
    const records = userRecords({ count: 200 }).map((record) => ({
      ...record,
      data: record.data.subarray(0, 60),
    }));

    // Act
    const aggregates = aggregate(records, { maxBytes });

    // Assess
    aggregates.forEach((entry) => expect(outerSize(entry)).toBeLessThanOrEqual(maxBytes));
    expect(aggregates.flatMap((entry) => deaggregated(entry.data).map(plain))).toEqual(records.map(plain));
  });

  it('counts partition keys in bytes: multi-byte keys that make aws-kinesis-agg pass 1 MiB stay within it', () => {
    // Prepare: 1,500 distinct 200-character keys of 3-byte characters, all on one shard
    const records = Array.from({ length: 1500 }, (_, index) => ({
      partitionKey: `${'€'.repeat(200)}${index}`,
      data: Buffer.alloc(400, 0x61),
    }));
    const oneShard = [{ startingHashKey: '0', endingHashKey: (2n ** 128n - 1n).toString() }];

    // Act
    const reference = referenceAggregate(records);
    const ours = aggregate(records, { shards: oneShard });

    // Assess
    expect(Math.max(...reference.map((entry) => entry.data.length))).toBeGreaterThan(
      KINESIS_MAX_RECORD_BYTES,
    );
    ours.forEach((entry) => expect(outerSize(entry)).toBeLessThanOrEqual(KINESIS_MAX_RECORD_BYTES));
    expect(ours.reduce((sum, entry) => sum + entry.userRecords, 0)).toBe(1500);
  });

  it('with shards, shares aggregates among keys of one shard and routes each aggregate to that shard', () => {
    // Prepare
    const quarter = 2n ** 126n;
    const shards = [0n, 1n, 2n, 3n].map((index) => ({
      shardId: `shardId-00000000000${index}`,
      startingHashKey: (index * quarter).toString(),
      endingHashKey: ((index + 1n) * quarter - 1n).toString(),
    }));
    const shardOf = (hash: bigint): bigint => hash / quarter;
    const records = userRecords({ count: 1000, partitionKeys: 200 });

    // Act
    const aggregates = aggregate(records, { shards: [...shards].reverse() });

    // Assess
    expect(aggregates.length).toBeLessThanOrEqual(8);
    for (const entry of aggregates) {
      const shard = shardOf(routingHash(entry));
      deaggregated(entry.data).forEach((record) => expect(shardOf(routingHash(record))).toBe(shard));
    }
    expect(aggregates.reduce((sum, entry) => sum + entry.userRecords, 0)).toBe(1000);
  });

  it('accepts string and Uint8Array data', () => {
    // Prepare
    const records: AggregateInput[] = [
      { partitionKey: 'k', data: '{"city":"Köln"}' },
      { partitionKey: 'k', data: new Uint8Array([0x7b, 0x7d]) },
    ];

    // Act
    const [entry] = aggregate(records);

    // Assess
    expect(deaggregated((entry as KplAggregate).data).map((record) => record.data.toString())).toEqual([
      '{"city":"Köln"}',
      '{}',
    ]);
  });

  it('accepts a 256-character key of astral characters (512 UTF-16 units)', () => {
    // Act
    const result = aggregate([{ partitionKey: '🙂'.repeat(256), data: 'x' }]);

    // Assess
    expect(result).toHaveLength(1);
  });

  const hugeRecord = { partitionKey: 'k', data: Buffer.alloc(KINESIS_MAX_RECORD_BYTES) };
  it.each([
    [
      'an empty partition key',
      [{ partitionKey: '', data: 'x' }],
      {},
      TypeError,
      'records[0].partitionKey must be a non-empty string',
    ],
    [
      'a 257-character partition key',
      [{ partitionKey: 'k'.repeat(257), data: 'x' }],
      {},
      RangeError,
      'records[0].partitionKey is longer than 256 characters',
    ],
    [
      'a non-decimal hash key',
      [
        { partitionKey: 'k', data: 'x' },
        { partitionKey: 'k', explicitHashKey: '0x10', data: 'x' },
      ],
      {},
      RangeError,
      'records[1].explicitHashKey must be a decimal integer',
    ],
    [
      'a hash key of 2^128',
      [{ partitionKey: 'k', explicitHashKey: (2n ** 128n).toString(), data: 'x' }],
      {},
      RangeError,
      'from 0 to 2^128-1',
    ],
    [
      'a record too large for any aggregate',
      [{ partitionKey: 'k', data: 'x' }, hugeRecord],
      {},
      RangeError,
      'records[1] (1048576 bytes of data) does not fit in a 1048576-byte aggregate',
    ],
    [
      'maxBytes over 1 MiB',
      [],
      { maxBytes: KINESIS_MAX_RECORD_BYTES + 1 },
      RangeError,
      'maxBytes must be an integer',
    ],
    ['maxBytes below the framing', [], { maxBytes: 20 }, RangeError, 'maxBytes must be an integer'],
    ['an empty shard list', [], { shards: [] }, RangeError, 'shards must list at least one shard'],
    [
      'shards that do not cover a record',
      [{ partitionKey: 'k', data: 'x' }],
      { shards: [{ startingHashKey: '0', endingHashKey: '10' }] },
      RangeError,
      'which no listed shard covers',
    ],
  ])('throws on %s (a producer bug, not data)', (_name, records, options, error, detail) => {
    // Act / Assess
    expect(() => aggregate(records as AggregateInput[], options)).toThrow(error);
    expect(() => aggregate(records as AggregateInput[], options)).toThrow(detail);
  });

  it('returns nothing for no records', () => {
    // Act / Assess
    expect(aggregate([])).toEqual([]);
  });
});

describe('kpl: near misses the other tests leave loose', () => {
  it.each<[string, (w: Writer) => void, number, number]>([
    ['explicit_hash_key_table', (w) => w.uint32(0x10).uint32(1), 0, 2],
    ['records', (w) => w.uint32(0x18).uint32(1), 0, 2],
    ['partition_key_index', (w) => w.uint32(0x1a).fork().uint32(0x0a).string('x').ldelim(), 2, 0],
    ['explicit_hash_key_index', (w) => w.uint32(0x1a).fork().uint32(0x12).string('x').ldelim(), 2, 0],
    ['data', (w) => w.uint32(0x1a).fork().uint32(0x18).uint32(1).ldelim(), 0, 2],
  ])('names %s when its wire type is wrong', (field, write, actual, expected) => {
    // Prepare
    const protobuf = message((w) => write(w.uint32(0x0a).string('pk')));

    // Act
    const result = deaggregate(withKplFraming(protobuf));

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-kpl-protobuf',
      message: `KPL aggregate does not decode: ${field} has wire type ${actual}, expected ${expected}`,
    });
  });

  it('leaves explicitHashKey out of an aggregate routed by its partition key', () => {
    // Act
    const [byKey] = aggregate([{ partitionKey: 'k', data: 'x' }]);
    const [byHash] = aggregate([{ partitionKey: 'k', explicitHashKey: '7', data: 'x' }]);

    // Assess
    expect(Object.keys(byKey!)).toEqual(['partitionKey', 'data', 'userRecords']);
    expect(byHash).toMatchObject({ partitionKey: 'k', explicitHashKey: '7', userRecords: 1 });
  });

  it('refuses a partition key that is not a string', () => {
    // Act / Assess
    expect(() => aggregate([{ partitionKey: 5, data: 'x' } as unknown as AggregateInput])).toThrow(
      new TypeError('records[0].partitionKey must be a non-empty string'),
    );
  });

  describe('with shards', () => {
    const half = 2n ** 127n;
    const max = (2n ** 128n - 1n).toString();
    // Listed out of order on purpose: the ranges are sorted before the search.
    const shards = [
      { startingHashKey: (half + half / 2n).toString(), endingHashKey: max },
      { startingHashKey: '0', endingHashKey: (half / 2n - 1n).toString() },
      { startingHashKey: half.toString(), endingHashKey: (half + half / 2n - 1n).toString() },
      { startingHashKey: (half / 2n).toString(), endingHashKey: (half - 1n).toString() },
    ];

    it('routes by the explicit hash key, and a key at either end of a range stays in that range', () => {
      // Prepare: one partition key, hash keys on the edges of shards 0, 2 and 3.
      const records = ['0', (half - 1n).toString(), half.toString(), max].map((explicitHashKey, index) => ({
        partitionKey: 'same',
        explicitHashKey,
        data: `r${index}`,
      }));

      // Act
      const aggregates = aggregate(records, { shards });

      // Assess: records 1 and 2 sit on either side of the boundary at 2^127.
      expect(aggregates.map((entry) => [entry.explicitHashKey, entry.userRecords])).toEqual([
        ['0', 1],
        [(half - 1n).toString(), 1],
        [half.toString(), 1],
        [max, 1],
      ]);
    });

    it.each([
      ['startingHashKey', { startingHashKey: 'x', endingHashKey: '1' }],
      ['endingHashKey', { startingHashKey: '0', endingHashKey: '-1' }],
    ])('names the shard whose %s is bad', (field, shard) => {
      // Act / Assess
      expect(() => aggregate([], { shards: [shards[0]!, shard] })).toThrow(
        new RangeError(
          `shards[1].${field} must be a decimal integer from 0 to 2^128-1, got "${(shard as Record<string, string>)[field]}"`,
        ),
      );
    });
  });

  it('takes the smallest maxBytes that holds the framing and one small record, and refuses one byte less', () => {
    // Act
    const smallest = aggregate([{ partitionKey: 'k', data: '' }], { maxBytes: 36 });

    // Assess
    expect(smallest).toHaveLength(1);
    expect(smallest[0]!.data.length).toBeLessThanOrEqual(36);
    expect(() => aggregate([], { maxBytes: 35 })).toThrow(
      new RangeError('maxBytes must be an integer from 36 to 1048576, got 35'),
    );
    expect(() => aggregate([], { maxBytes: 100.5 })).toThrow(/got 100.5$/);
  });
});
