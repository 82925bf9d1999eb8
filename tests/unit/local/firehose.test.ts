import { hash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { firehoseTransformationEvent, streamArn } from '../../../lib/events/factories';
import { ManualClock } from '../../../lib/local/firehose-buffer';
import {
  createEmulatedFirehose,
  FirehoseApiError,
  FirehoseConfigError,
  type EmulatedFirehose,
  type EmulatedFirehoseOptions,
  type FirehoseCounters,
  type FirehoseTransformer,
} from '../../../lib/local/firehose';
import { FIREHOSE_ERROR_CODES } from '../../../lib/firehose';
import type { PartitioningConfig } from '../../../lib/partitioning';
import type { DeliveryConfig } from '../../../lib/pipeline/types';
import { aggregate, KPL_MAGIC } from '../../../lib/records';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const BUCKET = 'lake';
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const LAMBDA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:firehoseTransformer';
let stored: Map<string, Buffer>;

beforeEach(() => {
  s3mock.reset();
  stored = new Map();
  s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    stored.set(input.Key as string, Buffer.from(input.Body as Uint8Array));
    return { ETag: '"etag"' };
  });
});
afterAll(() => s3mock.restore());

function delivery(overrides: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return {
    name: 'clicks',
    source: 'direct-put',
    processor: { function: 'firehoseTransformer', bufferSizeMB: 1, bufferIntervalSeconds: 60, retries: 3 },
    buffering: { sizeMB: 64, intervalSeconds: 60 },
    prefix: 'raw/event_type=!{partitionKeyFromLambda:event_type}/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/',
    compression: 'UNCOMPRESSED',
    sourceRecordBackup: false,
    backupPrefix: 'source-records/',
    input: 'json',
    multiRecordDeaggregation: true,
    ...overrides,
  };
}

const processor = (overrides: Partial<DeliveryConfig['processor']>): DeliveryConfig['processor'] => ({
  function: 'firehoseTransformer',
  bufferSizeMB: 1,
  bufferIntervalSeconds: 60,
  retries: 3,
  ...overrides,
});

const decode = (data: string): string => Buffer.from(data, 'base64').toString('utf8');
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const click = (n: number, type: string): string => JSON.stringify({ n, event_type: type });

/** Returns every record Ok with a trailing newline and its event_type as partition key, like our transformer. */
const keyedTransformer: FirehoseTransformer = (event) => ({
  records: event.records.map((record) => {
    const text = decode(record.data);
    const { event_type } = JSON.parse(text) as { event_type: string };
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: encode(`${text}\n`),
      metadata: { partitionKeys: { event_type } },
    };
  }),
});

const identityTransformer: FirehoseTransformer = (event) => ({
  records: event.records.map((record) => ({ recordId: record.recordId, result: 'Ok', data: record.data })),
});

type StartOptions = Omit<Partial<EmulatedFirehoseOptions>, 'transformer'> & {
  transformer?: FirehoseTransformer | null;
};

interface Harness {
  stream: EmulatedFirehose;
  clock: ManualClock;
  events: FirehoseTransformationEvent[];
  created: { key: string; size: number; kind: string; records: number }[];
}

function start(options: StartOptions = {}, clock = new ManualClock(T0)): Harness {
  const events: FirehoseTransformationEvent[] = [];
  const created: Harness['created'] = [];
  const config = options.delivery ?? delivery();
  const inner = options.transformer === null ? undefined : (options.transformer ?? keyedTransformer);
  let suffix = 0;
  const stream = createEmulatedFirehose({
    s3,
    bucket: BUCKET,
    clock,
    objectSuffix: () => String(suffix++).padStart(4, '0'),
    onObjectCreated: ({ key, size, kind, records }) => {
      created.push({ key, size, kind, records });
    },
    ...options,
    delivery: config,
    transformer: inner && ((event) => (events.push(structuredClone(event)), inner(event))),
  });
  return { stream, clock, events, created };
}

