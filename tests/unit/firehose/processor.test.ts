import { gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas';
import { mockClient } from 'aws-sdk-client-mock';
import { firehoseTransformationEvent, type FirehoseRecordInput } from '../../../lib/events/factories';
import { sanitizePartitionValue } from '../../../lib/partitioning';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import {
  dataLines,
  dataText,
  pipelineOf,
  processorFor,
  results,
  runChecked,
  SAMPLE_DELIVERY,
} from './helpers';
import { createRandom } from '../../../lib/generator/random';

const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);

beforeEach(() => {
  firehose.reset();
  kinesis.reset();
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map(() => ({ RecordId: 'r' })),
  }));
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
  }));
});

const json = (value: unknown): string => JSON.stringify(value);
const lines = (...objects: unknown[]): string => objects.map(json).join('\n');

type Expected = 'Ok' | 'Dropped' | 'ProcessingFailed';

/** Record kinds with the result each must get; keys stay uniform inside a record. */
const KINDS: ReadonlyArray<
  (index: number) => { data: string | Buffer; expected: Expected; objects: number }
> = [
  (i) => ({ data: json(clickEvent(i)), expected: 'Ok', objects: 1 }),
  (i) => ({ data: json(purchaseEvent(i)), expected: 'Ok', objects: 1 }),
  (i) => ({ data: lines(clickEvent(4 * i), clickEvent(4 * i + 4)), expected: 'Ok', objects: 2 }),
  (i) => ({
    data: `${json(clickEvent(4 * i + 1))}${json(clickEvent(4 * i + 5))}`,
    expected: 'Ok',
    objects: 2,
  }),
  (i) => ({
    data: gzipSync(lines(clickEvent(4 * i + 2), clickEvent(4 * i + 6))),
    expected: 'Ok',
    objects: 2,
  }),
  (i) => ({ data: json(clickEvent(i, { event_type: 'heartbeat' })), expected: 'Dropped', objects: 1 }),
  (i) => ({ data: `{"event_id": ${i},`, expected: 'ProcessingFailed', objects: 0 }),
  (i) => ({ data: json([clickEvent(i)]), expected: 'ProcessingFailed', objects: 0 }),
  (i) => ({
    data: json({ ...clickEvent(i), page: 'not an object' }),
    expected: 'ProcessingFailed',
    objects: 1,
  }),
];

describe('firehoseTransformer: the contract over generated batches', () => {
  const transform = processorFor(pipelineOf({}));

  it.each(Array.from({ length: 25 }, (_, seed) => [seed]))(
    'batch %i: every recordId once, in order, with the expected result',
    async (seed) => {
      // Prepare
      const next = createRandom(seed + 1);
      const size = 1 + Math.floor(next() * 150);
      const withSource = next() < 0.5;
      const generated = Array.from({ length: size }, (_, index) => {
        const kind = KINDS[Math.floor(next() * KINDS.length)]!(index);
        const input: FirehoseRecordInput = {
          data: kind.data,
          ...(withSource && {
            kinesis: { partitionKey: `pk-${index}`, subsequenceNumber: index % 3 },
          }),
        };
        return { input, expected: kind.expected, objects: kind.objects };
      });
      const event = firehoseTransformationEvent(
        generated.map((item) => item.input),
        withSource ? { sourceStreamName: 'clicks', invocationId: `seed-${seed}` } : {},
      );

      // Act
      const outcome = await runChecked(transform, event);

      // Assess
      expect(results(outcome)).toEqual(generated.map((item) => item.expected));
      const { summary } = outcome;
      expect(summary.ok + summary.dropped + summary.processingFailed).toBe(size);
      expect(summary.source).toBe(withSource ? 'kinesis' : 'direct-put');
      outcome.response.records.forEach((entry, index) => {
        if (entry.result !== 'Ok') return;
        expect(dataLines(entry)).toHaveLength(generated[index]!.objects);
        expect(Object.keys(entry.metadata?.partitionKeys ?? {})).toEqual(['event_type', 'dt']);
      });
      expect(firehose.calls()).toHaveLength(0);
      expect(kinesis.calls()).toHaveLength(0);
    },
  );

  it('accepts both event variants, as the Powertools parser schema describes them', () => {
    // Prepare
    const direct = firehoseTransformationEvent([{ data: json(clickEvent(1)) }]);
    const fromStream = firehoseTransformationEvent(
      [{ data: json(clickEvent(1)), kinesis: { partitionKey: 'pk', subsequenceNumber: 2 } }],
      { sourceStreamName: 'clicks' },
    );

    // Act
    const parsed = [direct, fromStream].map((event) => KinesisFirehoseSchema.safeParse(event));

    // Assess
    expect(parsed.map((result) => result.success)).toEqual([true, true]);
  });
});

