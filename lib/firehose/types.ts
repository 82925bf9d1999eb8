/**
 * The Firehose data-transformation contract (docs/firehose.md, The contract) as this library sees it.
 * Structural types, so the `aws-lambda` event and response types fit them without leaking into lib/.
 */
import type { RejectionReason } from '../processing/record-processor';

export interface FirehoseKinesisMetadata {
  shardId: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  sequenceNumber: string;
  /** A number in some sources, a string in `@types/aws-lambda`: both are accepted. */
  subsequenceNumber: number | string;
}

export interface FirehoseInputRecord {
  recordId: string;
  /** Epoch milliseconds. */
  approximateArrivalTimestamp: number;
  /** Base64. */
  data: string;
  /** Only when the delivery stream reads a Kinesis stream (some event serialisers write null otherwise). */
  kinesisRecordMetadata?: FirehoseKinesisMetadata | null;
}

export interface FirehoseInvocation {
  invocationId: string;
  /** Always sent by Firehose; optional here because sample events lack it or misspell it. */
  deliveryStreamArn?: string;
  /** The SAM CLI's streams-as-source sample event's spelling of `deliveryStreamArn`. */
  deliverySteamArn?: string;
  /** Only when the delivery stream reads a Kinesis stream. */
  sourceKinesisStreamArn?: string;
  region: string;
  records: FirehoseInputRecord[];
}

export const FIREHOSE_RESULTS = ['Ok', 'Dropped', 'ProcessingFailed'] as const;
export type FirehoseResult = (typeof FIREHOSE_RESULTS)[number];

export interface FirehoseResponseRecord {
  recordId: string;
  result: FirehoseResult;
  /** Base64; required on Ok, omitted otherwise (as AWS's blueprints do). */
  data?: string;
  metadata?: { partitionKeys: Record<string, string> };
}

export interface FirehoseResponse {
  records: FirehoseResponseRecord[];
}

/** Why a record came back ProcessingFailed (it lands under the error prefix as `processing-failed`). */
export type FirehoseFailureReason =
  | RejectionReason
  /** The record had to be split or moved out of an over-full response, and putting it back failed. */
  | 'reingest-failed'
  /** A bug, caught per record so that one record never fails the invocation. */
  | 'internal-error';

/** Why a record came back Dropped (counted, never silent). */
export const DROP_REASONS = {
  filtered: 'every object of the record was dropped by a filter step',
  'control-message': 'a CloudWatch Logs CONTROL_MESSAGE (subscription health check)',
  'reingested-overflow': 'moved out of the response (6,000,000-byte limit) and put back',
  'reingested-split-keys': 'split by partition keys and put back, one part per key set',
  'reingested-split-size': 'split in halves and put back because the output passed 1,000 KiB',
} as const;
export type DropReason = keyof typeof DROP_REASONS;

export interface RecordFailure {
  recordId: string;
  reason: FirehoseFailureReason;
  message: string;
}

/** One structured log line per invocation: counts only, no payloads. */
export interface FirehoseSummary {
  invocationId: string;
  /** The event's delivery stream ARN as given (undefined when it has none). */
  deliveryStreamArn: string | undefined;
  /** `kinesis` when the event carries sourceKinesisStreamArn. */
  source: 'kinesis' | 'direct-put';
  records: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  /** JSON objects (or log events) read from the records. */
  objects: number;
  /** Objects removed by filter steps, by rule (inside records that were otherwise Ok or Dropped). */
  droppedObjects: Record<string, number>;
  droppedRecords: Partial<Record<DropReason, number>>;
  failed: Partial<Record<FirehoseFailureReason, number>>;
  reingest: {
    /**
     * Where re-ingested parts went: the source stream (PutRecords) or the delivery stream (PutRecordBatch);
     * `none` when the event names no valid ARN for either (the parts then fail with `NoReingestTarget`).
     */
    target: 'kinesis' | 'firehose' | 'none' | undefined;
    records: number;
    parts: number;
    failedParts: number;
    /** Distinct error codes, for the log. */
    errors: string[];
  };
  /** Exact size of the response as serialised JSON. */
  responseBytes: number;
  durationMs: number;
  /** The first failures with their reasons (record ids and messages, never data). */
  failures: RecordFailure[];
}

export interface FirehoseOutcome {
  response: FirehoseResponse;
  summary: FirehoseSummary;
}
