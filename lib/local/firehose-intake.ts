/**
 * The intake of the emulated delivery stream: PutRecordBatch's API limits, KPL de-aggregation of records
 * read from a stream, RecordDeAggregation (JSON) of records holding several objects, and record ids.
 */
import { randomBytes } from 'node:crypto';
import { FIREHOSE_ERROR_CODES } from '../firehose/contract';
import { deaggregate, type JsonParser } from '../records';
import type { FailRecord, InputRecord, KinesisMetadata, StageContext } from './firehose-context';
import {
  ERROR_OUTPUT,
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
} from './firehose-settings';
import type { SourceRef } from './firehose-source';
import { FirehoseApiError, type KinesisSourceRecord } from './firehose-types';

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export type DirectPutRecord = Uint8Array | string | { data: Uint8Array | string };

const toBuffer = (data: Uint8Array | string): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const arrivalMs = (value: number | Date | undefined, now: number): number =>
  value === undefined ? now : typeof value === 'number' ? value : value.getTime();

/** The records of a PutRecordBatch call as bytes; throws FirehoseApiError as the service would reject it. */
export function checkPutRecordBatch(records: readonly DirectPutRecord[]): Buffer[] {
  if (records.length === 0 || records.length > PUT_RECORD_BATCH_MAX_RECORDS) {
    throw new FirehoseApiError(
      'ValidationException',
      `PutRecordBatch takes 1 to ${PUT_RECORD_BATCH_MAX_RECORDS} records, got ${records.length}`,
    );
  }
  const datas = records.map((record) =>
    toBuffer(typeof record === 'string' || record instanceof Uint8Array ? record : record.data),
  );
  let total = 0;
  datas.forEach((data, index) => {
    if (data.length > FIREHOSE_MAX_RECORD_BYTES) {
      throw new FirehoseApiError(
        'ValidationException',
        `records[${index}] is ${data.length} bytes; a record may hold at most ${FIREHOSE_MAX_RECORD_BYTES} bytes before base64`,
      );
    }
    total += data.length;
  });
  if (total > PUT_RECORD_BATCH_MAX_BYTES) {
    throw new FirehoseApiError(
      'ValidationException',
      `PutRecordBatch request holds ${total} bytes of data; the limit is ${PUT_RECORD_BATCH_MAX_BYTES}`,
    );
  }
  return datas;
}

/**
 * Whether the bytes before `end` may hold several objects: a newline, or a `}` followed, after JSON
 * whitespace only, by `{` (where concatenated objects meet; inside a string parsing settles it). The shared
 * parser (lib/records/json.ts) splits at any JSON whitespace, so this may not look for fewer joints.
 */
function mayHoldSeveral(data: Buffer, end: number): boolean {
  const newline = data.indexOf(0x0a);
  if (newline !== -1 && newline < end) return true;
  for (let close = data.indexOf(0x7d); close !== -1 && close < end; close = data.indexOf(0x7d, close + 1)) {
    let next = close + 1;
    while (next < end && JSON_WHITESPACE.has(data[next] as number)) next += 1;
    if (next < end && data[next] === 0x7b) return true;
  }
  return false;
}

/**
 * The objects of a record holding several, re-serialised; undefined for one object or for data that does
 * not parse (the Lambda then sees it whole and classifies it). Most records are one object on one line:
 * native byte scans settle those without parsing.
 */
function splitJson(data: Buffer, parser: JsonParser): Buffer[] | undefined {
  let end = data.length;
  while (end > 0 && JSON_WHITESPACE.has(data[end - 1] as number)) end -= 1;
  if (!mayHoldSeveral(data, end)) return undefined;
  const parsed = parser.records(data);
  if (!parsed.ok || parsed.value.length < 2) return undefined;
  return parsed.value.map((object) => Buffer.from(JSON.stringify(object)));
}

export interface IntakeOutputs {
  /** A record taken in (counted in `recordsIn` and `pending`), for the processor or partitioning. */
  accept(input: InputRecord): void;
  fail: FailRecord;
  /** The source record as it came in, for the backup. */
  backup(data: Buffer, arrival: number): void;
}

export class Intake {
  private sequence = 0;
  private readonly idBase = BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString()
    .padStart(15, '0');

  constructor(
    private readonly context: StageContext,
    private readonly outputs: IntakeOutputs,
  ) {}

  /** DirectPut records already checked by checkPutRecordBatch; returns the record ids. */
  direct(datas: readonly Buffer[]): { recordId: string }[] {
    const now = this.context.clock.now();
    return datas.map((data) => {
      this.outputs.backup(data, now);
      return { recordId: this.intake(data, now, undefined) };
    });
  }

  /** Records read from the source stream; KPL aggregates are de-aggregated. */
  kinesis(records: readonly KinesisSourceRecord[]): void {
    const { counters } = this.context;
    const now = this.context.clock.now();
    for (const record of records) {
      counters.kinesisRecordsIn += 1;
      const data = toBuffer(record.data);
      const arrival = arrivalMs(record.approximateArrivalTimestamp, now);
      this.outputs.backup(data, arrival);
      const meta = (partitionKey: string, subsequence: number): KinesisMetadata => ({
        shardId: record.shardId,
        partitionKey,
        approximateArrivalTimestamp: arrival,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: String(subsequence),
      });
      const source = this.context.source?.read(record.shardId, record.sequenceNumber);
      const split = deaggregate(data);
      if (!split.ok) {
        // Counted in, then straight to the error prefix: never silently lost.
        const input = this.newInput(data, arrival, meta(record.partitionKey, 0), source);
        counters.recordsIn += 1;
        counters.pending += 1;
        this.outputs.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.deaggregationFailed,
          errorMessage: `record ${record.shardId}/${record.sequenceNumber}: ${split.message}`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
      } else if (split.aggregated) {
        counters.aggregates += 1;
        for (const user of split.records) {
          this.intake(user.data, arrival, meta(user.partitionKey, user.subSequenceNumber), source);
        }
      } else {
        this.intake(data, arrival, meta(record.partitionKey, 0), source);
      }
      // Every Firehose record made from it is held: from now on it is durable when they all are.
      if (source) this.context.source?.seal(source);
    }
  }

  private newInput(
    data: Buffer,
    arrival: number,
    kinesis: KinesisMetadata | undefined,
    source?: SourceRef,
  ): InputRecord {
    this.sequence += 1;
    const recordId = `${this.idBase}${String(this.sequence).padStart(12, '0')}`;
    if (!kinesis) return { recordId, data, arrival };
    const input: InputRecord = { recordId, data, arrival, kinesis };
    if (source) {
      input.source = source;
      this.context.source?.hold(source);
    }
    return input;
  }

  /** One source record: split into JSON objects when RecordDeAggregation (JSON) is on; returns the first id. */
  private intake(
    data: Buffer,
    arrival: number,
    kinesis: KinesisMetadata | undefined,
    source?: SourceRef,
  ): string {
    const { jsonSplitter } = this.context.settings;
    const pieces = jsonSplitter && splitJson(data, jsonSplitter);
    if (!pieces) return this.accept(data, arrival, kinesis, source);
    this.context.counters.jsonSplit += 1;
    const ids = pieces.map((piece) => this.accept(piece, arrival, kinesis, source));
    return ids[0] as string;
  }

  private accept(
    data: Buffer,
    arrival: number,
    kinesis: KinesisMetadata | undefined,
    source: SourceRef | undefined,
  ): string {
    const input = this.newInput(data, arrival, kinesis, source);
    this.context.counters.recordsIn += 1;
    this.context.counters.pending += 1;
    this.outputs.accept(input);
    return input.recordId;
  }
}
