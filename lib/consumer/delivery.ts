/**
 * Where the stream consumer delivers good records: one entry per sink type in pipeline.yml, built once
 * at cold start with injected clients. Each sink reports the lowest batch position it could not deliver,
 * plus records it refused for good (they go to the error output instead of blocking the shard).
 */
import type { AwsClients } from '../aws/clients';
import { putRecordBatchReliably, FIREHOSE_REJECTIONS } from '../sinks/firehose';
import { putRecordsReliably, KINESIS_REJECTIONS } from '../sinks/kinesis';
import { JsonLinesBody } from '../sinks/lines';
import { batchObjectKey, putObject } from '../sinks/s3';
import type { DeliveryOptions, PutOutcome } from '../sinks/retry';
import type { FirehoseSinkConfig, KinesisSinkConfig, S3SinkConfig, SinkConfig } from '../sinks/config';
import { FieldPathError, parseFieldPath, readFieldPath, type PathSegment } from '../records/field-path';
import { lowestPosition } from './settle';

/** One good record of the batch, ready to deliver. */
export interface DeliveryItem {
  /** Position of its Kinesis record in the batch; what a failure is reported against. */
  position: number;
  line: string;
  /** The line's UTF-8 when it is the record's own data (see lineBytes), so it is not encoded again. */
  bytes: Uint8Array | undefined;
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
  /** Requests that resent entries the destination had not taken (SDK retries of a whole call not counted). */
  retries?: number;
  /** Why deliveries failed, for the log (no record content). */
  errors?: string[];
}

export interface Sink {
  readonly name: string;
  /**
   * Whether the sink reads `item.record`. Without such a sink no parsed object outlives its record: 10,000
   * of them held to the end of a batch survive into V8's old generation and cost real GC time.
   */
  readonly readsRecords?: boolean;
  /**
   * Whether the sink works beside the batch (gzip on libuv's thread pool) and so needs the event loop to
   * turn now and then while records are processed. Without such a sink a batch runs straight through.
   */
  readonly worksInBackground?: boolean;
  /** Starts one batch. Its items are added in shard order while the batch is processed, then delivered. */
  open(batch: BatchInfo): SinkBatch;
}

/**
 * One batch on its way to a sink. add() is called as records pass the pipeline, so a sink can encode and
 * compress while the rest of the batch is processed; deliver() sends what was added.
 */
export interface SinkBatch {
  add(item: DeliveryItem): void;
  deliver(): Promise<SinkResult>;
}

/** A sink that needs the whole batch before it sends anything. */
function collecting(deliver: (items: DeliveryItem[]) => Promise<SinkResult>): SinkBatch {
  const items: DeliveryItem[] = [];
  return {
    add: (item) => void items.push(item),
    deliver: () =>
      items.length === 0
        ? Promise.resolve({ firstUndelivered: undefined, refused: [], written: 0 })
        : deliver(items),
  };
}

/** The clients sinks write with (lib/aws/clients.ts builds them lazily). */
export type SinkClients = AwsClients;

export interface SinkContext {
  clients: SinkClients;
  bucket: string | undefined;
  retry?: DeliveryOptions;
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
  return {
    firstUndelivered: lowestPosition(transient),
    refused,
    written: outcome.acknowledged,
    retries: outcome.retries,
    errors,
  };
}

const encoder = new TextEncoder();

/** A Firehose record: the line and a newline, so the delivered objects hold JSON lines. */
function withNewline(item: DeliveryItem): Uint8Array {
  if (item.bytes === undefined) return encoder.encode(`${item.line}\n`);
  const record = new Uint8Array(item.bytes.length + 1);
  record.set(item.bytes);
  record[item.bytes.length] = 0x0a;
  return record;
}

/** Whether a record's partitions are an object's folders: the same names in the same order, the same values. */
function isFolderOf(object: PartitionObject, partitions: Record<string, string>): boolean {
  const { names, partitions: folders } = object;
  let index = 0;
  for (const name in partitions) {
    if (name !== names[index] || partitions[name] !== folders![name]) return false;
    index += 1;
  }
  return index === names.length;
}

function firstValue(partitions: Record<string, string>): string {
  for (const name in partitions) return partitions[name]!;
  return '';
}

/**
 * A batch's S3 objects by partition folders. Looked up by the first key's value, then compared in full:
 * building a string key per record (and hashing it) cost more than the rest of the S3 sink.
 */
class PartitionObjects {
  private readonly byFirstValue = new Map<string, PartitionObject[]>();
  readonly list: PartitionObject[] = [];