const text = (key: string): string => {
  const body = stored.get(key);
  if (!body) throw new Error(`no object ${key}; have ${[...stored.keys()].join(', ')}`);
  return (key.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8');
};

const keys = (): string[] => [...stored.keys()].sort();

interface ErrorDocument {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  rawData: string;
  lambdaArn?: string;
}

const errorDocuments = (prefix: string): ErrorDocument[] =>
  keys()
    .filter((key) => key.startsWith(prefix))
    .flatMap((key) => text(key).trimEnd().split('\n'))
    .map((line) => JSON.parse(line) as ErrorDocument);

/** Every record taken in ends in exactly one terminal state. */
function expectAccounted(stats: FirehoseCounters): void {
  const terminal =
    stats.dropped + stats.delivered + stats.errorOutput + stats.deliveryFailed + stats.discardedOnStop;
  expect(stats.recordsIn).toBe(terminal + stats.pending);
  expect(stats.pending).toBe(0);
}

describe('buffering', () => {
  it('invokes the transformer when the processor buffer reaches its size, and writes objects at the delivery size', async () => {
    // Prepare: 100,000-byte records; 1 MiB buffers hold 10 of them (an 11th would pass 1,048,576 bytes).
    const { stream, events } = start({
      delivery: delivery({
        prefix: 'raw/',
        errorOutputPrefix: 'errors/',
        buffering: { sizeMB: 1, intervalSeconds: 60 },
      }),
      transformer: identityTransformer,
    });
    const record = 'x'.repeat(100_000);

    // Act
    stream.put(Array.from({ length: 25 }, () => record));
    await stream.drain();
    const beforeFlush = { invocations: events.map((e) => e.records.length), objects: keys().length };
    await stream.flush();

    // Assess
    expect(beforeFlush).toEqual({ invocations: [10, 10], objects: 1 });
    expect(events.map((e) => e.records.length)).toEqual([10, 10, 5]);
    expect(keys().map((key) => stored.get(key)?.length)).toEqual([1_000_000, 1_000_000, 500_000]);
    expectAccounted(stream.stats());
  });

  it('flushes each stage on its interval (fake clock)', async () => {
    // Prepare
    const { stream, clock, events } = start({
      delivery: delivery({ processor: processor({ bufferIntervalSeconds: 30 }) }),
    });
    stream.put([click(1, 'a'), click(2, 'a')]);

    // Act / Assess: nothing before 30 s, one invocation at 30 s, the object 60 s later.
    clock.advance(29_999);
    await stream.drain();
    expect(events).toHaveLength(0);
    clock.advance(1);
    await stream.drain();
    expect(events).toHaveLength(1);
    clock.advance(59_999);
    await stream.drain();
    expect(keys()).toEqual([]);
    clock.advance(1);
    await stream.drain();
    expect(keys()).toEqual(['raw/event_type=a/clicks-1-2026-11-22-12-01-30-0000']);
    expect(text(keys()[0] as string)).toBe(`${click(1, 'a')}\n${click(2, 'a')}\n`);
    expect(clock.pending()).toBe(0);
  });

  it('gives each partition its own buffer and interval', async () => {
    // Prepare: processor interval 0, so records reach their partitions when the clock ticks.
    const { stream, clock } = start({
      delivery: delivery({ processor: processor({ bufferIntervalSeconds: 0 }) }),
    });
    stream.put([click(1, 'a'), click(2, 'b'), click(3, 'a')]);
    clock.advance(0);
    await stream.drain();
    clock.advance(30_000);
    stream.put([click(4, 'c')]);
    clock.advance(0);
    await stream.drain();

    // Act
    clock.advance(30_000);
    await stream.drain();
    const at60 = keys();
    clock.advance(30_000);
    await stream.drain();

    // Assess
    expect(at60).toEqual([
      'raw/event_type=a/clicks-1-2026-11-22-12-01-00-0000',
      'raw/event_type=b/clicks-1-2026-11-22-12-01-00-0001',
    ]);
    expect(text(at60[0] as string)).toBe(`${click(1, 'a')}\n${click(3, 'a')}\n`);
    expect(keys()).toContain('raw/event_type=c/clicks-1-2026-11-22-12-01-30-0002');
    expect(stream.stats()).toMatchObject({
      activePartitions: 0,
      maxActivePartitions: 3,
      objects: 3,
      delivered: 4,
    });
  });
});

describe('prefixes and object names', () => {
  it('evaluates !{timestamp:...} with the oldest record of the object and names the object at write time', async () => {
    // Prepare: two records either side of 13:00, no Lambda.
    const { stream, clock } = start(
      {
        delivery: delivery({
          processor: processor({ function: 'none' }),
          prefix: 'raw/!{timestamp:yyyy/MM/dd/HH}/',
          errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        }),
        transformer: null,
      },
      new ManualClock(Date.UTC(2026, 10, 22, 12, 59, 50)),
    );
    stream.put(['first\n']);
    clock.advance(20_000);
    stream.put(['second\n']);

    // Act
    clock.advance(40_000);
    await stream.drain();

    // Assess
    expect(keys()).toEqual(['raw/2026/11/22/12/clicks-1-2026-11-22-13-00-50-0000']);
    expect(text(keys()[0] as string)).toBe('first\nsecond\n');
  });

  it('appends yyyy/MM/dd/HH/ to a prefix without expressions, in the configured time zone', async () => {
    // Prepare
    const { stream } = start({
      delivery: delivery({ prefix: 'raw/', errorOutputPrefix: 'errors/' }),
      transformer: identityTransformer,
      timeZone: 'Asia/Tokyo',
    });
    stream.put(['x']);

    // Act
    await stream.flush();

    // Assess: 12:00 UTC is 21:00 in Tokyo.
    expect(keys()).toEqual(['raw/2026/11/22/21/clicks-1-2026-11-22-21-00-00-0000']);
  });

  it('names objects <stream>-1-yyyy-MM-dd-HH-mm-ss-<uuid> by default', async () => {
    // Prepare
    const { stream } = start({ objectSuffix: undefined });
    stream.put([click(1, 'a')]);

    // Act
    await stream.flush();

    // Assess
    expect(keys()).toEqual([
      expect.stringMatching(/^raw\/event_type=a\/clicks-1-2026-11-22-12-00-00-[0-9a-f]{8}-[0-9a-f-]{27}$/),
    ]);
  });

  it.each([
    ['GZIP', '.gz', (body: Buffer) => gunzipSync(body).toString()],
    ['UNCOMPRESSED', '', (body: Buffer) => body.toString()],
  ] as const)('%s objects end in "%s" and hold the records', async (compression, extension, read) => {
    // Prepare
    const { stream } = start({ delivery: delivery({ compression }) });
    stream.put([click(1, 'a'), click(2, 'a')]);

    // Act
    await stream.flush();

    // Assess
    const [key] = keys();
    expect(key).toBe(`raw/event_type=a/clicks-1-2026-11-22-12-00-00-0000${extension}`);
    expect(read(stored.get(key as string) as Buffer)).toBe(`${click(1, 'a')}\n${click(2, 'a')}\n`);
  });

  it.each(['ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const)(
    'refuses %s compression with a clear message',
    (compression) => {
      // Act / Assess
      expect(() => start({ delivery: delivery({ compression }) })).toThrow(
        new FirehoseConfigError(
          `delivery.compression: ${compression} is not emulated locally (supported: UNCOMPRESSED, GZIP); ` +
            'use GZIP, which Athena, Glue and DuckDB read, or deploy to AWS for this format',
        ),
      );
    },
  );

  it.each([
    [true, 'ab\ncd\n'],
    [false, 'abcd'],
  ])('appendDelimiter %s writes %j', async (appendDelimiter, expected) => {
    // Prepare
    const { stream } = start({
      delivery: delivery({ prefix: 'raw/', errorOutputPrefix: 'errors/' }),
      transformer: identityTransformer,
      appendDelimiter,
    });
    stream.put(['ab', 'cd']);

    // Act
    await stream.flush();

    // Assess
    expect(text(keys()[0] as string)).toBe(expected);
  });
});

describe('the transformation contract', () => {
  const records = [click(1, 'a'), click(2, 'b')];
  const twoRecordsOk = (event: FirehoseTransformationEvent): FirehoseTransformationResultRecord[] =>
    event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data }));
  const { missingRecordId, duplicatedRecordId, jsonProcessing, functionError } = FIREHOSE_ERROR_CODES;

  it.each<[string, FirehoseTransformer, string, RegExp]>([
    [
      'drops a record from its response',
      (e) => ({ records: twoRecordsOk(e).slice(1) }),
      missingRecordId,
      /1 of 2 records were not returned/,
    ],
    [
      'returns an entry without recordId',
      (e) => ({ records: twoRecordsOk(e).map(({ result, data }) => ({ result, data }) as never) }),
      missingRecordId,
      /records\[0\] has no recordId/,
    ],
    [
      'returns a recordId twice',
      (e) => ({ records: [...twoRecordsOk(e), twoRecordsOk(e)[0] as never] }),
      duplicatedRecordId,
      /returned more than once/,
    ],
    ['returns the wrong shape', () => ({ recs: [] }) as never, jsonProcessing, /"records" array/],
    [
      'returns an unknown result',
      (e) => ({ records: twoRecordsOk(e).map((r) => ({ ...r, result: 'Success' as never })) }),
      jsonProcessing,
      /result "Success"/,
    ],
    [
      'returns more than 6 MB',
      (e) => ({ records: twoRecordsOk(e).map((r) => ({ ...r, data: encode('x'.repeat(2_500_000)) })) }),
      functionError,
      /Function\.ResponseSizeTooLarge: response payload is 6666\d+ bytes.*\(6291556 bytes\)/,
    ],
    [
      'throws',
      () => Promise.reject(new TypeError('cannot read event_type')),
      functionError,
      /^TypeError: cannot read event_type$/,
    ],
  ])(
    'a transformer that %s fails the batch, is retried, then every record is processing-failed',
    async (_name, transformer, errorCode, message) => {
      // Prepare
      const { stream, events } = start({
        delivery: delivery({ processor: processor({ retries: 2 }) }),
        transformer,
      });
      stream.put(records);

      // Act
      await stream.flush();

      // Assess
      const documents = errorDocuments('errors/processing-failed/2026-11-22/');
      expect(events).toHaveLength(3);
      expect(documents.map((d) => decode(d.rawData))).toEqual(records);
      for (const document of documents) {
        expect(document).toEqual({
          attemptsMade: 3,
          arrivalTimestamp: T0,
          errorCode,
          errorMessage: expect.stringMatching(message),
          attemptEndingTimestamp: T0,
          rawData: expect.any(String),
          lambdaArn: LAMBDA_ARN,
        });
      }
      expect(stream.stats()).toMatchObject({
        invocations: 3,
        retries: 2,
        failedBatches: 1,
        errorOutput: 2,
        delivered: 0,
        attemptFailuresByCode: { [errorCode]: 3 },
        errorsByCode: { [errorCode]: 2 },
        errorsByType: { 'processing-failed': 2 },
      });
      expect(keys().every((key) => key.startsWith('errors/'))).toBe(true);
      expectAccounted(stream.stats());
    },
  );

  it('delivers a batch that succeeds on a retry, sending each attempt a fresh event', async () => {
    // Prepare
    let calls = 0;
    const flaky: FirehoseTransformer = (event) => {
      calls += 1;
      if (calls < 3) {
        event.records.length = 0; // a transformer that mangles its event must not affect the retry
        throw new Error('throttled');
      }
      return keyedTransformer(event);
    };
    const { stream, events } = start({ transformer: flaky });
    stream.put(records);

    // Act
    await stream.flush();

    // Assess
    expect(events.map((e) => e.records.length)).toEqual([2, 2, 2]);
    expect(new Set(events.map((e) => e.invocationId)).size).toBe(3);
    expect(stream.stats()).toMatchObject({
      invocations: 3,
      retries: 2,
      failedBatches: 0,
      delivered: 2,
      errorOutput: 0,
    });
    expect(keys()).toHaveLength(2);
  });

  it('writes ProcessingFailed records to the error prefix one by one, counts Dropped, delivers Ok', async () => {
    // Prepare
    const mixed: FirehoseTransformer = (event) => ({
      records: event.records.map((record) => {
        const body = decode(record.data);
        if (body.startsWith('drop')) return { recordId: record.recordId, result: 'Dropped' };
        if (body.startsWith('bad'))
          return { recordId: record.recordId, result: 'ProcessingFailed', data: encode('ignored') };
        return { recordId: record.recordId, result: 'Ok', data: record.data };
      }),
    });
    const { stream } = start({
      delivery: delivery({ prefix: 'raw/', errorOutputPrefix: 'errors/' }),
      transformer: mixed,
    });

    // Act
    stream.put(['ok-1\n', 'drop-1\n', 'bad-1\n', 'ok-2\n', 'bad-2\n']);
    await stream.flush();

    // Assess: an error prefix without expressions gets <type>/yyyy/MM/dd/HH/ appended.
    const documents = errorDocuments('errors/processing-failed/2026/11/22/12/');
    expect(documents.map((d) => [decode(d.rawData), d.errorCode, d.errorMessage, d.attemptsMade])).toEqual([
      ['bad-1\n', 'Lambda.ProcessingFailedStatus', 'ProcessingFailed status set for record', 1],
      ['bad-2\n', 'Lambda.ProcessingFailedStatus', 'ProcessingFailed status set for record', 1],
    ]);
    expect(text(keys().find((key) => key.startsWith('raw/')) as string)).toBe('ok-1\nok-2\n');
    expect(stream.stats()).toMatchObject({
      ok: 2,
      dropped: 1,
      processingFailed: 2,
      delivered: 2,
      errorOutput: 2,
    });
    expectAccounted(stream.stats());
  });
});

