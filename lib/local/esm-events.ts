/**
 * What the emulated event source mapping sends and reads: Kinesis events in Lambda's exact shape
 * (tumbling-window fields included), the handler's response judged as Lambda judges ReportBatchItemFailures,
 * and the on-failure destination record. Pure functions; the mapping calls them per batch.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { KinesisWindowEvent } from './esm-options';

/** A record read from GetRecords, with everything every delivery needs computed once. */
export interface MappingRecord {
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp, epoch milliseconds. */
  arrivalMs: number;
  /** When the poller read it (the batching window runs from here), epoch milliseconds. */
  receivedMs: number;
  /** The data, base64-encoded once. */
  data: string;
  /** Bytes the record adds to the invocation payload (JSON of the event record, approximately). */
  size: number;
  /** The partition-key lane (0 with parallelization factor 1). */
  lane: number;
  /** Processed or skipped: the shard checkpoint may move past it. */
  done: boolean;
  /** Invocations that carried the record. */
  deliveries: number;
}

/** Per-shard facts shared by every record of an event. */
export interface EventContext {
  shardId: string;
  eventSourceARN: string;
  awsRegion: string;
  invokeIdentityArn: string;
}

/** Lambda's synchronous invocation payload limit, which caps the size of a batch. */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Fields of an event record besides data and partition key (ARNs, ids, names), rounded up. */
export const EVENT_RECORD_OVERHEAD_BYTES = 600;
/** A tumbling window's state limit per shard (1 MB in Lambda). */
export const MAX_WINDOW_STATE_BYTES = 1024 * 1024;

export function recordSize(base64Data: string, partitionKey: string): number {
  return base64Data.length + partitionKey.length + EVENT_RECORD_OVERHEAD_BYTES;
}

/**
 * One event record, shaped as lib/events/factories.ts `kinesisStreamEvent` builds it (a test holds them
 * equal); built per delivery so a handler that mutates its event cannot change a retry.
 */
export function toEventRecord(record: MappingRecord, context: EventContext): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: record.data,
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${context.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: context.invokeIdentityArn,
    awsRegion: context.awsRegion,
    eventSourceARN: context.eventSourceARN,
  };
}