  get(partitions: Record<string, string>): PartitionObject | undefined {
    const candidates = this.byFirstValue.get(firstValue(partitions));
    if (candidates === undefined) return undefined;
    for (const object of candidates) if (isFolderOf(object, partitions)) return object;
    return undefined;
  }

  add(object: PartitionObject): void {
    const value = object.partitions === undefined ? '' : firstValue(object.partitions);
    const candidates = this.byFirstValue.get(value);
    if (candidates === undefined) this.byFirstValue.set(value, [object]);
    else candidates.push(object);
    this.list.push(object);
  }
}

/** One S3 object of a batch: a partition folder's lines, in shard order. */
interface PartitionObject {
  partitions: Record<string, string> | undefined;
  /** Names of `partitions`, in order. */
  names: string[];
  /** Batch position of its first line: where a failed write is reported from. */
  firstPosition: number;
  body: JsonLinesBody;
}

function s3Sink(config: S3SinkConfig, context: SinkContext): Sink {
  const bucket = context.bucket;
  if (!bucket) throw new Error(`consumer.sinks: an s3 sink needs a bucket (set BUCKET_NAME)`);
  const compress = config.compression === 'gzip';
  const extension = compress ? 'jsonl.gz' : 'jsonl';
  return {
    name: `s3:${config.prefix}`,
    worksInBackground: compress,
    open(batch) {
      // One object per partition folder (a single one when the sink is not partitioned). Its body is
      // encoded (and compressed) as lines arrive, so the batch does not hold its output lines until the end.
      const objects = new PartitionObjects();
      let unpartitioned: PartitionObject | undefined;
      const open = (item: DeliveryItem, partitions: Record<string, string> | undefined) => {
        const object = {
          partitions,
          names: partitions === undefined ? [] : Object.keys(partitions),
          firstPosition: item.position,
          body: new JsonLinesBody({ gzip: compress }),
        };
        if (partitions === undefined) unpartitioned = object;
        objects.add(object);
        return object;
      };
      return {
        add(item) {
          const partitions = config.partitioned ? item.keys : undefined;
          const object =
            (partitions === undefined ? unpartitioned : objects.get(partitions)) ?? open(item, partitions);
          object.body.add(item.line, item.bytes);
        },
        async deliver() {
          const client = context.clients.s3();
          const list = objects.list;
          const results = await Promise.allSettled(
            list.map(async (object) => {
              const key = batchObjectKey({
                prefix: config.prefix,
                partitions: object.partitions,
                ...batch,
                extension,
              });
              await putObject(client, {
                bucket,
                key,
                body: await object.body.finish(),
                contentType: 'application/x-ndjson',
                ...(compress && { contentEncoding: 'gzip' }),
              });
            }),
          );
          const failed = results.flatMap((result, index) =>
            result.status === 'rejected' ? [{ object: list[index]!, error: result.reason as Error }] : [],
          );
          return {
            firstUndelivered: lowestPosition(failed.map(({ object }) => object.firstPosition)),
            refused: [],
            written: results.length - failed.length,
            errors: failed.map(({ error }) => error.message),
          };
        },
      };
    },
  };
}

function firehoseSink(config: FirehoseSinkConfig, context: SinkContext): Sink {
  return {
    name: `firehose:${config.deliveryStream}`,
    open: () =>
      collecting(async (items) => {
        const records = items.map((item) => withNewline(item));
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
      }),
  };
}

function readKey(record: Record<string, unknown>, path: PathSegment[]): string | undefined {
  const value = readFieldPath(record, path);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The sink's partitionKeyField by the project's one path rule; a bad path fails at cold start, named. */
function partitionKeyPath(config: KinesisSinkConfig): PathSegment[] | undefined {
  if (config.partitionKeyField === undefined) return undefined;
  try {
    return parseFieldPath(config.partitionKeyField);
  } catch (error) {
    if (!(error instanceof FieldPathError)) throw error;
    throw new Error(`kinesis sink ${config.stream}: partitionKeyField ${error.message}`);
  }
}

function kinesisSink(config: KinesisSinkConfig, context: SinkContext): Sink {
  const path = partitionKeyPath(config);
  return {
    name: `kinesis:${config.stream}`,
    readsRecords: path !== undefined,
    open: () =>
      collecting(async (items) => {
        const entries = items.map((item) => ({
          data: item.bytes ?? encoder.encode(item.line),
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
      }),
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
