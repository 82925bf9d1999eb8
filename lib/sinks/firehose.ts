import { PutRecordBatchCommand, type FirehoseClient, type _Record } from '@aws-sdk/client-firehose';
import { API_LIMITS } from './chunk';
import {
  deliverInChunks,
  resolveDeliveryOptions,
  type DeliveryOptions,
  type FailedEntry,
  type PreparedEntry,
  type PutOutcome,
} from './retry';

export type { DeliveryOptions, FailedEntry, PutOutcome, RetryOptions } from './retry';

const LIMITS = API_LIMITS.firehosePutRecordBatch;

export const FIREHOSE_REJECTIONS = {
  InvalidData: 'record must be a Uint8Array',
  RecordTooLarge: `record must be at most ${LIMITS.maxRecordBytes} bytes (1,000 KiB)`,
} as const;

export function prepareFirehoseRecords(records: readonly Uint8Array[]): {
  prepared: PreparedEntry<_Record>[];
  rejected: FailedEntry[];
} {
  const prepared: PreparedEntry<_Record>[] = [];
  const rejected: FailedEntry[] = [];
  for (let index = 0; index < records.length; index += 1) {
    const data = records[index];
    if (!(data instanceof Uint8Array)) {
      rejected.push({
        index,
        errorCode: 'InvalidData',
        errorMessage: `records[${index}]: ${FIREHOSE_REJECTIONS.InvalidData}, got ${typeof data}`,
      });
    } else if (data.byteLength > LIMITS.maxRecordBytes) {
      rejected.push({
        index,
        errorCode: 'RecordTooLarge',
        errorMessage: `records[${index}]: ${FIREHOSE_REJECTIONS.RecordTooLarge}, got ${data.byteLength} bytes`,
      });
    } else {
      prepared.push({ index, size: data.byteLength, request: { Data: data } });
    }
  }
  return { prepared, rejected };
}

/**
 * PutRecordBatch with every API limit and partial failure handled: records over 1,000 KiB are
 * rejected up front; the rest go in chunks of <= 500 records and <= 4 MiB, one chunk at a time;
 * only failed entries are resent (backoff with full jitter, bounded attempts); a thrown transient
 * error is retried the same way. Same outcome and ordering rules as `putRecordsReliably`.
 * Firehose itself delivers at least once and does not keep order.
 */
export async function putRecordBatchReliably(
  client: FirehoseClient,
  deliveryStreamName: string,
  records: readonly Uint8Array[],
  options?: DeliveryOptions,
): Promise<PutOutcome> {
  if (!deliveryStreamName) throw new Error('putRecordBatchReliably: deliveryStreamName is required');
  const resolved = resolveDeliveryOptions(options);
  const { prepared, rejected } = prepareFirehoseRecords(records);
  const send = async (Records: _Record[]) => {
    const response = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: deliveryStreamName, Records }),
    );
    return response.RequestResponses;
  };
  return deliverInChunks(prepared, rejected, LIMITS, send, resolved);
}