describe('dynamic partitioning', () => {
  it('sends records past the active-partition limit to activePartitionExceeded, and frees partitions once written', async () => {
    // Prepare
    const { stream } = start({ activePartitionLimit: 2 });
    stream.put([click(1, 'a'), click(2, 'b'), click(3, 'c'), click(4, 'a'), click(5, 'c')]);
    await stream.flush();
    const afterFirst = stream.stats();

    // Act
    stream.put([click(6, 'c')]);
    await stream.flush();

    // Assess
    const overflow = errorDocuments('errors/activePartitionExceeded/2026-11-22/');
    expect(overflow.map((d) => [JSON.parse(decode(d.rawData)).n, d.errorCode])).toEqual([
      [3, 'DynamicPartitioning.ActivePartitionsLimitExceeded'],
      [5, 'DynamicPartitioning.ActivePartitionsLimitExceeded'],
    ]);
    expect(overflow[0]?.errorMessage).toMatch(
      /partition event_type=c while 2 partitions are active \(limit 2\)/,
    );
    expect(afterFirst).toMatchObject({
      activePartitions: 0,
      maxActivePartitions: 2,
      delivered: 3,
      errorOutput: 2,
    });
    expect(keys().filter((key) => key.startsWith('raw/event_type=c/'))).toHaveLength(1);
    expectAccounted(stream.stats());
  });

  it('sends a record whose partition key is missing, or whose prefix is too long, to the error prefix', async () => {
    // Prepare
    const keyless: FirehoseTransformer = (event) => ({
      records: event.records.map((record, index) => ({
        recordId: record.recordId,
        result: 'Ok',
        data: record.data,
        ...(index === 0
          ? {}
          : { metadata: { partitionKeys: { event_type: index === 1 ? 'x'.repeat(600) : 'ok' } } }),
      })),
    });
    const { stream } = start({ transformer: keyless });

    // Act
    stream.put(['first\n', 'second\n', 'third\n']);
    await stream.flush();

    // Assess
    const documents = errorDocuments('errors/processing-failed/');
    expect(documents.map((d) => [decode(d.rawData), d.errorCode])).toEqual([
      ['first\n', 'DynamicPartitioning.PrefixEvaluationFailed'],
      ['second\n', 'DynamicPartitioning.PrefixEvaluationFailed'],
    ]);
    expect(documents[0]?.errorMessage).toMatch(/the record has no partition key 'event_type'/);
    expect(documents[1]?.errorMessage).toMatch(/evaluates to 6\d\d characters; Firehose allows 512/);
    expect(keys().filter((key) => key.startsWith('raw/'))).toEqual([
      'raw/event_type=ok/clicks-1-2026-11-22-12-00-00-0000',
    ]);
  });

  it('extracts partitionKeyFromQuery keys locally with engine jq, failing records it cannot read', async () => {
    // Prepare
    const partitioning: PartitioningConfig = {
      engine: 'jq',
      keys: [{ name: 'event_type', path: 'event_type' }],
    };
    const { stream } = start({
      delivery: delivery({
        processor: processor({ function: 'none' }),
        prefix: 'raw/type=!{partitionKeyFromQuery:event_type}/',
      }),
      partitioning,
      transformer: null,
    });

    // Act
    stream.put([`${click(1, 'a')}\n`, 'not json\n', '{"n":3}\n', `${click(4, 'a/b')}\n`]);
    await stream.flush();

    // Assess
    expect(keys().filter((key) => key.startsWith('raw/'))).toEqual([
      'raw/type=a/clicks-1-2026-11-22-12-00-00-0000',
      'raw/type=a_b/clicks-1-2026-11-22-12-00-00-0001',
    ]);
    const documents = errorDocuments('errors/processing-failed/');
    expect(documents.map((d) => [decode(d.rawData), d.errorCode, d.lambdaArn])).toEqual([
      ['not json\n', 'DynamicPartitioning.MetadataExtractionFailed', undefined],
      ['{"n":3}\n', 'DynamicPartitioning.MetadataExtractionFailed', undefined],
    ]);
    expect(documents[1]?.errorMessage).toMatch(/partition key 'event_type' \(path 'event_type'\): no value/);
    expectAccounted(stream.stats());
  });
});