describe('firehoseTransformer: one record', () => {
  const transform = processorFor(pipelineOf({ maxBytes: 4000 }), { maxDecompressedBytes: 1024 * 1024 });

  it('returns transformed JSON lines, newline-terminated, with partition keys', async () => {
    // Prepare
    const source = clickEvent(3, { customer: { email: 'a@example.com' } });
    const event = firehoseTransformationEvent([{ data: json(source) }]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    const entry = outcome.response.records[0]!;
    expect(entry.result).toBe('Ok');
    expect(dataText(entry).endsWith('}\n')).toBe(true);
    const [line] = dataLines(entry);
    expect(line).toMatchObject({ session: source.session_id, ingested_at: '2026-11-22T12:30:00.000Z' });
    expect(line).not.toHaveProperty('session_id');
    expect((line!.customer as { email: string }).email).not.toBe('a@example.com');
    expect(entry.metadata).toEqual({
      partitionKeys: { event_type: source.event_type, dt: (source.timestamp as string).slice(0, 10) },
    });
  });

  const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
  const corruptGzip = Buffer.concat([gzipSync(json(clickEvent(1))).subarray(0, 12), Buffer.from('garbage!')]);

  it.each<[string, string | Buffer | { base64: string }, string]>([
    ['invalid base64', { base64: 'not base64!' }, 'invalid-base64'],
    ['URL-safe base64', { base64: Buffer.from('{"a":"??>>"}').toString('base64url') }, 'invalid-base64'],
    ['corrupt gzip', corruptGzip, 'decompression-failed'],
    ['a gzip bomb', bomb, 'decompressed-too-large'],
    ['text that is not JSON', 'hello, world', 'invalid-json'],
    ['a truncated object', json(clickEvent(1)).slice(0, 40), 'invalid-json'],
    ['an array of objects', json([clickEvent(1), clickEvent(2)]), 'not-an-object'],
    ['a scalar', '42', 'not-an-object'],
    ['a prototype-polluting key', '{"__proto__": {"admin": true}}', 'forbidden-key'],
    ['a schema violation', json({ ...clickEvent(1), event_type: 'teleport' }), 'schema-violation'],
    ['a missing required field', json({ ...clickEvent(1), event_id: undefined }), 'schema-violation'],
    [
      'output over record.maxBytes',
      json(clickEvent(1, { search_query: 'x'.repeat(5000) })),
      'record-too-large',
    ],
    [
      'one bad object of three',
      lines(clickEvent(1), { ...clickEvent(2), page: 7 }, clickEvent(3)),
      'schema-violation',
    ],
  ])(
    '%s is ProcessingFailed with its reason, and the rest of the batch is unaffected',
    async (_case, data, reason) => {
      // Prepare
      const raw = typeof data === 'object' && 'base64' in data ? data.base64 : undefined;
      const event = firehoseTransformationEvent([
        { data: raw === undefined ? (data as string | Buffer) : '' },
        { data: json(clickEvent(9)) },
      ]);
      if (raw !== undefined) event.records[0]!.data = raw;

      // Act
      const outcome = await runChecked(transform, event);

      // Assess
      expect(results(outcome)).toEqual(['ProcessingFailed', 'Ok']);
      expect(outcome.summary.failed).toEqual({ [reason]: 1 });
      expect(outcome.summary.failures[0]).toMatchObject({ recordId: event.records[0]!.recordId, reason });
    },
  );

  it('names the object that failed inside a multi-object record', async () => {
    // Prepare
    const event = firehoseTransformationEvent([
      { data: lines(clickEvent(1), { ...clickEvent(2), page: 7 }, clickEvent(3)) },
    ]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(outcome.summary.failures[0]!.message).toMatch(/^object 2 of 3: /);
  });

  it('fails a record whose data is not a string instead of throwing', async () => {
    // Prepare
    const event = firehoseTransformationEvent([{ data: json(clickEvent(1)) }]);
    (event.records[0] as { data: unknown }).data = null;

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(outcome.summary.failed).toEqual({ 'invalid-base64': 1 });
  });
});

describe('firehoseTransformer: records no transform changes', () => {
  const transform = processorFor(pipelineOf({ transforms: 'transforms: []' }));
  const text = json(clickEvent(5));

  it('returns the data exactly as sent when it is one object and a newline', async () => {
    const data = Buffer.from(`${text}\n`).toString('base64');
    const event = firehoseTransformationEvent([{ data: `${text}\n` }]);
    const entry = (await runChecked(transform, event)).response.records[0]!;
    expect(entry).toMatchObject({ result: 'Ok', data });
    expect(entry.metadata?.partitionKeys).toMatchObject({ event_type: 'click' });
  });

  it.each<[string, string | Buffer]>([
    ['without a newline', text],
    ['with surrounding whitespace', ` ${text}\r\n`],
    ['gzip-compressed', gzipSync(`${text}\n`)],
    ['pretty-printed', JSON.stringify(clickEvent(5), null, 2)],
  ])('returns the object as one line when it came %s', async (_, data) => {
    const entry = (await runChecked(transform, firehoseTransformationEvent([{ data }]))).response.records[0]!;
    expect(dataText(entry)).toBe(`${text}\n`);
  });

  it.each([0, 1, 2])(
    'appends the newline to base64 data whose length leaves %i bytes in the last group',
    async (remainder) => {
      const base = text.replace('{', '{"pad":"",');
      const padded = base.replace(
        '"pad":""',
        `"pad":"${'x'.repeat((3 + remainder - (base.length % 3)) % 3)}"`,
      );
      expect(padded.length % 3).toBe(remainder);
      const entry = (await runChecked(transform, firehoseTransformationEvent([{ data: padded }]))).response
        .records[0]!;
      expect(dataText(entry)).toBe(`${padded}\n`);
      // Canonical strict base64, as an encoder would write it.
      expect(entry.data).toBe(Buffer.from(`${padded}\n`).toString('base64'));
    },
  );

  it('keeps the digits of numbers JSON.parse would round', async () => {
    const precise = text.replace('{', '{"order_id":12345678901234567890,');
    const entry = (await runChecked(transform, firehoseTransformationEvent([{ data: precise }]))).response
      .records[0]!;
    expect(dataText(entry)).toBe(`${precise}\n`);
  });

  it('writes the value it validated when a key is repeated', async () => {
    const repeated = text.replace('{', '{"event_type":"teleport",');
    const entry = (await runChecked(transform, firehoseTransformationEvent([{ data: repeated }]))).response
      .records[0]!;
    expect(entry.result).toBe('Ok');
    expect(dataLines(entry)).toEqual([clickEvent(5)]);
    expect(dataText(entry)).not.toContain('teleport');
  });
});

describe('firehoseTransformer: records holding several objects', () => {
  const transform = processorFor(pipelineOf({}));
  const sameKeys = (i: number) => clickEvent(4 * i); // page_view, same day

  it.each<[string, string | Buffer]>([
    ['JSON lines', lines(sameKeys(1), sameKeys(2), sameKeys(3))],
    [
      'JSON lines with CRLF and a blank line',
      `${json(sameKeys(1))}\r\n\r\n${json(sameKeys(2))}\r\n${json(sameKeys(3))}`,
    ],
    ['concatenated objects', `${json(sameKeys(1))}${json(sameKeys(2))} ${json(sameKeys(3))}`],
    ['gzip JSON lines', gzipSync(lines(sameKeys(1), sameKeys(2), sameKeys(3)))],
  ])('%s become one Ok record with one line per object, in order', async (_case, data) => {
    // Prepare
    const event = firehoseTransformationEvent([{ data }]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    const out = dataLines(outcome.response.records[0]!);
    expect(out.map((line) => line.event_id)).toEqual([1, 2, 3].map((i) => sameKeys(i).event_id));
  });

  it('keeps the other objects when a filter drops some, and counts the dropped ones by rule', async () => {
    // Prepare
    const heartbeat = clickEvent(8, { event_type: 'heartbeat' });
    const event = firehoseTransformationEvent([
      { data: lines(sameKeys(1), heartbeat, sameKeys(2)) },
      { data: lines(heartbeat, heartbeat) },
    ]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(results(outcome)).toEqual(['Ok', 'Dropped']);
    expect(dataLines(outcome.response.records[0]!)).toHaveLength(2);
    expect(outcome.summary.droppedObjects).toEqual({ 'no-heartbeats': 3 });
    expect(outcome.summary.droppedRecords).toEqual({ filtered: 1 });
  });

  it('splits a record whose objects have different keys and re-ingests the original objects per key set', async () => {
    // Prepare: click, page_view, click -> two key sets.
    const objects = [clickEvent(1), clickEvent(4), clickEvent(5)];
    const event = firehoseTransformationEvent([{ data: lines(...objects) }, { data: json(clickEvent(2)) }]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped', 'Ok']);
    expect(outcome.summary.droppedRecords).toEqual({ 'reingested-split-keys': 1 });
    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records!);
    const parts = sent.map((record) =>
      Buffer.from(record.Data!)
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
    expect(parts).toEqual([[objects[0], objects[2]], [objects[1]]]);
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input.DeliveryStreamName).toBe(
      'clickstream-delivery',
    );
  });

  it('splits an output over the record limit in halves, each part within it', async () => {
    // Prepare
    const limit = 4000;
    const small = processorFor(pipelineOf({}), { maxRecordBytes: limit });
    const objects = Array.from({ length: 9 }, (_, i) => sameKeys(i));
    const event = firehoseTransformationEvent([{ data: lines(...objects) }]);

    // Act
    const outcome = await runChecked(small, event);

    // Assess
    expect(outcome.summary.droppedRecords).toEqual({ 'reingested-split-size': 1 });
    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records!);
    expect(sent.length).toBeGreaterThan(1);
    for (const record of sent) expect(record.Data!.length).toBeLessThanOrEqual(limit);
    const ids = sent.flatMap((record) =>
      Buffer.from(record.Data!)
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { event_id: string }).event_id),
    );
    expect(ids).toEqual(objects.map((object) => object.event_id));
  });
});

describe('firehoseTransformer: Kinesis-source metadata', () => {
  const pipeline = pipelineOf({
    transforms: `
transforms:
  - add: { field: source_key, from: partitionKey }
  - add: { field: source_sub, from: subSequenceNumber }
  - add: { field: source_shard, from: shardId }`,
  });
  const transform = processorFor(pipeline);

  it.each<[string, number | string, number]>([
    ['a number', 7, 7],
    ['a string', '7', 7],
  ])('reads subsequenceNumber given as %s', async (_case, given, expected) => {
    // Prepare
    const event = firehoseTransformationEvent(
      [{ data: json(clickEvent(1)), kinesis: { partitionKey: 'user-1', shardId: 'shardId-000000000004' } }],
      { sourceStreamName: 'clicks' },
    );
    (event.records[0]!.kinesisRecordMetadata as { subsequenceNumber: unknown }).subsequenceNumber = given;

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(dataLines(outcome.response.records[0]!)[0]).toMatchObject({
      source_key: 'user-1',
      source_sub: expected,
      source_shard: 'shardId-000000000004',
    });
  });
});

describe('firehoseTransformer: kinesisRecordMetadata given as null', () => {
  it('reads the record as one without Kinesis metadata instead of failing it', async () => {
    // Prepare
    const event = firehoseTransformationEvent([{ data: json(clickEvent(1)) }]);
    (event.records[0] as { kinesisRecordMetadata: unknown }).kinesisRecordMetadata = null;

    // Act
    const outcome = await runChecked(processorFor(pipelineOf({})), event);

    // Assess
    expect(results(outcome)).toEqual(['Ok']);
    expect(outcome.summary.failed).toEqual({});
  });
});

describe('partition key values', () => {
  const hostile = ['../x', 'a/b', '..', 'x'.repeat(600), 'ünïcödé value', ' spaced ', 'a\u0000b'];
  const pipeline = pipelineOf({
    partitioning: `
partitioning:
  onMissingKey: default
  keys:
    - { name: query, path: search_query }`,
    delivery: SAMPLE_DELIVERY.replace(/event_type=.*\/$/m, 'q=!{partitionKeyFromLambda:query}/'),
  });

  describe.each([
    ['firehoseTransformer', processorFor(pipeline)],
    ['partitionKeys', processorFor(pipeline, { mode: 'keys' })],
  ])('%s', (_name, process) => {
    it.each(
      hostile.map((value) => [value.length > 20 ? `${value.slice(0, 8)}… (${value.length})` : value, value]),
    )('turns %j into one safe folder name', async (_label, value) => {
      // Prepare
      const event = firehoseTransformationEvent([{ data: json(clickEvent(1, { search_query: value })) }]);

      // Act
      const outcome = await runChecked(process, event);

      // Assess
      const key = outcome.response.records[0]!.metadata!.partitionKeys.query!;
      expect(key).toBe(sanitizePartitionValue(value) ?? 'unknown');
      expect(key).not.toMatch(/[/\\]|^\.\.?$/);
      expect(key.length).toBeLessThanOrEqual(128);
    });
  });

  it('fails a record whose key is missing under onMissingKey: fail', async () => {
    // Prepare
    const strict = processorFor(
      pipelineOf({
        partitioning: `
partitioning:
  onMissingKey: fail
  keys:
    - { name: event_type, path: event_type }
    - { name: dt, timestamp: { field: timestamp, pattern: yyyy-MM-dd } }`,
      }),
      { mode: 'keys' },
    );
    const event = firehoseTransformationEvent([
      { data: json({ ...clickEvent(1), event_type: undefined }) },
      { data: json(clickEvent(2)) },
    ]);

    // Act
    const outcome = await runChecked(strict, event);

    // Assess
    expect(results(outcome)).toEqual(['ProcessingFailed', 'Ok']);
    expect(outcome.summary.failed).toEqual({ 'missing-partition-key': 1 });
  });
});

describe('partitionKeys: data passes through untouched', () => {
  const addKeys = processorFor(pipelineOf({}), { mode: 'keys' });

  it.each<[string, string | Buffer]>([
    ['a JSON object', json(clickEvent(1))],
    ['gzip JSON lines', gzipSync(lines(clickEvent(1), clickEvent(5)))],
    ['a record the schema would refuse', json({ ...clickEvent(1), page: 'nope', extra: [1, 2] })],
  ])('returns %s byte for byte, with keys', async (_case, data) => {
    // Prepare
    const event = firehoseTransformationEvent([{ data }]);

    // Act
    const outcome = await runChecked(addKeys, event);

    // Assess
    const entry = outcome.response.records[0]!;
    expect(entry.result).toBe('Ok');
    expect(entry.data).toBe(event.records[0]!.data);
    expect(entry.metadata?.partitionKeys).toEqual({ event_type: 'click', dt: '2026-11-22' });
  });

  it('splits a record with mixed keys into parts re-ingested to the source stream with its partition key', async () => {
    // Prepare
    const objects = [clickEvent(1), clickEvent(2), clickEvent(5)];
    const event = firehoseTransformationEvent(
      [{ data: lines(...objects), kinesis: { partitionKey: 'user-9' } }],
      {
        sourceStreamName: 'clicks',
      },
    );

    // Act
    const outcome = await runChecked(addKeys, event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped']);
    const input = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(input.StreamARN).toBe(event.sourceKinesisStreamArn);
    expect(input.Records!.map((record) => record.PartitionKey)).toEqual(['user-9', 'user-9']);
  });

  it.each<[string, string, string]>([
    [
      'without a partitioning block',
      ' ',
      SAMPLE_DELIVERY.replace(/partitionKeyFromLambda:(\w+)/g, 'timestamp:yyyy'),
    ],
    [
      'with engine jq',
      'partitioning: { engine: jq, keys: [{ name: event_type, path: event_type }] }',
      SAMPLE_DELIVERY.replace(/event_type=.*\/$/m, 'e=!{partitionKeyFromQuery:event_type}/'),
    ],
  ])('refuses to start %s', (_case, partitioning, delivery) => {
    // Prepare
    const pipeline = pipelineOf({
      partitioning,
      delivery: delivery.replace('delivery:', 'delivery:\n  processor: { function: none }'),
    });

    // Act / Assess
    expect(() => processorFor(pipeline, { mode: 'keys' })).toThrow(
      /partitionKeys needs a `partitioning` block/,
    );
  });
});

describe('firehoseTransformer with engine jq', () => {
  it('transforms but leaves key extraction to Firehose (no metadata)', async () => {
    // Prepare
    const transform = processorFor(
      pipelineOf({
        partitioning: `
partitioning:
  engine: jq
  keys:
    - { name: event_type, path: event_type }`,
        delivery: SAMPLE_DELIVERY.replace(
          /event_type=.*\/$/m,
          'event_type=!{partitionKeyFromQuery:event_type}/',
        ),
      }),
    );
    const event = firehoseTransformationEvent([{ data: json(clickEvent(1)) }]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(outcome.response.records[0]).not.toHaveProperty('metadata');
    expect(dataLines(outcome.response.records[0]!)).toHaveLength(1);
  });
});

describe('createFirehoseProcessor options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown option', { mode: 'transform', maxRecordByte: 5 }, /unknown option "maxRecordByte"/],
    ['an unknown mode', { mode: 'enrich' }, /mode must be transform or keys/],
    [
      'a zero limit',
      { mode: 'transform', maxResponseBytes: 0 },
      /maxResponseBytes must be a positive integer/,
    ],
  ])('refuses %s at start', (_case, options, message) => {
    // Act / Assess
    expect(() => processorFor(pipelineOf({}), options as never)).toThrow(message);
  });
});
