/**
 * Re-ingestion, as AWS's Firehose blueprints do it, without their gaps: records that cannot be returned
 * (the response would pass 6,000,000 bytes, or a record had to be split) go back to where Firehose read
 * them: PutRecords to the source stream, keeping the partition key, when the event names one; else
 * PutRecordBatch to the delivery stream. lib/sinks chunks to the API limits (500 records, 5 MiB / 4 MiB)
 * and resends only failed entries with backoff; an entry that still fails is reported, never thrown.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { putRecordBatchReliably } from '../sinks/firehose';
import { putRecordsReliably } from '../sinks/kinesis';
import { errorMessage, errorName, type DeliveryOptions, type PutOutcome } from '../sinks/retry';
import type { FirehoseInvocation } from './types';

export interface ReingestClients {
  kinesis: () => KinesisClient;
  firehose: () => FirehoseClient;
}

export interface ReingestPart {
  /** Index of the response entry (= input record) the part belongs to. */
  entry: number;
  data: Uint8Array;
  /** Partition key for PutRecords: the source record's own. */
  partitionKey: string;
}

export interface ReingestTarget {
  kind: 'kinesis' | 'firehose';
  /** Stream ARN (kinesis) or delivery stream name (firehose). */
  name: string;
  put(parts: readonly ReingestPart[], options: DeliveryOptions): Promise<PutOutcome>;
}

/** `arn:aws:firehose:eu-west-1:123456789012:deliverystream/name` → `name`. */
export function deliveryStreamNameOf(arn: string): string {
  const slash = arn.indexOf(':deliverystream/');
  return slash === -1 ? arn : arn.slice(slash + ':deliverystream/'.length);
}

/** Where this invocation's records go back to. */
export function reingestTarget(event: FirehoseInvocation, clients: ReingestClients): ReingestTarget {
  const sourceArn = event.sourceKinesisStreamArn;
  if (sourceArn) {
    return {
      kind: 'kinesis',
      name: sourceArn,
      put: (parts, options) =>
        putRecordsReliably(
          clients.kinesis(),
          { streamARN: sourceArn },
          parts.map((part) => ({ data: part.data, partitionKey: part.partitionKey })),
          options,
        ),
    };
  }
  const name = deliveryStreamNameOf(event.deliveryStreamArn);
  return {
    kind: 'firehose',
    name,
    put: (parts, options) =>
      putRecordBatchReliably(
        clients.firehose(),
        name,
        parts.map((part) => part.data),
        options,
      ),
  };
}

/** Sends the parts; a thrown error (no client, bad configuration) fails every part instead of the batch. */
export async function reingest(
  target: ReingestTarget,
  parts: readonly ReingestPart[],
  options: DeliveryOptions,
): Promise<PutOutcome> {
  if (parts.length === 0) return { acknowledged: 0, failed: [], attempts: 0 };
  try {
    return await target.put(parts, { ...options, afterFailedChunk: 'continue' });
  } catch (error) {
    const code = errorName(error);
    const message = errorMessage(error);
    return {
      acknowledged: 0,
      failed: parts.map((_part, index) => ({ index, errorCode: code, errorMessage: message })),
      attempts: 0,
    };
  }
}