/** Window bounds as Lambda prints them: ISO 8601 in UTC, whole seconds. */
export function windowTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface WindowInvocation {
  startMs: number;
  endMs: number;
  state: Record<string, unknown>;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

export function toWindowEvent(
  records: KinesisStreamRecord[],
  window: WindowInvocation,
  context: EventContext,
): KinesisWindowEvent {
  return {
    Records: records,
    window: { start: windowTimestamp(window.startMs), end: windowTimestamp(window.endMs) },
    state: window.state,
    shardId: context.shardId,
    eventSourceARN: context.eventSourceARN,
    isFinalInvokeForWindow: window.isFinalInvokeForWindow,
    isWindowTerminatedEarly: window.isWindowTerminatedEarly,
  };
}

/** Why an invocation counts as failed; every failure carries one. */
export const FAILURE_REASONS = {
  functionError: 'the handler threw',
  invalidResponse: 'the response is not a JSON object',
  misspelledKey: 'a response key is misspelled',
  invalidBatchItemFailures: 'batchItemFailures is not a list',
  emptyItemIdentifier: 'an itemIdentifier is empty or null',
  unknownItemIdentifier: 'an itemIdentifier is not a sequence number of the batch',
  missingState: 'a tumbling-window response carries no state object',
  itemFailure: 'the response reports failed records',
} as const;
export type FailureReason = keyof typeof FAILURE_REASONS;

export type BatchOutcome =
  | { kind: 'success'; state?: Record<string, unknown> }
  /** Records before `failedIndex` succeeded; re-delivery starts at it (the lowest reported). */
  | { kind: 'partial'; failedIndex: number; state?: Record<string, unknown> }
  | { kind: 'failure'; reason: FailureReason; message: string };

export interface ResponseRules {
  reportBatchItemFailures: boolean;
  /** Tumbling windows: the response must carry `state`. */
  windowed: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const failure = (reason: FailureReason, detail: string): BatchOutcome => ({
  kind: 'failure',
  reason,
  message: `${FAILURE_REASONS[reason]}: ${detail}`,
});

/** Levenshtein distance, for the handful of keys of a response. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `BatchItemFailures`, `batch_item_failures`, `batchItemFailure`, `batchItemFailrues`... */
function looksLike(key: string, expected: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
  return key !== expected && distance(normalized, expected.toLowerCase()) <= 2;
}

/**
 * Judges a handler response (already through JSON, as over the Invoke API) as Lambda's
 * ReportBatchItemFailures does: nothing, null,
 * an empty or null list = success; an itemIdentifier empty, null, unknown or under a misspelled key = the
 * whole batch failed; otherwise re-delivery from the lowest reported record. Stricter than AWS in one place:
 * a top-level key that is a near miss of `batchItemFailures` fails the batch instead of passing silently.
 */
export function interpretResponse(
  response: unknown,
  batch: readonly Pick<MappingRecord, 'sequenceNumber'>[],
  rules: ResponseRules,
): BatchOutcome {
  let state: Record<string, unknown> | undefined;
  if (rules.windowed) {
    if (!isObject(response) || !isObject(response.state)) {
      return failure('missingState', `got ${describe(isObject(response) ? response.state : response)}`);
    }
    state = response.state;
  }
  const success: BatchOutcome = state ? { kind: 'success', state } : { kind: 'success' };
  if (!rules.reportBatchItemFailures || response === null || response === undefined) return success;
  if (!isObject(response)) return failure('invalidResponse', `got ${describe(response)}`);
  if (!('batchItemFailures' in response)) {
    const nearMiss = Object.keys(response).find((key) => looksLike(key, 'batchItemFailures'));
    return nearMiss ? failure('misspelledKey', `"${nearMiss}" instead of "batchItemFailures"`) : success;
  }
  const failures = response.batchItemFailures;
  if (failures === null || failures === undefined) return success;
  if (!Array.isArray(failures)) return failure('invalidBatchItemFailures', `got ${describe(failures)}`);
  if (failures.length === 0) return success;

  let positions: Map<string, number> | undefined;
  let lowest = Number.POSITIVE_INFINITY;
  for (const [index, entry] of failures.entries()) {
    if (!isObject(entry))
      return failure('invalidBatchItemFailures', `batchItemFailures[${index}] is ${describe(entry)}`);
    if (!('itemIdentifier' in entry)) {
      const keys = Object.keys(entry);
      return failure(
        'misspelledKey',
        `batchItemFailures[${index}] has ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no key'} instead of "itemIdentifier"`,
      );
    }
    const identifier = entry.itemIdentifier;
    if (identifier === null || identifier === '') {
      return failure(
        'emptyItemIdentifier',
        `batchItemFailures[${index}].itemIdentifier is ${describe(identifier)}`,
      );
    }
    positions ??= new Map(batch.map((record, position) => [record.sequenceNumber, position]));
    const position = typeof identifier === 'string' ? positions.get(identifier) : undefined;
    if (position === undefined) {
      return failure(
        'unknownItemIdentifier',
        `batchItemFailures[${index}].itemIdentifier ${describe(identifier)} is not in the batch of ${batch.length}`,
      );
    }
    lowest = Math.min(lowest, position);
  }
  return state ? { kind: 'partial', failedIndex: lowest, state } : { kind: 'partial', failedIndex: lowest };
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const ON_FAILURE_CONDITIONS = ['RetryAttemptsExhausted', 'RecordAgeExceeded'] as const;
export type OnFailureCondition = (typeof ON_FAILURE_CONDITIONS)[number];

/** The invocation result an on-failure record reports (`responseContext`). */
export interface ResponseContext {
  statusCode: number;
  executedVersion: string;
  /** `Unhandled` when the handler threw; `None` when it answered with a failure response. */
  functionError: string;
}

/** The on-failure destination record, as Lambda sends it to SQS/SNS. It carries no record data. */
export interface OnFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: OnFailureCondition;
    approximateInvokeCount: number;
  };
  responseContext: ResponseContext;
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface OnFailureInput {
  records: readonly MappingRecord[];
  shardId: string;
  streamArn: string;
  functionArn: string;
  condition: OnFailureCondition;
  requestId: string;
  approximateInvokeCount: number;
  response: ResponseContext;
  nowMs: number;
}

export function onFailureRecord(input: OnFailureInput): OnFailureRecord {
  const first = input.records[0]!;
  const last = input.records[input.records.length - 1]!;
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: { ...input.response },
    version: '1.0',
    timestamp: new Date(input.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

/** Data a dead letter keeps at most (base64 bytes); a bigger batch keeps the pointer only. */
export const DEAD_LETTER_DATA_BYTES = 6 * 1024 * 1024;

export interface DeadLetterRecordData {
  sequenceNumber: string;
  partitionKey: string;
  approximateArrivalTimestamp: string;
  /** base64, as in a Lambda event. */
  data: string;
}

/** The on-failure record with its batch's data (`records`), or why it has none (`recordsOmitted`). */
export function withRecordData(
  record: OnFailureRecord,
  records: readonly MappingRecord[],
): OnFailureRecord & { records?: DeadLetterRecordData[]; recordsOmitted?: string } {
  const bytes = records.reduce((sum, item) => sum + item.data.length, 0);
  if (bytes > DEAD_LETTER_DATA_BYTES) {
    return {
      ...record,
      recordsOmitted: `${bytes} bytes of data over ${DEAD_LETTER_DATA_BYTES}: fetch them back with KinesisBatchInfo while the stream holds them`,
    };
  }
  return {
    ...record,
    records: records.map((item) => ({
      sequenceNumber: item.sequenceNumber,
      partitionKey: item.partitionKey,
      approximateArrivalTimestamp: new Date(item.arrivalMs).toISOString(),
      data: item.data,
    })),
  };
}

/** Numeric order of two decimal sequence numbers without BigInt (they differ in length only rarely). */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** FNV-1a of the partition key: the lane that keeps a key's records in order. */
export function laneOf(partitionKey: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (let index = 0; index < partitionKey.length; index += 1) {
    hash ^= partitionKey.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}

/** Splits a stream ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function parseStreamArn(arn: string): { region: string; account: string } {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[2] !== 'kinesis') throw new Error(`not a Kinesis stream ARN: ${arn}`);
  return { region: parts[3]!, account: parts[4]! };
}
