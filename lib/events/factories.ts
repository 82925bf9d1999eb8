/**
 * Lambda event factories: the exact shapes AWS sends, built from plain records. Used by the sample-event
 * script, `kpipe events`, the local runtime and the tests, so all of them agree on one shape.
 */
import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent, KinesisStreamEvent, S3Event } from 'aws-lambda';

export const DEFAULT_REGION = 'eu-west-1';
export const DEFAULT_ACCOUNT = '123456789012';

export function streamArn(name: string, region = DEFAULT_REGION, account = DEFAULT_ACCOUNT): string {
  return `arn:aws:kinesis:${region}:${account}:stream/${name}`;
}

export function deliveryStreamArn(name: string, region = DEFAULT_REGION, account = DEFAULT_ACCOUNT): string {
  return `arn:aws:firehose:${region}:${account}:deliverystream/${name}`;
}

export function shardId(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** Sequence numbers are 56-digit decimal strings that grow within a shard. */
export function sequenceNumber(position: number, base = 49590338271490256608559692538361571095921575989136588898n): string {
  return (base + BigInt(position) * 1000n).toString();
}

function toBuffer(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

export interface StreamRecordInput {
  data: Uint8Array | string;
  partitionKey: string;
  sequenceNumber?: string;
  /** Epoch milliseconds. */
  arrivalTime?: number;
}

export interface KinesisEventOptions {
  streamName?: string;
  shard?: string;
  region?: string;
  /** Arrival time of the first record in epoch milliseconds; later ones follow 10 ms apart. */
  startTime?: number;
}

export function kinesisStreamEvent(records: StreamRecordInput[], options: KinesisEventOptions = {}): KinesisStreamEvent {
  const region = options.region ?? DEFAULT_REGION;
  const arn = streamArn(options.streamName ?? 'clickstream-events', region);
  const shard = options.shard ?? shardId(0);
  const start = options.startTime ?? Date.UTC(2026, 10, 22, 12, 0, 0);
  return {
    Records: records.map((record, index) => {
      const sequence = record.sequenceNumber ?? sequenceNumber(index);
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: record.partitionKey,
          sequenceNumber: sequence,
          data: toBuffer(record.data).toString('base64'),
          approximateArrivalTimestamp: (record.arrivalTime ?? start + index * 10) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shard}:${sequence}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::${DEFAULT_ACCOUNT}:role/kinesis-pipeline-consumer`,
        awsRegion: region,
        eventSourceARN: arn,
      };
    }),
  };
}

export interface FirehoseRecordInput {
  data: Uint8Array | string;
  /** Epoch milliseconds. */
  arrivalTime?: number;
  /** Present when the delivery stream reads a Kinesis stream. */
  kinesis?: { partitionKey: string; sequenceNumber?: string; subsequenceNumber?: number; shardId?: string };
}

export interface FirehoseEventOptions {
  deliveryStreamName?: string;
  /** Set for a delivery stream whose source is a Kinesis stream. */
  sourceStreamName?: string;
  region?: string;
  invocationId?: string;
  startTime?: number;
}

export function firehoseTransformationEvent(
  records: FirehoseRecordInput[],
  options: FirehoseEventOptions = {},
): FirehoseTransformationEvent {
  const region = options.region ?? DEFAULT_REGION;
  const start = options.startTime ?? Date.UTC(2026, 10, 22, 12, 0, 0);
  const event: FirehoseTransformationEvent = {
    invocationId: options.invocationId ?? '2b7c1b7e-5a3a-4a0f-9d0b-0c5b7d3f4a11',
    deliveryStreamArn: deliveryStreamArn(options.deliveryStreamName ?? 'clickstream-delivery', region),
    region,
    records: records.map((record, index) => {
      const arrival = record.arrivalTime ?? start + index * 10;
      const sequence = record.kinesis?.sequenceNumber ?? sequenceNumber(index);
      return {
        // Firehose record ids are opaque; this mirrors their look (sequence-based, base64-ish).
        recordId: `${sequence}${String(index).padStart(6, '0')}`,
        approximateArrivalTimestamp: arrival,
        data: toBuffer(record.data).toString('base64'),
        ...(record.kinesis && {
          kinesisRecordMetadata: {
            shardId: record.kinesis.shardId ?? shardId(0),
            partitionKey: record.kinesis.partitionKey,
            approximateArrivalTimestamp: arrival,
            sequenceNumber: sequence,
            // A number on the wire (AWS's samples, Powertools' schema); @types/aws-lambda says string.
            subsequenceNumber: (record.kinesis.subsequenceNumber ?? 0) as unknown as string,
          },
        }),
      };
    }),
  };
  if (options.sourceStreamName) {
    (event as FirehoseTransformationEvent & { sourceKinesisStreamArn: string }).sourceKinesisStreamArn = streamArn(
      options.sourceStreamName,
      region,
    );
  }
  return event;
}

export interface S3ObjectInput {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  sequencer?: string;
}

export function s3ObjectCreatedEvent(objects: S3ObjectInput[], region = DEFAULT_REGION): S3Event {
  return {
    Records: objects.map((object, index) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: region,
      eventTime: new Date(Date.UTC(2026, 10, 22, 12, 5, index)).toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLE:firehose' },
      requestParameters: { sourceIPAddress: '10.0.0.1' },
      responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'raw-object-created',
        bucket: {
          name: object.bucket,
          ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
          arn: `arn:aws:s3:::${object.bucket}`,
        },
        object: {
          // S3 notifications URL-encode keys (spaces as '+'); consumers must decode them.
          key: encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
          size: object.size,
          eTag: object.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
          sequencer: object.sequencer ?? `0A1B2C3D4E5F6${String(index).padStart(4, '0')}`,
        },
      },
    })),
  };
}

export interface LogEventInput {
  message: string;
  timestamp?: number;
  id?: string;
}

export interface CloudWatchLogsPayloadOptions {
  messageType?: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner?: string;
  logGroup?: string;
  logStream?: string;
  subscriptionFilters?: string[];
  startTime?: number;
}

/** A CloudWatch Logs subscription payload as Firehose or Kinesis receives it: gzip'd JSON. */
export function cloudWatchLogsPayload(events: LogEventInput[], options: CloudWatchLogsPayloadOptions = {}): Buffer {
  const start = options.startTime ?? Date.UTC(2026, 10, 22, 12, 0, 0);
  const payload = {
    messageType: options.messageType ?? 'DATA_MESSAGE',
    owner: options.owner ?? DEFAULT_ACCOUNT,
    logGroup: options.logGroup ?? '/aws/lambda/checkout-service',
    logStream: options.logStream ?? '2026/11/22/[$LATEST]0123456789abcdef0123456789abcdef',
    subscriptionFilters: options.subscriptionFilters ?? ['to-firehose'],
    logEvents: events.map((event, index) => ({
      id: event.id ?? `3719582941757329104852917234519283749182374918237491${String(index).padStart(2, '0')}`,
      timestamp: event.timestamp ?? start + index,
      message: event.message,
    })),
  };
  return gzipSync(JSON.stringify(payload));
}
