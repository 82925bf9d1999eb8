/**
 * Where the stream consumer delivers good records: one entry per sink type in pipeline.yml, built once
 * at cold start with injected clients. Each sink reports the lowest batch position it could not deliver,
 * plus records it refused for good (they go to the error output instead of blocking the shard).
 */
import type { AwsClients } from '../aws/clients';
import { putRecordBatchReliably, FIREHOSE_REJECTIONS } from '../sinks/firehose';
import { putRecordsReliably, KINESIS_REJECTIONS } from '../sinks/kinesis';
import { encodeLines } from '../sinks/lines';
import { batchObjectKey, putObject } from '../sinks/s3';
import type { DeliveryOptions, PutOutcome } from '../sinks/retry';
import type { FirehoseSinkConfig, KinesisSinkConfig, S3SinkConfig, SinkConfig } from '../pipeline/types';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

/** One good record of the batch, ready to deliver. */
export interface DeliveryItem {
  /** Position of its Kinesis record in the batch; what a failure is reported against. */
  position: number;
  line: string;
  /** The parsed record, kept only when a sink reads it (see Sink.readsRecords). */
  record: Record<string, unknown> | undefined;
  keys: Record<string, string> | undefined;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber: number | undefined;
}

export interface BatchInfo {
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
}

export interface Refusal {
  item: DeliveryItem;
  reason: string;
  message: string;
}

export interface SinkResult {
  /** Lowest batch position not delivered for a transient reason; undefined when all arrived. */
  firstUndelivered: number | undefined;
  /** Records the destination refuses whatever the retries (too large, invalid key). */
  refused: Refusal[];
  /** Objects or records written, for the summary. */
  written: number;
  /** Why deliveries failed, for the log (no record content). */
  errors?: string[];
}

export interface Sink {
  readonly name: string;
  /**
   * Whether deliver() reads `item.record`. Without such a sink the batch keeps only output lines: 10,000
   * parsed objects held to the end of a batch survive into V8's old generation and cost real GC time.
   */
  readonly readsRecords?: boolean;
  deliver(items: DeliveryItem[], batch: BatchInfo): Promise<SinkResult>;
}

/** The clients sinks write with (lib/aws/clients.ts builds them lazily). */
export type SinkClients = AwsClients;

export interface SinkContext {
  clients: SinkClients;
  bucket: string | undefined;
  retry?: DeliveryOptions;
}

function minimum(values: Iterable<number>): number | undefined {
  let lowest: number | undefined;
  for (const value of values) if (lowest === undefined || value < lowest) lowest = value;
  return lowest;
}

/** Maps a put outcome back onto the items: permanent refusals vs the first transient failure. */
function settle(
  items: DeliveryItem[],
  outcome: PutOutcome,
  permanentCodes: Record<string, string>,
  destination: string,
): SinkResult {
  const refused: Refusal[] = [];
  const transient: number[] = [];
  for (const failure of outcome.failed) {
    const item = items[failure.index]!;
    if (failure.errorCode in permanentCodes) {
      refused.push({
        item,
        reason: 'refused-by-sink',
        message: `${destination}: ${failure.errorCode}: ${failure.errorMessage}`,
      });
    } else {
      transient.push(item.position);
    }
  }
  const errors = [...new Set(outcome.failed.map((failure) => `${destination}: ${failure.errorCode}`))];
  return { firstUndelivered: minimum(transient), refused, written: outcome.acknowledged, errors };
}

const encoder = new TextEncoder();
// On libuv's thread pool, so the objects of one batch compress in parallel with each other.
const gzip = promisify(gzipCallback);

/** Names and values of a record's partition folders as one map key (sanitised values hold no control characters). */
function partitionId(partitions: Record<string, string>): string {
  let id = '';
  for (const name in partitions) id += `${name}\u0000${partitions[name]}\u0000`;
  return id;
}

