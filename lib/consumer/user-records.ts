/**
 * From one Kinesis record to the user records in it and the context each one's transforms see: decode the
 * base64, split a KPL aggregate, and name shard, sequence, sub-sequence, partition key and times. The stream
 * consumer (process-batch.ts) and the tumbling-window aggregator (lib/analytics/window.ts) both read their
 * records through here, so a record means the same in both.
 */
import type { KinesisStreamRecordPayload } from 'aws-lambda';
import { decodeBase64, deaggregate, type DecodeFailureReason } from '../records';
import type { RecordContext } from '../transform';

/** A user record: a KPL aggregate's entry, or the whole Kinesis record when it is not an aggregate. */
export interface KinesisUserRecord {
  data: Buffer;
  /** The aggregate entry's own key; the Kinesis record's key otherwise. */
  partitionKey: string;
  /** Position in the aggregate; undefined for a record that is not one. */
  subSequenceNumber: number | undefined;
}

export type UnpackedRecord =
  | { ok: true; users: readonly KinesisUserRecord[] }
  /** `rawData` is what the error output keeps: the base64 text when it does not decode, else the bytes. */
  | { ok: false; reason: DecodeFailureReason; message: string; rawData: string | Buffer };

/** Decodes one Kinesis record and splits it into its user records; never throws. */
export function unpackKinesisRecord(kinesis: KinesisStreamRecordPayload): UnpackedRecord {
  const bytes = decodeBase64(kinesis.data);
  if (!bytes.ok) return { ok: false, reason: bytes.reason, message: bytes.message, rawData: kinesis.data };
  const split = deaggregate(bytes.value);
  if (!split.ok) return { ok: false, reason: split.reason, message: split.message, rawData: bytes.value };
  if (split.aggregated) return { ok: true, users: split.records };
  return {
    ok: true,
    users: [{ data: bytes.value, partitionKey: kinesis.partitionKey, subSequenceNumber: undefined }],
  };
}

/** Kinesis gives the arrival time in epoch seconds (with a fraction). */
export function arrivalTimeOf(kinesis: KinesisStreamRecordPayload): Date {
  return new Date(kinesis.approximateArrivalTimestamp * 1000);
}

/** What the invocation knows of a batch: its shard and when this function received it. */
export interface BatchContext {
  shardId: string;
  ingestionTime: Date;
}

/**
 * The context a user record's transforms see; all the objects of one user record share it. `arrivalTime` is
 * the record's arrivalTimeOf, passed in so the user records of one aggregate share one Date.
 */
export function userRecordContext(
  batch: BatchContext,
  kinesis: KinesisStreamRecordPayload,
  user: KinesisUserRecord,
  arrivalTime: Date,
): RecordContext {
  return {
    ingestionTime: batch.ingestionTime,
    arrivalTime,
    shardId: batch.shardId,
    sequenceNumber: kinesis.sequenceNumber,
    subSequenceNumber: user.subSequenceNumber,
    partitionKey: user.partitionKey,
  };
}
