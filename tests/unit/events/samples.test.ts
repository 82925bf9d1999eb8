import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsDecodeSchema,
  KinesisDataStreamSchema,
  KinesisFirehoseSchema,
  S3Schema,
} from '@aws-lambda-powertools/parser/schemas';
import type { ZodType } from 'zod';
import { sampleEvents, sampleRawObject } from '../../../lib/events/samples';
import { loadPipeline } from '../../../lib/pipeline/load';
import { deaggregate } from '../../../lib/records';
import { compileValidator } from '../../../lib/schema/validate';

const EVENTS_DIR = resolve('events');
const { config, recordSchema } = loadPipeline(resolve('pipeline.yml'));
const generated = sampleEvents(config);

/** Each committed event and the Powertools parser schema for its event type (a tool nobody here wrote). */
const schemaFor: Record<string, ZodType> = {
  'kinesis.json': KinesisDataStreamSchema,
  'kinesis-window.json': KinesisDataStreamSchema,
  'kinesis-with-bad-records.json': KinesisDataStreamSchema,
  'kinesis-kpl.json': KinesisDataStreamSchema,
  'firehose-direct-put.json': KinesisFirehoseSchema,
  'firehose-kinesis-source.json': KinesisFirehoseSchema,
  'firehose-cloudwatch-logs.json': KinesisFirehoseSchema,
  's3-object-created.json': S3Schema,
};

function committed(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as Record<string, unknown>;
}

describe('committed sample events', () => {
  it('cover every generated event and nothing else', () => {
    expect(readdirSync(EVENTS_DIR).sort()).toEqual(Object.keys(generated).sort());
    expect(Object.keys(schemaFor).sort()).toEqual(Object.keys(generated).sort());
  });

  it.each(Object.keys(schemaFor))('%s is what `npm run events` writes (regenerate after changes)', (name) => {
    expect(committed(name)).toEqual(JSON.parse(JSON.stringify(generated[name])));
  });

  it.each(Object.entries(schemaFor))('%s parses with the Powertools schema for its event type', (name, schema) => {
    const result = schema.safeParse(committed(name));
    expect(result.error?.issues).toBeUndefined();
    expect(result.success).toBe(true);
  });
});

describe('sample event contents', () => {
  const validate = compileValidator(recordSchema);

  it('carries records valid for the pipeline schema in kinesis.json', () => {
    const event = committed('kinesis.json') as { Records: { kinesis: { data: string } }[] };
    for (const record of event.Records) {
      expect(validate(JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()))).toEqual({ ok: true });
    }
  });

  it('carries KPL aggregates that de-aggregate into valid records', () => {
    const event = committed('kinesis-kpl.json') as { Records: { kinesis: { data: string } }[] };
    const users = event.Records.flatMap((record) => {
      const result = deaggregate(Buffer.from(record.kinesis.data, 'base64'));
      if (!result.ok || !result.aggregated) throw new Error('expected an aggregate');
      return result.records;
    });
    expect(users.length).toBeGreaterThan(1);
    for (const user of users) expect(validate(JSON.parse(user.data.toString()))).toEqual({ ok: true });
  });

  it('sets sourceKinesisStreamArn and kinesisRecordMetadata only on the Kinesis-source Firehose event', () => {
    const kinesisSource = committed('firehose-kinesis-source.json') as {
      sourceKinesisStreamArn?: string;
      records: { kinesisRecordMetadata?: unknown }[];
    };
    const directPut = committed('firehose-direct-put.json') as typeof kinesisSource;
    expect(kinesisSource.sourceKinesisStreamArn).toMatch(/^arn:aws:kinesis:.*:stream\/clickstream-events$/);
    expect(kinesisSource.records.every((record) => record.kinesisRecordMetadata)).toBe(true);
    expect(directPut.sourceKinesisStreamArn).toBeUndefined();
    expect(directPut.records.some((record) => record.kinesisRecordMetadata)).toBe(false);
  });

  it('carries gzip CloudWatch Logs payloads, data and control, in the CloudWatch Logs Firehose event', () => {
    const event = committed('firehose-cloudwatch-logs.json') as { records: { data: string }[] };
    const types = event.records.map((record) => {
      const payload = JSON.parse(gunzipSync(Buffer.from(record.data, 'base64')).toString()) as unknown;
      const parsed = CloudWatchLogsDecodeSchema.safeParse(payload);
      expect(parsed.success).toBe(true);
      return (payload as { messageType: string }).messageType;
    });
    expect(types).toEqual(['DATA_MESSAGE', 'CONTROL_MESSAGE']);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(sampleEvents(config, { seed: 42 })).toEqual(generated);
    expect(sampleEvents(config, { seed: 7 })['kinesis.json']).not.toEqual(generated['kinesis.json']);
  });

  it('names in s3-object-created.json the raw object kpipe emulators puts: valid records, gzip\'d JSON lines', () => {
    // Prepare
    const event = committed('s3-object-created.json') as {
      Records: { s3: { bucket: { name: string }; object: { key: string } } }[];
    };
    const { s3 } = event.Records[0]!;

    // Act
    const object = sampleRawObject(config);

    // Assess: S3 events URL-encode keys (`=` is %3D)
    expect(object.bucket).toBe(s3.bucket.name);
    expect(object.key).toBe(decodeURIComponent(s3.object.key.replace(/\+/g, ' ')));
    expect(object.key.startsWith(config.conversion!.inputPrefix)).toBe(true);
    const lines = gunzipSync(object.body).toString().trimEnd().split('\n');
    expect(lines).toHaveLength(object.records);
    expect(object.records).toBe(5);
    for (const line of lines) expect(validate(JSON.parse(line))).toEqual({ ok: true });
  });
});
