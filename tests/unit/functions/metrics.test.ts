/**
 * Each handler's metrics as CloudWatch receives them: the EMF lines Powertools writes to stdout, captured and
 * parsed, for a batch whose outcome the test builds (records that pass, a heartbeat the sample pipeline's
 * filter drops, a record that is not JSON, one the schema refuses). Values are counted from the input, the
 * S3 writes from the mocked client; breakdowns carry only their closed-set dimension.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import {
  firehoseTransformationEvent,
  kinesisStreamEvent,
  s3ObjectCreatedEvent,
} from '../../../lib/events/factories';
import { clickEvent } from '../../fixtures/clickstream';

const ROOT = resolve(__dirname, '../../..');
const NAMESPACE = 'kinesis-pipeline/unit';
const s3 = mockClient(S3Client);
const saved = { ...process.env };

type Handler = (event: unknown, context: Context) => Promise<unknown>;
interface Emf {
  dimensions: Record<string, string>;
  values: Record<string, number>;
  units: Record<string, string>;
  namespace: string;
}

/** The EMF documents written while `act` runs. */
async function captureEmf(act: () => Promise<unknown>): Promise<{ result: unknown; emf: Emf[] }> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  let result: unknown;
  try {
    result = await act().catch((error: unknown) => error);
  } finally {
    spy.mockRestore();
  }
  const emf = lines
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const document = JSON.parse(line) as Record<string, unknown> & {
        _aws: {
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit: string }[];
          }[];
        };
      };
      const [directive] = document._aws.CloudWatchMetrics;
      const dimensions = Object.fromEntries(
        directive!.Dimensions.flat().map((name) => [name, document[name] as string]),
      );
      const values = Object.fromEntries(
        directive!.Metrics.map(({ Name }) => [Name, document[Name] as number]),
      );
      const units = Object.fromEntries(directive!.Metrics.map(({ Name, Unit }) => [Name, Unit]));
      return { dimensions, values, units, namespace: directive!.Namespace };
    });
  return { result, emf };
}

/** The invocation's main document: the service dimension only, not the cold-start metric. */
function main(emf: Emf[], service: string): Emf {
  const found = emf.filter(
    (doc) => Object.keys(doc.dimensions).join() === 'service' && !('ColdStart' in doc.values),
  );
  expect(found).toHaveLength(1);
  expect(found[0]!.dimensions.service).toBe(service);
  expect(found[0]!.namespace).toBe(NAMESPACE);
  return found[0]!;
}

/** Breakdown documents of `metric`: dimension value → count. */
function breakdown(emf: Emf[], metric: string, dimension: string): Record<string, number> {
  return Object.fromEntries(
    emf
      .filter((doc) => dimension in doc.dimensions && metric in doc.values)
      .map((doc) => [doc.dimensions[dimension], doc.values[metric]]),
  );
}

const context = (name: string) => ({ awsRequestId: 'unit', functionName: name }) as Context;
const heartbeat = JSON.stringify(clickEvent(90, { event_type: 'heartbeat' }));
// The record schema's event_type is an enum: 'teleport' is not in it.
const teleport = JSON.stringify(clickEvent(91, { event_type: 'teleport' }));
const good = [0, 1, 2].map((index) => JSON.stringify(clickEvent(index)));

async function load(file: string): Promise<Handler> {
  return ((await import(`../../../functions/${file}`)) as { handler: Handler }).handler;
}

beforeAll(() => {
  Object.assign(process.env, {
    PIPELINE_FILE: join(ROOT, 'pipeline.yml'),
    BUCKET_NAME: 'lake',
    MASK_SALT: 'unit-salt',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'unit',
    AWS_SECRET_ACCESS_KEY: 'unit',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
  });
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});
beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});
afterAll(() => {
  s3.restore();
  process.env = saved;
});

