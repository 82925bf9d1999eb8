/**
 * The committed sample events (events/*.json), built from the sample pipeline: its stream and delivery
 * stream names, and records rendered from the shipped clickstream template with a fixed seed, so the same
 * code always writes the same files. `kpipe events` and `npm run events` write them.
 */
import { gzipSync } from 'node:zlib';
import { tumblingWindowEvent, windowOf } from '../analytics';
import { compileTemplate, loadTemplateSpec } from '../generator';
import type { PipelineConfig } from '../pipeline/types';
import { aggregate } from '../records';
import {
  cloudWatchLogsPayload,
  firehoseTransformationEvent,
  kinesisStreamEvent,
  s3ObjectCreatedEvent,
  sequenceNumber,
} from './factories';

/** The bucket the S3 sample event names (and `kpipe emulators` creates). */
export const DEFAULT_SAMPLE_BUCKET = 'kinesis-pipeline-dev-bucket';

export interface SampleEventOptions {
  /** Records per event (default 5). */
  count?: number;
  seed?: number;
  /** Bucket named in the S3 event (default DEFAULT_SAMPLE_BUCKET). */
  bucket?: string;
}

/** Rendered clickstream records (JSON text), deterministic for a seed. */
export function sampleRecords(count: number, seed: number): string[] {
  const template = compileTemplate(loadTemplateSpec('clickstream').text, { seed });
  const records: string[] = [];
  while (records.length < count) {
    const text = template.render().trim();
    const record = JSON.parse(text) as { event_type?: string };
    // Heartbeats are filtered by the sample pipeline; samples should show records that flow through.
    if (record.event_type !== 'heartbeat') records.push(JSON.stringify(record));
  }
  return records;
}

function partitionKeyOf(record: string): string {
  return (JSON.parse(record) as { customer_id: string }).customer_id;
}

/** Where the S3 sample event says Firehose put a raw object: the pipeline's raw prefix, Firehose's naming. */
function rawObjectLocation(config: PipelineConfig, options: SampleEventOptions): { bucket: string; key: string } {
  const deliveryStreamName = config.delivery?.name ?? `${config.name}-delivery`;
  return {
    bucket: options.bucket ?? DEFAULT_SAMPLE_BUCKET,
    key: `${config.conversion?.inputPrefix ?? 'raw/'}event_type=click/dt=2026-11-22/${deliveryStreamName}-1-2026-11-22-12-05-00-8a1c2f3e-4b5d-4e6f-9a7b-1c2d3e4f5a6b.gz`,
  };
}

/**
 * The raw object `s3-object-created.json` names, as Firehose would have written it: the sample records as
 * gzip'd JSON lines. `kpipe emulators` puts it into s3rver, so `sls invoke local -f parquetConverter`
 * converts something.
 */
export function sampleRawObject(
  config: PipelineConfig,
  options: SampleEventOptions = {},
): { bucket: string; key: string; body: Buffer; records: number } {
  const count = options.count ?? 5;
  const records = sampleRecords(count, options.seed ?? 42);
  const body = gzipSync(`${records.join('\n')}\n`);
  return { ...rawObjectLocation(config, options), body, records: records.length };
}

/** File name → event object, for every function's sample events. */
export function sampleEvents(config: PipelineConfig, options: SampleEventOptions = {}): Record<string, unknown> {
  const count = options.count ?? 5;
  const records = sampleRecords(count * 2, options.seed ?? 42);
  const valid = records.slice(0, count);
  const streamName = config.stream.name;
  const deliveryStreamName = config.delivery?.name ?? `${config.name}-delivery`;
  const invalid = [
    { data: 'this is not JSON', partitionKey: 'bad-not-json' },
    { data: JSON.stringify({ ...(JSON.parse(valid[0]!) as object), event_type: 'teleport' }), partitionKey: 'bad-schema' },
  ];

  const aggregates = aggregate(
    records.slice(count).map((data) => ({ partitionKey: 'kpl-producer', data })),
  );
  const logs = cloudWatchLogsPayload(
    valid.map((record) => ({ message: record })).concat([{ message: 'plain text log line: cache warmed in 41 ms' }]),
    { logGroup: '/aws/lambda/checkout-service' },
  );
  const control = cloudWatchLogsPayload([{ message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }], {
    messageType: 'CONTROL_MESSAGE',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
  });

  const windowStart = Date.UTC(2026, 10, 22, 12, 0, 0);
  return {
    'kinesis-window.json': tumblingWindowEvent(
      valid.map((data) => ({ data, partitionKey: partitionKeyOf(data) })),
      { streamName, window: windowOf(windowStart, config.analytics?.tumblingWindowInSeconds ?? 60), final: true },
    ),
    'kinesis.json': kinesisStreamEvent(
      valid.map((data) => ({ data, partitionKey: partitionKeyOf(data) })),
      { streamName },
    ),
    'kinesis-with-bad-records.json': kinesisStreamEvent(
      [...valid.slice(0, 2).map((data) => ({ data, partitionKey: partitionKeyOf(data) })), ...invalid],
      { streamName },
    ),
    'kinesis-kpl.json': kinesisStreamEvent(
      aggregates.map((entry, index) => ({ data: entry.data, partitionKey: entry.partitionKey, sequenceNumber: sequenceNumber(index) })),
      { streamName },
    ),
    'firehose-direct-put.json': firehoseTransformationEvent(valid.map((data) => ({ data })), { deliveryStreamName }),
    'firehose-kinesis-source.json': firehoseTransformationEvent(
      valid.map((data, index) => ({
        data,
        kinesis: { partitionKey: partitionKeyOf(data), sequenceNumber: sequenceNumber(index), subsequenceNumber: 0 },
      })),
      { deliveryStreamName, sourceStreamName: streamName },
    ),
    'firehose-cloudwatch-logs.json': firehoseTransformationEvent([{ data: logs }, { data: control }], {
      deliveryStreamName,
    }),
    's3-object-created.json': s3ObjectCreatedEvent([{ ...rawObjectLocation(config, options), size: 18342 }]),
  };
}