describe('fields composed into delivery by the pipeline schema', () => {
  /** Returns records unchanged with a fixed key, so whatever reaches it is visible in the events. */
  const constantKeys: FirehoseTransformer = (event) => ({
    records: event.records.map((r) => ({
      recordId: r.recordId,
      result: 'Ok',
      data: r.data,
      metadata: { partitionKeys: { event_type: 'all' } },
    })),
  });
  const multi = `${click(1, 'a')}\n${click(2, 'b')}\n`;

  it.each([
    [true, 'json', [click(1, 'a'), click(2, 'b')], 1],
    [false, 'json', [multi], 0],
    [true, 'cloudwatch-logs', [multi], 0],
  ] as const)(
    'multiRecordDeaggregation %s with input %s sends the Lambda %j',
    async (multiRecordDeaggregation, input, expected, splits) => {
      // Prepare
      const { stream, events } = start({
        delivery: delivery({ multiRecordDeaggregation, input }),
        transformer: constantKeys,
      });

      // Act
      stream.put([multi, `${click(3, 'c')}\n`]);
      await stream.flush();

      // Assess
      expect(events[0]?.records.map((r) => decode(r.data))).toEqual([...expected, `${click(3, 'c')}\n`]);
      expect(stream.stats()).toMatchObject({ jsonSplit: splits, recordsIn: expected.length + 1 });
      expectAccounted(stream.stats());
    },
  );

  it.each([['}{'], ['} {'], ['}\t{'], ['}  {'], ['}\r{'], ['} \r\n {']])(
    'splits concatenated objects whatever JSON whitespace joins them (%j)',
    async (joint) => {
      // Prepare
      const { stream, events } = start({ transformer: constantKeys });
      const record = `${click(1, 'a').slice(0, -1)}${joint}${click(2, 'b').slice(1)}`;

      // Act
      stream.put([record]);
      await stream.flush();

      // Assess
      expect(events[0]?.records.map((r) => decode(r.data))).toEqual([click(1, 'a'), click(2, 'b')]);
      expect(stream.stats().jsonSplit).toBe(1);
    },
  );

  it('leaves one object whole, a brace in a string included', async () => {
    // Prepare
    const { stream, events } = start({ transformer: constantKeys });

    // Act
    stream.put(['{"a":"}\t{"}  ']);
    await stream.flush();

    // Assess
    expect(events[0]?.records.map((r) => decode(r.data))).toEqual(['{"a":"}\t{"}  ']);
    expect(stream.stats().jsonSplit).toBe(0);
  });

  it('leaves a record that does not parse whole for the Lambda to classify', async () => {
    // Prepare
    const { stream, events } = start({ transformer: constantKeys });

    // Act
    stream.put(['{"a":1}\n{"b":']);
    await stream.flush();

    // Assess
    expect(events[0]?.records.map((r) => decode(r.data))).toEqual(['{"a":1}\n{"b":']);
    expect(stream.stats().jsonSplit).toBe(0);
  });

  it.each([
    ['partitionKeys', `${click(1, 'a')}\n`],
    ['firehoseTransformer', click(1, 'a')],
  ] as const)(
    'with dynamic partitioning and processor %s, appends the delimiter as deployed',
    async (fn, expected) => {
      // Prepare
      const { stream } = start({
        delivery: delivery({ processor: processor({ function: fn }) }),
        transformer: constantKeys,
      });

      // Act
      stream.put([click(1, 'a')]);
      await stream.flush();

      // Assess
      expect(text(keys()[0] as string)).toBe(expected);
    },
  );

  it('backs up source records as they came in, gzip-compressed, under backupPrefix', async () => {
    // Prepare
    const { stream, created } = start({
      delivery: delivery({ sourceRecordBackup: true, backupPrefix: 'backup/' }),
      transformer: constantKeys,
    });

    // Act
    stream.put(['one\n', 'two\n']);
    await stream.flush();

    // Assess
    const backupKey = keys().find((key) => key.startsWith('backup/')) as string;
    expect(backupKey).toMatch(/^backup\/2026\/11\/22\/12\/clicks-1-2026-11-22-12-00-00-\d{4}\.gz$/);
    expect(text(backupKey)).toBe('one\ntwo\n');
    expect(created.find((o) => o.key === backupKey)).toMatchObject({ kind: 'backup', records: 2 });
    expect(stream.stats()).toMatchObject({ backedUp: 2, delivered: 2 });
  });

  it('uses delivery.timeZone for prefixes and object names', async () => {
    // Prepare
    const { stream } = start({
      delivery: delivery({
        timeZone: 'America/New_York',
        prefix: 'raw/!{timestamp:HH}/',
        errorOutputPrefix: 'e/!{firehose:error-output-type}/',
      }),
      transformer: identityTransformer,
    });

    // Act
    stream.put(['x']);
    await stream.flush();

    // Assess: 12:00 UTC is 07:00 in New York in November.
    expect(keys()).toEqual(['raw/07/clicks-1-2026-11-22-07-00-00-0000']);
  });
});