describe('streamConsumer', () => {
  it('counts records in, delivered, dropped by rule, failed by reason and objects written, once per batch', async () => {
    const handler = await load('stream-consumer');
    const records = [...good, heartbeat, 'this is not JSON', teleport];
    const event = kinesisStreamEvent(records.map((data, index) => ({ data, partitionKey: `pk-${index}` })));

    const { emf } = await captureEmf(() => handler(event, context('streamConsumer')));

    const batch = main(emf, 'stream-consumer');
    const consumerPuts = s3
      .commandCalls(PutObjectCommand)
      .filter((call) => call.args[0].input.Key!.startsWith('consumer/'));
    expect(batch.values).toMatchObject({
      RecordsIn: records.length,
      RecordsDelivered: good.length,
      ObjectsDropped: 1,
      RecordsFailed: 2,
      SinkRefused: 0,
      SinkRetries: 0,
      ObjectsWritten: consumerPuts.length,
      BatchItemFailures: 0,
    });
    expect(consumerPuts.length).toBeGreaterThan(0);
    expect(batch.units).toMatchObject({ RecordsIn: 'Count', BatchDuration: 'Milliseconds' });
    expect(breakdown(emf, 'ObjectsDropped', 'rule')).toEqual({ 'no-heartbeats': 1 });
    expect(breakdown(emf, 'RecordsFailed', 'reason')).toEqual({ 'invalid-json': 1, 'schema-violation': 1 });
    // No record value becomes a dimension.
    for (const doc of emf) expect(JSON.stringify(doc.dimensions)).not.toMatch(/customer|teleport|pk-/);
  });

  it('flushes per invocation: a second batch reports only its own records', async () => {
    const handler = await load('stream-consumer');
    const event = kinesisStreamEvent([{ data: good[0]!, partitionKey: 'a' }]);
    await captureEmf(() => handler(event, context('streamConsumer')));

    const { emf } = await captureEmf(() => handler(event, context('streamConsumer')));

    expect(main(emf, 'stream-consumer').values).toMatchObject({ RecordsIn: 1, RecordsDelivered: 1 });
    expect(emf.some((doc) => 'ColdStart' in doc.values)).toBe(false);
  });
});

describe.each([
  ['firehose-transformer', 'firehoseTransformer'],
  ['partition-keys', 'partitionKeys'],
])('%s', (file, name) => {
  it('counts records in, ok, dropped and failed by reason', async () => {
    const handler = await load(file);
    const records = [...good, 'this is not JSON'];
    const event = firehoseTransformationEvent(records.map((data) => ({ data })));

    const { emf, result } = await captureEmf(() => handler(event, context(name)));

    const response = result as { records: { result: string }[] };
    const counted = (kind: string) => response.records.filter((record) => record.result === kind).length;
    expect(main(emf, file).values).toMatchObject({
      RecordsIn: records.length,
      RecordsOk: counted('Ok'),
      RecordsDropped: counted('Dropped'),
      RecordsFailed: counted('ProcessingFailed'),
      ReingestedRecords: 0,
    });
    expect(counted('Ok')).toBe(good.length);
    expect(breakdown(emf, 'RecordsFailed', 'reason')).toEqual({ 'invalid-json': 1 });
  });
});

it('firehoseTransformer counts the records a filter drops, by reason and rule', async () => {
  const handler = await load('firehose-transformer');
  const event = firehoseTransformationEvent([good[0]!, heartbeat].map((data) => ({ data })));

  const { emf } = await captureEmf(() => handler(event, context('firehoseTransformer')));

  expect(main(emf, 'firehose-transformer').values).toMatchObject({
    RecordsIn: 2,
    RecordsOk: 1,
    RecordsDropped: 1,
  });
  expect(breakdown(emf, 'RecordsDropped', 'reason')).toEqual({ filtered: 1 });
  expect(breakdown(emf, 'ObjectsDropped', 'rule')).toEqual({ 'no-heartbeats': 1 });
});