function s3Sink(config: S3SinkConfig, context: SinkContext): Sink {
  const bucket = context.bucket;
  if (!bucket) throw new Error(`consumer.sinks: an s3 sink needs a bucket (set BUCKET_NAME)`);
  const compress = config.compression === 'gzip';
  const extension = compress ? 'jsonl.gz' : 'jsonl';
  return {
    name: `s3:${config.prefix}`,
    async deliver(items, batch) {
      // One object per partition folder; lines keep shard order inside each.
      const groups = new Map<
        string,
        { partitions: Record<string, string> | undefined; items: DeliveryItem[] }
      >();
      for (const item of items) {
        const partitions = config.partitioned ? item.keys : undefined;
        const id = partitions ? partitionId(partitions) : '';
        let group = groups.get(id);
        if (group === undefined) {
          group = { partitions, items: [] };
          groups.set(id, group);
        }
        group.items.push(item);
      }
      const client = context.clients.s3();
      const results = await Promise.allSettled(
        [...groups.values()].map(async (group) => {
          const lines = encodeLines(group.items.map((item) => item.line));
          const key = batchObjectKey({
            prefix: config.prefix,
            partitions: group.partitions,
            ...batch,
            extension,
          });
          await putObject(client, {
            bucket,
            key,
            body: compress ? await gzip(lines) : lines,
            contentType: 'application/x-ndjson',
            ...(compress && { contentEncoding: 'gzip' }),
          });
        }),
      );
      const groupList = [...groups.values()];
      const failed = results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ group: groupList[index]!, error: result.reason as Error }] : [],
      );
      return {
        firstUndelivered: minimum(failed.map(({ group }) => group.items[0]!.position)),
        refused: [],
        written: results.length - failed.length,
        errors: failed.map(({ error }) => error.message),
      };
    },
  };
}

function firehoseSink(config: FirehoseSinkConfig, context: SinkContext): Sink {
  return {
    name: `firehose:${config.deliveryStream}`,
    async deliver(items) {
      if (items.length === 0) return { firstUndelivered: undefined, refused: [], written: 0 };
      const records = items.map((item) => encoder.encode(`${item.line}\n`));
      const outcome = await putRecordBatchReliably(
        context.clients.firehose(),
        config.deliveryStream,
        records,
        {
          ...context.retry,
          afterFailedChunk: 'stop',
        },
      );
      return settle(items, outcome, FIREHOSE_REJECTIONS, `firehose ${config.deliveryStream}`);
    },
  };
}

function readKey(record: Record<string, unknown>, path: string[]): string | undefined {
  let value: unknown = record;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function kinesisSink(config: KinesisSinkConfig, context: SinkContext): Sink {
  const path = config.partitionKeyField?.split('.');
  return {
    name: `kinesis:${config.stream}`,
    readsRecords: path !== undefined,
    async deliver(items) {
      if (items.length === 0) return { firstUndelivered: undefined, refused: [], written: 0 };
      const entries = items.map((item) => ({
        data: encoder.encode(item.line),
        // The source record's key unless the pipeline routes by a field; a record without it keeps its key.
        partitionKey: (path && item.record && readKey(item.record, path)) || item.partitionKey,
      }));
      const outcome = await putRecordsReliably(
        context.clients.kinesis(),
        { streamName: config.stream },
        entries,
        {
          ...context.retry,
          afterFailedChunk: 'stop',
        },
      );
      return settle(items, outcome, KINESIS_REJECTIONS, `kinesis ${config.stream}`);
    },
  };
}

const sinkFactories: {
  [T in SinkConfig['type']]: (config: Extract<SinkConfig, { type: T }>, context: SinkContext) => Sink;
} = {
  s3: s3Sink,
  firehose: firehoseSink,
  kinesis: kinesisSink,
};

export function createSinks(configs: SinkConfig[], context: SinkContext): Sink[] {
  return configs.map((config) =>
    (sinkFactories[config.type] as (c: SinkConfig, x: SinkContext) => Sink)(config, context),
  );
}