describe('sources and the event shape', () => {
  const SOURCE_ARN = streamArn('clickstream-events');
  const kinesisDelivery = delivery({ source: 'kinesis' });

  it('sends DirectPut records as the factory event shape, without Kinesis fields', async () => {
    // Prepare
    const { stream, events } = start();
    const { requestResponses } = stream.put([click(1, 'a')]);

    // Act
    await stream.flush();

    // Assess
    const [event] = events;
    const reference = firehoseTransformationEvent([{ data: click(1, 'a') }]);
    expect(Object.keys(event as object).sort()).toEqual(Object.keys(reference).sort());
    expect(event?.records[0]).toEqual({
      recordId: requestResponses[0]?.recordId,
      approximateArrivalTimestamp: T0,
      data: encode(click(1, 'a')),
    });
    expect(event?.deliveryStreamArn).toBe('arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks');
  });

  it('de-aggregates KPL records and sends kinesisRecordMetadata and sourceKinesisStreamArn', async () => {
    // Prepare
    const { stream, events } = start({ delivery: kinesisDelivery, sourceStreamArn: SOURCE_ARN });
    const [kpl] = aggregate([
      { partitionKey: 'p1', explicitHashKey: '1', data: click(2, 'a') },
      { partitionKey: 'p2', explicitHashKey: '1', data: click(3, 'b') },
    ]);
    const arrival = new Date(T0 - 5_000);

    // Act
    stream.putKinesisRecords([
      {
        data: Buffer.from(click(1, 'a')),
        partitionKey: 'p0',
        sequenceNumber: '100',
        shardId: 'shardId-000000000001',
        approximateArrivalTimestamp: arrival,
      },
      {
        data: kpl?.data as Buffer,
        partitionKey: 'p1',
        sequenceNumber: '200',
        shardId: 'shardId-000000000001',
        approximateArrivalTimestamp: T0,
      },
    ]);
    await stream.flush();

    // Assess
    const [event] = events;
    const reference = firehoseTransformationEvent([{ data: 'x', kinesis: { partitionKey: 'p' } }], {
      sourceStreamName: 'clickstream-events',
    });
    expect(Object.keys(event as object).sort()).toEqual(Object.keys(reference).sort());
    expect(event?.sourceKinesisStreamArn).toBe(SOURCE_ARN);
    expect(
      event?.records.map((r) => [decode(r.data), r.approximateArrivalTimestamp, r.kinesisRecordMetadata]),
    ).toEqual([
      [
        click(1, 'a'),
        T0 - 5_000,
        {
          shardId: 'shardId-000000000001',
          partitionKey: 'p0',
          approximateArrivalTimestamp: T0 - 5_000,
          sequenceNumber: '100',
          subsequenceNumber: '0',
        },
      ],
      [
        click(2, 'a'),
        T0,
        {
          shardId: 'shardId-000000000001',
          partitionKey: 'p1',
          approximateArrivalTimestamp: T0,
          sequenceNumber: '200',
          subsequenceNumber: '0',
        },
      ],
      [
        click(3, 'b'),
        T0,
        {
          shardId: 'shardId-000000000001',
          partitionKey: 'p2',
          approximateArrivalTimestamp: T0,
          sequenceNumber: '200',
          subsequenceNumber: '1',
        },
      ],
    ]);
    expect(Object.keys(event?.records[0]?.kinesisRecordMetadata ?? {}).sort()).toEqual(
      Object.keys(reference.records[0]?.kinesisRecordMetadata ?? {}).sort(),
    );
    expect(stream.stats()).toMatchObject({ kinesisRecordsIn: 2, aggregates: 1, recordsIn: 3, delivered: 3 });
  });

  it('sends a KPL aggregate that does not decode to the error prefix', async () => {
    // Prepare: the magic, an empty protobuf and its valid MD5.
    const empty = Buffer.alloc(0);
    const broken = Buffer.concat([KPL_MAGIC, empty, hash('md5', empty, 'buffer')]);
    const { stream, events } = start({ delivery: kinesisDelivery, sourceStreamArn: SOURCE_ARN });

    // Act
    stream.putKinesisRecords([
      { data: broken, partitionKey: 'p', sequenceNumber: '7', shardId: 'shardId-000000000000' },
    ]);
    await stream.flush();

    // Assess
    const [document] = errorDocuments('errors/processing-failed/');
    expect(events).toHaveLength(0);
    expect(document).toMatchObject({
      errorCode: 'Kinesis.DeaggregationFailed',
      rawData: broken.toString('base64'),
    });
    expect(document?.errorMessage).toMatch(/shardId-000000000000\/7: .*holds no user records/);
    expectAccounted(stream.stats());
  });

  it.each<[string, (stream: EmulatedFirehose) => unknown, string, RegExp]>([
    ['no records', (s) => s.put([]), 'ValidationException', /1 to 500 records, got 0/],
    ['501 records', (s) => s.put(Array.from({ length: 501 }, () => 'x')), 'ValidationException', /got 501/],
    [
      'a record over 1,000 KiB',
      (s) => s.put(['x', 'y'.repeat(1_024_001)]),
      'ValidationException',
      /records\[1\] is 1024001 bytes/,
    ],
    [
      'over 4 MiB in all',
      (s) => s.put(Array.from({ length: 5 }, () => 'z'.repeat(1_000_000))),
      'ValidationException',
      /5000000 bytes of data; the limit is 4194304/,
    ],
    [
      'putKinesisRecords on a DirectPut stream',
      (s) => s.putKinesisRecords([]),
      'InvalidArgumentException',
      /is DirectPut/,
    ],
  ])('rejects %s as the service would', (_name, call, name, message) => {
    // Prepare
    const { stream } = start();

    // Act / Assess
    expect(() => call(stream)).toThrow(
      expect.objectContaining({ name, message: expect.stringMatching(message) }),
    );
    expect(stream.stats().recordsIn).toBe(0);
  });

  it('rejects PutRecordBatch on a stream that reads Kinesis', () => {
    // Prepare
    const { stream } = start({ delivery: kinesisDelivery, sourceStreamArn: SOURCE_ARN });

    // Act / Assess
    expect(() => stream.put(['x'])).toThrow(FirehoseApiError);
  });
});

