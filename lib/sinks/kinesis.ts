import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { API_LIMITS } from './chunk';
import { putDeadlineMs, withDeadline, type PutTimeout } from './put-timeouts';
import {
  deliverInChunks,
  resolveDeliveryOptions,
  type DeliveryOptions,
  type FailedEntry,
  type PreparedEntry,
  type PutOutcome,
} from './retry';

export type { DeliveryOptions, FailedEntry, PutOutcome, RetryOptions } from './retry';

/** Delivery options plus a deadline per request (PUT_TIMEOUTS); without it the client's own timeouts apply. */
export interface KinesisDeliveryOptions extends DeliveryOptions {
  timeout?: PutTimeout;
}

export interface KinesisEntry {
  data: Uint8Array;
  partitionKey: string;
  /** Decimal 128-bit hash key; overrides the partition key's hash for shard placement. */
  explicitHashKey?: string;
}

/** Either the name or the ARN (the ARN wins in AWS when both are given). */
export interface StreamTarget {
  streamName?: string;
  streamARN?: string;
}

const LIMITS = API_LIMITS.kinesisPutRecords;
const MAX_HASH_KEY = 2n ** 128n - 1n;
const DECIMAL = /^\d{1,39}$/;

/** Up-front rejection reasons; the entry is reported with this code and never sent. */
export const KINESIS_REJECTIONS = {
  InvalidData: 'data must be a Uint8Array',
  InvalidPartitionKey: `partition key must be a string of ${LIMITS.partitionKeyMinChars}-${LIMITS.partitionKeyMaxChars} characters`,
  RecordTooLarge: `data plus partition key must be at most ${LIMITS.maxRecordBytes} bytes`,
  InvalidExplicitHashKey: 'explicit hash key must be a decimal integer between 0 and 2^128 - 1',
} as const;

type KinesisRejection = keyof typeof KINESIS_REJECTIONS;

function partitionKeyChars(key: string): number {
  // Code points never outnumber UTF-16 units, so counting them is only needed near the limit.
  return key.length <= LIMITS.partitionKeyMaxChars ? key.length : [...key].length;
}

function checkEntry(entry: KinesisEntry): { size: number } | { reason: KinesisRejection; detail: string } {
  if (!(entry?.data instanceof Uint8Array)) return { reason: 'InvalidData', detail: typeof entry?.data };
  const key = entry.partitionKey;
  if (typeof key !== 'string') return { reason: 'InvalidPartitionKey', detail: `got ${typeof key}` };
  const chars = partitionKeyChars(key);
  if (chars < LIMITS.partitionKeyMinChars || chars > LIMITS.partitionKeyMaxChars) {
    return { reason: 'InvalidPartitionKey', detail: `got ${chars} characters` };
  }
  const size = entry.data.byteLength + Buffer.byteLength(key, 'utf8');
  if (size > LIMITS.maxRecordBytes) return { reason: 'RecordTooLarge', detail: `got ${size} bytes` };
  const hashKey = entry.explicitHashKey;
  if (hashKey !== undefined && (!DECIMAL.test(hashKey) || BigInt(hashKey) > MAX_HASH_KEY)) {
    return { reason: 'InvalidExplicitHashKey', detail: `got ${JSON.stringify(hashKey)}` };
  }
  return { size };
}

/** Validates every entry once and builds its request shape once (reused by every retry). */
export function prepareKinesisEntries(entries: readonly KinesisEntry[]): {
  prepared: PreparedEntry<PutRecordsRequestEntry>[];
  rejected: FailedEntry[];
} {
  const prepared: PreparedEntry<PutRecordsRequestEntry>[] = [];
  const rejected: FailedEntry[] = [];
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index] as KinesisEntry;
    const check = checkEntry(entry);
    if ('reason' in check) {
      rejected.push({
        index,
        errorCode: check.reason,
        errorMessage: `entries[${index}]: ${KINESIS_REJECTIONS[check.reason]}, ${check.detail}`,
      });
      continue;
    }
    const request: PutRecordsRequestEntry = { Data: entry.data, PartitionKey: entry.partitionKey };
    if (entry.explicitHashKey !== undefined) request.ExplicitHashKey = entry.explicitHashKey;
    prepared.push({ index, size: check.size, request });
  }
  return { prepared, rejected };
}

/**
 * PutRecords with every API limit and partial failure handled.
 *
 * - Entries that break a per-record limit are rejected up front (reason in `failed`, never sent).
 * - The rest go in chunks of <= 500 records and <= 5 MiB (data + partition key), one chunk at a
 *   time; only entries a response marks as failed are resent, with full-jitter backoff, up to
 *   `maxAttempts` requests per chunk. A thrown throttling / 5xx / transport error is retried the
 *   same way; any other thrown error fails the chunk's pending entries with the error's name.
 * - `failed[].index` is the position in `entries`; everything not in `failed` was acknowledged.
 *
 * Order: chunks are sent sequentially, so with full success the stream receives entries in input
 * order per shard (as far as PutRecords itself keeps request order, which AWS does not promise). A
 * resent entry lands after entries of the same chunk that succeeded first, including later entries
 * of its partition key. `afterFailedChunk: 'stop'` keeps later chunks from overtaking a failure.
 */
export async function putRecordsReliably(
  client: KinesisClient,
  target: StreamTarget,
  entries: readonly KinesisEntry[],
  options: KinesisDeliveryOptions = {},
): Promise<PutOutcome> {
  const { streamName, streamARN } = target;
  if (!streamName && !streamARN) throw new Error('putRecordsReliably: streamName or streamARN is required');
  const { timeout, ...delivery } = options;
  const resolved = resolveDeliveryOptions(delivery);
  const { prepared, rejected } = prepareKinesisEntries(entries);
  const sizes = new Map(prepared.map((entry) => [entry.request, entry.size]));
  const send = async (Records: PutRecordsRequestEntry[]) => {
    const command = new PutRecordsCommand({ StreamName: streamName, StreamARN: streamARN, Records });
    if (timeout === undefined) return (await client.send(command)).Records;
    const bytes = Records.reduce((sum, record) => sum + (sizes.get(record) ?? 0), 0);
    const response = await withDeadline(
      putDeadlineMs(timeout, bytes),
      `PutRecords of ${Records.length} records (${bytes} bytes)`,
      (abortSignal) => client.send(command, { abortSignal }),
    );
    return response.Records;
  };
  return deliverInChunks(prepared, rejected, LIMITS, send, resolved);
}