describe('parquetConverter', () => {
  it('counts objects, records, Parquet rows and conversion errors by code', async () => {
    const handler = await load('parquet-converter');
    const lines = [...good, 'not json', JSON.stringify(clickEvent(5, { timestamp: 'yesterday' }))];
    const body = gzipSync(`${lines.join('\n')}\n`);
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([body]), ContentLength: body.length }));
    const key = 'raw/event_type=click/dt=2026-11-22/clickstream-delivery-1-2026-11-22-12-05-00-abc.gz';
    const event = s3ObjectCreatedEvent([{ bucket: 'lake', key, size: body.length }]);

    const { emf } = await captureEmf(() => handler(event, context('parquetConverter')));

    expect(main(emf, 'parquet-converter').values).toMatchObject({
      ObjectsIn: 1,
      ObjectsConverted: 1,
      ObjectsFailed: 0,
      RecordsIn: lines.length,
      ParquetRows: good.length,
      ConversionErrors: 2,
      BytesIn: body.length,
    });
    expect(breakdown(emf, 'ConversionErrors', 'code')).toEqual({
      'DataFormatConversion.ParseError': 1,
      'DataFormatConversion.MalformedData': 1,
    });
    expect(breakdown(emf, 'Objects', 'outcome')).toEqual({ converted: 1 });
  });

  it('still reports the objects when a transient S3 failure makes the invocation throw', async () => {
    const handler = await load('parquet-converter');
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const event = s3ObjectCreatedEvent([{ bucket: 'lake', key: 'raw/a.gz', size: 1 }]);

    const { emf, result } = await captureEmf(() => handler(event, context('parquetConverter')));

    expect(result).toBeInstanceOf(Error);
    expect(main(emf, 'parquet-converter').values).toMatchObject({
      ObjectsIn: 1,
      ObjectsFailed: 1,
      ParquetRows: 0,
    });
    expect(breakdown(emf, 'Objects', 'outcome')).toEqual({ retry: 1 });
  });
});

describe('windowAggregator', () => {
  const windowEvent = () =>
    JSON.parse(readFileSync(join(ROOT, 'events/kinesis-window.json'), 'utf8')) as Record<string, unknown> & {
      Records: { kinesis: { data: string } }[];
    };
  const eventTypes = (event: ReturnType<typeof windowEvent>) =>
    new Set(
      event.Records.map(
        (record) =>
          (JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()) as { event_type: string })
            .event_type,
      ),
    );

  it('counts records, groups, state bytes and emitted rows on the final invocation', async () => {
    const handler = await load('window-aggregator');
    const event = windowEvent();

    const { emf, result } = await captureEmf(() => handler(event, context('windowAggregator')));

    const groups = eventTypes(event).size;
    const batch = main(emf, 'window-aggregator');
    expect(batch.values).toMatchObject({
      RecordsIn: event.Records.length,
      WindowGroups: groups,
      WindowRowsEmitted: groups,
      RecordsFailed: 0,
      ObjectsAggregated: event.Records.length,
    });
    expect(batch.units.WindowStateBytes).toBe('Bytes');
    expect(result).toHaveProperty('state');
  });

  it('leaves the window totals to the final invocation', async () => {
    const handler = await load('window-aggregator');
    const event = { ...windowEvent(), isFinalInvokeForWindow: false };

    const { emf } = await captureEmf(() => handler(event, context('windowAggregator')));

    const batch = main(emf, 'window-aggregator');
    expect(batch.values).toMatchObject({ RecordsIn: event.Records.length, WindowRowsEmitted: 0 });
    expect(batch.values.WindowStateBytes).toBeGreaterThan(0);
    expect(batch.values).not.toHaveProperty('RecordsFailed');
  });
});

describe('an invocation that throws', () => {
  it.each([
    ['stream-consumer', 'streamConsumer'],
    ['firehose-transformer', 'firehoseTransformer'],
    ['partition-keys', 'partitionKeys'],
    ['parquet-converter', 'parquetConverter'],
    ['window-aggregator', 'windowAggregator'],
  ])(
    '%s counts it as InvocationErrors, so Powertools has no empty metrics to warn about',
    async (file, name) => {
      // Prepare: an event of the wrong kind, refused at the door
      const handler = await load(file);
      const warnings: string[] = [];
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        warnings.push(String(chunk));
        return true;
      });

      // Act
      let captured: Awaited<ReturnType<typeof captureEmf>>;
      try {
        captured = await captureEmf(() => handler({ hello: 'world' }, context(name)));
      } finally {
        stderr.mockRestore();
      }

      // Assess
      expect(captured.result).toBeInstanceOf(Error);
      expect((captured.result as Error).name).toBe('WrongEventError');
      expect(main(captured.emf, file).values).toEqual({ InvocationErrors: 1 });
      expect(warnings.join('')).not.toContain('No application metrics');
    },
  );

  it('is not counted when the invocation succeeds', async () => {
    const handler = await load('partition-keys');
    const event = firehoseTransformationEvent([{ data: good[0]! }]);

    const { emf } = await captureEmf(() => handler(event, context('partitionKeys')));

    expect(main(emf, 'partition-keys').values).not.toHaveProperty('InvocationErrors');
  });
});
