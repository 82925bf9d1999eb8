/**
 * Where a window's rows go, as JSON lines: one entry per sink type of pipeline.yml, built once with injected
 * clients. A write either lands every row or throws ResultDeliveryError, and the caller keeps the state.
 * S3 keys are derived from shard, window start and part, so a retried emission overwrites the same object;
 * Kinesis and Firehose are at least once, and each row carries (window_start, shard_id, part) to dedupe on.
 */
import { gzipSync } from 'node:zlib';
import type { SinkClients } from '../consumer/delivery';
import type { FirehoseSinkConfig, KinesisSinkConfig, S3SinkConfig, SinkConfig } from '../sinks/config';
import { putRecordBatchReliably } from '../sinks/firehose';
import { putRecordsReliably } from '../sinks/kinesis';
import type { DeliveryOptions, PutOutcome } from '../sinks/retry';
import { joinObjectKey, putObject } from '../sinks/s3';

export type ResultRow = Record<string, unknown>;

export interface Emission {
  shardId: string;
  /** ISO start of the window. */
  windowStart: string;
  part: number;
}

export interface ResultSink {
  readonly name: string;
  /** Resolves with what was written; throws ResultDeliveryError when any row did not arrive. */
  write(rows: ResultRow[], emission: Emission): Promise<{ written: number; target: string }>;
}

export class ResultDeliveryError extends Error {
  constructor(
    readonly sink: string,
    detail: string,
  ) {
    super(`${sink}: ${detail}`);
    this.name = 'ResultDeliveryError';
  }
}

export interface ResultSinkContext {
  clients: SinkClients;
  /** Bucket of an s3 sink (BUCKET_NAME). */
  bucket: string | undefined;
  retry?: DeliveryOptions;
}

const encoder = new TextEncoder();

/** `20261122T120000Z` (milliseconds only when present): sortable, and safe in an object key. */
export function compactTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso.replace(/[^0-9A-Za-z]/g, '');
  return time
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/[-:]/g, '')
    .replace('.', '');
}

function failureDetail(outcome: PutOutcome, total: number): string {
  const codes = [...new Set(outcome.failed.map((failure) => failure.errorCode))].join(', ');
  const first = outcome.failed[0];
  return `${outcome.failed.length} of ${total} rows not delivered (${codes})${first ? `: ${first.errorMessage}` : ''}`;
}

/** `<prefix>[dt=YYYY-MM-DD/]<shardId>/<window start>-part-<n>.jsonl[.gz]`. */
export function resultObjectKey(
  config: Pick<S3SinkConfig, 'prefix' | 'partitioned' | 'compression'>,
  emission: Emission,
): string {
  const time = new Date(emission.windowStart);
  const date = Number.isNaN(time.getTime()) ? 'unknown' : time.toISOString().slice(0, 10);
  return joinObjectKey({
    prefix: config.prefix,
    partitions: config.partitioned ? { dt: date } : undefined,
    segments: [emission.shardId, `${compactTime(emission.windowStart)}-part-${emission.part}`],
    extension: config.compression === 'gzip' ? 'jsonl.gz' : 'jsonl',
  });
}

function s3Sink(config: S3SinkConfig, context: ResultSinkContext): ResultSink {
  const bucket = context.bucket;
  if (!bucket) throw new Error('analytics.sink: an s3 sink needs a bucket (set BUCKET_NAME)');
  const gzip = config.compression === 'gzip';
  const name = `s3:${config.prefix}`;
  return {
    name,
    async write(rows, emission) {
      const key = resultObjectKey(config, emission);
      if (rows.length === 0) return { written: 0, target: key };
      const text = rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
      try {
        await putObject(context.clients.s3(), {
          bucket,
          key,
          body: gzip ? gzipSync(text) : Buffer.from(text),
          contentType: 'application/x-ndjson',
          ...(gzip && { contentEncoding: 'gzip' }),
        });
      } catch (error) {
        throw new ResultDeliveryError(name, (error as Error).message);
      }
      return { written: rows.length, target: key };
    },
  };
}

function firehoseSink(config: FirehoseSinkConfig, context: ResultSinkContext): ResultSink {
  const name = `firehose:${config.deliveryStream}`;
  return {
    name,
    async write(rows) {
      if (rows.length === 0) return { written: 0, target: config.deliveryStream };
      const records = rows.map((row) => encoder.encode(`${JSON.stringify(row)}\n`));
      let outcome: PutOutcome;
      try {
        outcome = await putRecordBatchReliably(context.clients.firehose(), config.deliveryStream, records, {
          ...context.retry,
          afterFailedChunk: 'stop',
        });
      } catch (error) {
        throw new ResultDeliveryError(name, (error as Error).message);
      }
      if (outcome.failed.length > 0) throw new ResultDeliveryError(name, failureDetail(outcome, rows.length));
      return { written: rows.length, target: config.deliveryStream };
    },
  };
}

function kinesisSink(config: KinesisSinkConfig, context: ResultSinkContext): ResultSink {
  const name = `kinesis:${config.stream}`;
  const field = config.partitionKeyField;
  return {
    name,
    async write(rows, emission) {
      if (rows.length === 0) return { written: 0, target: config.stream };
      const entries = rows.map((row) => {
        const value = field === undefined ? undefined : row[field];
        const key = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
        // A row without the field (or an empty one) keeps the shard's rows together, in order.
        return { data: encoder.encode(JSON.stringify(row)), partitionKey: key || emission.shardId };
      });
      let outcome: PutOutcome;
      try {
        outcome = await putRecordsReliably(
          context.clients.kinesis(),
          { streamName: config.stream },
          entries,
          {
            ...context.retry,
            afterFailedChunk: 'stop',
          },
        );
      } catch (error) {
        throw new ResultDeliveryError(name, (error as Error).message);
      }
      if (outcome.failed.length > 0) throw new ResultDeliveryError(name, failureDetail(outcome, rows.length));
      return { written: rows.length, target: config.stream };
    },
  };
}

const FACTORIES: {
  [T in SinkConfig['type']]: (
    config: Extract<SinkConfig, { type: T }>,
    context: ResultSinkContext,
  ) => ResultSink;
} = { s3: s3Sink, firehose: firehoseSink, kinesis: kinesisSink };

export function createResultSink(config: SinkConfig, context: ResultSinkContext): ResultSink {
  return (FACTORIES[config.type] as (c: SinkConfig, x: ResultSinkContext) => ResultSink)(config, context);
}
