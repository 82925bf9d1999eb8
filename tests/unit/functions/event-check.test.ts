/**
 * Events checked at the door (functions/event-check.ts), held against Powertools parser's schemas: every
 * committed sample passes both, every wrong event fails both, and the handler's error names what it expects
 * and what it got, never a TypeError from inside the library.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import type { Context } from 'aws-lambda';
import { checkEvent, WrongEventError, type EventKindName } from '../../../functions/event-check';

const ROOT = resolve(__dirname, '../../..');
const sample = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'events', file), 'utf8')) as Record<string, unknown>;

const ORACLE: Record<EventKindName, { safeParse: (value: unknown) => { success: boolean } }> = {
  kinesis: KinesisDataStreamSchema,
  kinesisWindow: KinesisDataStreamSchema,
  firehose: KinesisFirehoseSchema,
  s3: S3Schema,
};

const kinesis = sample('kinesis.json');
const firehose = sample('firehose-kinesis-source.json');
const s3 = sample('s3-object-created.json');
const kinesisRecords = kinesis.Records as Record<string, unknown>[];

describe.each([
  ['kinesis', 'kinesis.json'],
  ['kinesis', 'kinesis-kpl.json'],
  ['kinesis', 'kinesis-with-bad-records.json'],
  ['kinesisWindow', 'kinesis-window.json'],
  ['firehose', 'firehose-kinesis-source.json'],
  ['firehose', 'firehose-direct-put.json'],
  ['firehose', 'firehose-cloudwatch-logs.json'],
  ['s3', 's3-object-created.json'],
] as const)('%s accepts events/%s', (kind, file) => {
  it('as Powertools does', () => {
    const event = sample(file);
    expect(ORACLE[kind].safeParse(event).success).toBe(true);
    expect(() => checkEvent('fn', kind, event)).not.toThrow();
  });
});

describe.each([
  ['kinesis', 'no event (sls invoke local without -p)', '', /got an empty string/],
  ['kinesis', 'nothing', undefined, /got nothing/],
  ['kinesis', 'a Firehose event', firehose, /got a Firehose transformation event \(Records should be a list/],
  ['kinesis', 'an S3 event', s3, /got an event from aws:s3 \(Records\[0\]\.eventID should be a string/],
  [
    'kinesis',
    'a record without its kinesis block',
    { Records: [kinesisRecords[0], { ...kinesisRecords[1], kinesis: undefined }] },
    /Records\[1\]\.kinesis\.data should be a string, got nothing/,
  ],
  [
    'kinesisWindow',
    'a plain Kinesis event',
    kinesis,
    /got a Kinesis Data Streams event \(event\.window\.start/,
  ],
  [
    'firehose',
    'a Kinesis event',
    kinesis,
    /got a Kinesis Data Streams event \(event\.invocationId should be a string/,
  ],
  ['firehose', 'an empty object', {}, /got an empty object/],
  ['s3', 'a Firehose event', firehose, /got a Firehose transformation event/],
] as const)('%s refuses %s', (kind, _case, event, message) => {
  it('as Powertools does, naming what it expects and what it got', () => {
    // Powertools' Kinesis schema makes `window` optional; the window aggregator cannot do without one.
    expect(ORACLE[kind].safeParse(event).success).toBe(kind === 'kinesisWindow');
    expect(() => checkEvent('fn', kind, event)).toThrow(WrongEventError);
    expect(() => checkEvent('fn', kind, event)).toThrow(message);
  });
});

describe('streamConsumer handler', () => {
  const saved = { ...process.env };
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    Object.assign(process.env, {
      PIPELINE_FILE: join(ROOT, 'pipeline.yml'),
      BUCKET_NAME: 'lake',
      MASK_SALT: 'unit-salt',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = (await import('../../../functions/stream-consumer')) as unknown as {
      handler: typeof handler;
    });
  });
  afterAll(() => {
    process.env = saved;
  });

  it.each([
    [
      '',
      /streamConsumer expects a Kinesis Data Streams event .*got an empty string.*-p events\/kinesis\.json/,
    ],
    [firehose, /streamConsumer expects a Kinesis Data Streams event .*got a Firehose transformation event/],
  ])('refuses %# with WrongEventError, not a TypeError', async (event, message) => {
    const error = (await handler(event, { awsRequestId: 'unit' } as Context).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(WrongEventError);
    expect(error.name).toBe('WrongEventError');
    expect(error.message).toMatch(message);
  });
});