describe('writing, listeners and lifecycle', () => {
  it('calls onObjectCreated with what was stored, for data and error objects', async () => {
    // Prepare
    const failing: FirehoseTransformer = (event) => ({
      records: event.records.map(
        (r, i) =>
          (i === 0
            ? { recordId: r.recordId, result: 'ProcessingFailed' }
            : (keyedTransformer(event) as FirehoseTransformationResult).records[
                i
              ]) as FirehoseTransformationResultRecord,
      ),
    });
    const { stream, created } = start({ transformer: failing, delivery: delivery({ compression: 'GZIP' }) });
    stream.put([click(1, 'a'), click(2, 'a'), click(3, 'a')]);

    // Act
    await stream.flush();

    // Assess
    expect(created.map((o) => [o.kind, o.records]).sort()).toEqual([
      ['delivery', 2],
      ['error', 1],
    ]);
    for (const object of created) expect(object.size).toBe(stored.get(object.key)?.length);
  });

  it('counts a failing listener without losing the object', async () => {
    // Prepare
    const logger = { warn: jest.fn(), error: jest.fn() };
    const { stream } = start({
      logger,
      onObjectCreated: () => Promise.reject(new Error('converter down')),
    });
    stream.put([click(1, 'a')]);

    // Act
    await stream.flush();

    // Assess
    expect(stream.stats()).toMatchObject({
      delivered: 1,
      objects: 1,
      errorsByCode: { 'onObjectCreated.Failed': 1 },
    });
    expect(logger.error).toHaveBeenCalledWith(
      'emulated Firehose: onObjectCreated failed',
      expect.objectContaining({ error: 'Error: converter down' }),
    );
  });

  it('counts records whose object cannot be written as deliveryFailed', async () => {
    // Prepare
    s3mock.on(PutObjectCommand).rejects(Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' }));
    const logger = { warn: jest.fn(), error: jest.fn() };
    const { stream } = start({ logger });
    stream.put([click(1, 'a'), click(2, 'b')]);

    // Act
    await stream.flush();

    // Assess
    expect(stream.stats()).toMatchObject({
      deliveryFailed: 2,
      delivered: 0,
      errorsByCode: { 'S3.PutObjectFailed': 2 },
    });
    expect(logger.error).toHaveBeenCalledTimes(2);
    expectAccounted(stream.stats());
  });

  it('stop() flushes by default, clears every timer and refuses later puts', async () => {
    // Prepare
    const { stream, clock } = start();
    stream.put([click(1, 'a')]);

    // Act
    await stream.stop();

    // Assess
    expect(stream.stats()).toMatchObject({ delivered: 1, pending: 0 });
    expect(clock.pending()).toBe(0);
    expect(() => stream.put(['x'])).toThrow(expect.objectContaining({ name: 'ResourceInUseException' }));
  });

  it('stop({ flush: false }) discards and counts what is buffered at every stage', async () => {
    // Prepare: one record waits in the processor buffer, one in a partition buffer.
    const { stream, clock } = start({
      delivery: delivery({ processor: processor({ bufferIntervalSeconds: 10 }) }),
    });
    stream.put([click(1, 'a')]);
    clock.advance(10_000);
    await stream.drain();
    stream.put([click(2, 'b')]);

    // Act
    await stream.stop({ flush: false });

    // Assess
    expect(stream.stats()).toMatchObject({ discardedOnStop: 2, delivered: 0, activePartitions: 0 });
    expect(clock.pending()).toBe(0);
    expect(keys()).toEqual([]);
    expectAccounted(stream.stats());
  });
});

describe('configuration', () => {
  it.each<[string, StartOptions, RegExp]>([
    [
      'a processor without its transformer',
      { transformer: null },
      /function is firehoseTransformer: pass its transformer/,
    ],
    [
      'a transformer with processor none',
      { delivery: delivery({ processor: processor({ function: 'none' }), prefix: 'raw/' }) },
      /none, yet a transformer was passed/,
    ],
    [
      'a Kinesis source without its ARN',
      { delivery: delivery({ source: 'kinesis' }) },
      /pass sourceStreamArn/,
    ],
    [
      'a query key without engine jq',
      { delivery: delivery({ prefix: 'raw/!{partitionKeyFromQuery:t}/' }) },
      /delivery\.prefix: !\{partitionKeyFromQuery:t\} names a key the jq query does not produce/,
    ],
    [
      'dynamic partitioning without an error prefix',
      { delivery: delivery({ errorOutputPrefix: undefined }) },
      /delivery\.errorOutputPrefix: is required/,
    ],
    [
      'a malformed prefix',
      { delivery: delivery({ prefix: 'raw/!{bogus:x}/' }) },
      /delivery\.prefix: .*unknown namespace 'bogus'/,
    ],
    ['an empty bucket', { bucket: '' }, /bucket: is required/],
    [
      'a bad partitioning block',
      {
        partitioning: {
          engine: 'jq',
          keys: [{ name: 'dt', timestamp: { source: 'arrival', pattern: 'yyyy' } }],
        },
      },
      /arrival time is not visible to jq/,
    ],
  ])('refuses %s', (_name, options, message) => {
    // Act / Assess
    expect(() => start(options)).toThrow(message);
  });
});
