/** Pipelines, events and response readers shared by the Firehose tests. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  checkTransformationResponse,
  PROJECT_CONTRACT,
  createFirehoseProcessor,
  type FirehoseInvocation,
  type FirehoseOutcome,
  type FirehoseProcessorOptions,
  type FirehoseResponseRecord,
  type FirehoseSummary,
} from '../../../lib/firehose';
import { newSummary } from '../../../lib/firehose/processor';
import { parsePipeline, type LoadedPipeline } from '../../../lib/pipeline/load';

export const SAMPLE_PARTITIONING = `
partitioning:
  engine: lambda
  onMissingKey: default
  keys:
    - { name: event_type, path: event_type, default: unknown }
    - { name: dt, timestamp: { field: timestamp, pattern: yyyy-MM-dd } }`;

export const SAMPLE_TRANSFORMS = `
transforms:
  - timestamp: { fields: [timestamp], to: iso }
  - mask: { fields: [customer.email], saltFrom: MASK_SALT }
  - rename: { from: session_id, to: session }
  - add: { field: ingested_at, from: ingestionTime }
  - filter: { name: no-heartbeats, drop: { field: event_type, in: [heartbeat] } }`;

/** A schema for CloudWatch Logs lines, written once per test run. */
export function logLineSchema(): string {
  const file = join(tmpdir(), `kpipe-log-line-${process.pid}.schema.json`);
  writeFileSync(
    file,
    JSON.stringify({
      type: 'object',
      required: ['owner', 'logGroup', 'logStream', 'id', 'timestamp'],
      properties: { timestamp: { type: 'integer' }, message: { type: 'string' }, json: { type: 'object' } },
    }),
  );
  return file;
}

export const SAMPLE_DELIVERY = `
delivery:
  name: clicks-delivery
  buffering: { sizeMB: 64, intervalSeconds: 60 }
  prefix: raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/
  errorOutputPrefix: errors/!{firehose:error-output-type}/`;

/** A pipeline.yml from parts; the record schema is the sample clickstream one. */
export function pipelineOf(parts: {
  transforms?: string;
  partitioning?: string;
  delivery?: string;
  maxBytes?: number;
  /** Path of the record schema (absolute, or relative to the working directory). */
  schema?: string;
}): LoadedPipeline {
  const text = `
name: test
stream: { name: clicks }
record: { schema: '${parts.schema ?? 'schemas/clickstream.schema.json'}', maxBytes: ${parts.maxBytes ?? 1024000} }
${parts.transforms ?? SAMPLE_TRANSFORMS}
${parts.partitioning ?? SAMPLE_PARTITIONING}
${parts.delivery ?? SAMPLE_DELIVERY}
`;
  return parsePipeline(text, resolve('pipeline.test.yml'));
}

export const noSleep = { sleep: async () => undefined, maxAttempts: 3 };
export const FIXED_NOW = new Date(Date.UTC(2026, 10, 22, 12, 30, 0));

export function processorFor(pipeline: LoadedPipeline, options: Partial<FirehoseProcessorOptions> = {}) {
  return createFirehoseProcessor(pipeline, {
    mode: 'transform',
    env: { MASK_SALT: 'pepper' },
    clients: { firehose: () => new FirehoseClient({}), kinesis: () => new KinesisClient({}) },
    retry: noSleep,
    now: () => FIXED_NOW,
    ...options,
  });
}

export function dataText(entry: FirehoseResponseRecord): string {
  if (entry.data === undefined) throw new Error(`${entry.recordId} has no data`);
  return Buffer.from(entry.data, 'base64').toString('utf8');
}

export function dataLines(entry: FirehoseResponseRecord): Record<string, unknown>[] {
  const text = dataText(entry);
  if (!text.endsWith('\n')) throw new Error(`${entry.recordId}: data does not end with a newline`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs and asserts the contract Firehose enforces before anything else is looked at. */
export async function runChecked(
  process: (event: FirehoseInvocation) => Promise<FirehoseOutcome>,
  event: FirehoseInvocation,
  maxResponseBytes?: number,
): Promise<FirehoseOutcome> {
  const outcome = await process(event);
  const recordIds = event.records.map((record) => record.recordId);
  const profile = {
    ...PROJECT_CONTRACT,
    maxResponseBytes: maxResponseBytes ?? PROJECT_CONTRACT.maxResponseBytes,
  };
  expect(checkTransformationResponse(recordIds, outcome.response, profile).problems).toEqual([]);
  expect(outcome.summary.responseBytes).toBe(Buffer.byteLength(JSON.stringify(outcome.response)));
  return outcome;
}

export function results(outcome: FirehoseOutcome): string[] {
  return outcome.response.records.map((entry) => entry.result);
}

/** A summary before any record is counted, for tests of the stages that fill it in. */
export function emptySummary(): FirehoseSummary {
  return newSummary({ invocationId: 'invocation-1', region: 'us-east-1', records: [] });
}
