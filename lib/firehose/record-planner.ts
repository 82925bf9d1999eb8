/**
 * One input record of a Firehose invocation → its plan: decode, then either transform (firehoseTransformer:
 * validate, transforms, partition keys, JSON lines) or only extract keys (partitionKeys, data untouched).
 * A record holding several objects whose outputs cannot travel as one record is split for re-ingestion.
 */
import type { KeyExtractor } from '../partitioning';
import type { RecordProcessor } from '../processing/record-processor';
import { ownBytes } from '../processing/verbatim';
import { decodeBase64, type JsonObject } from '../records';
import type { RecordContext } from '../transform';
import type { DecodedRecord, InputFormat } from './inputs';
import { count, DROPPED, failed, groupByKeys, sameKeys, splitIntoParts, type Keys, type Plan } from './plan';
import type { FirehoseInputRecord, FirehoseSummary } from './types';

export interface RecordPlannerParts {
  mode: 'transform' | 'keys';
  processor: RecordProcessor;
  format: InputFormat;
  /** Required in `keys` mode. */
  extractKeys: KeyExtractor | undefined;
  maxRecordBytes: number;
}

export type RecordPlanner = (
  record: FirehoseInputRecord,
  ingestionTime: Date,
  summary: FirehoseSummary,
) => Plan;

/** `subsequenceNumber` is a number in some sources and a string in others. */
function toSubsequence(value: unknown): number | undefined {
  const number = typeof value === 'string' && value !== '' ? Number(value) : value;
  // Stryker disable next-line ConditionalExpression: typeof only narrows the type; isSafeInteger is false for a non-number
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
}

function contextOf(record: FirehoseInputRecord, ingestionTime: Date): RecordContext {
  const arrivalTime = new Date(record.approximateArrivalTimestamp);
  const meta = record.kinesisRecordMetadata;
  // Some event serialisers write an absent field as null.
  if (meta === undefined || meta === null) return { ingestionTime, arrivalTime };
  return {
    ingestionTime,
    arrivalTime,
    shardId: meta.shardId,
    sequenceNumber: meta.sequenceNumber,
    subSequenceNumber: toSubsequence(meta.subsequenceNumber),
    partitionKey: meta.partitionKey,
  };
}

/** Whether the items' key sets differ, so that they cannot travel as one record. */
function mixedKeys(keyList: readonly Keys[]): boolean {
  return keyList.some((keys) => !sameKeys(keyList[0]!, keys));
}

const NEWLINE = 0x0a;

/**
 * Base64 of `line` and a newline, taken from the record's own data where its bytes are that line (the one
 * rule: lib/processing/verbatim.ts). Saves encoding the record again; any other record is encoded.
 */
function lineData(data: string, bytes: Buffer, line: string): string {
  const own = ownBytes(bytes, line);
  if (own === 'line-newline') return data;
  if (own === 'line') {
    // Strict base64 ends in a group holding the last 1-3 bytes; only that group is encoded again.
    const tail = bytes.length % 3;
    if (tail === 0) return `${data}Cg==`;
    const last = Buffer.allocUnsafe(tail + 1);
    bytes.copy(last, 0, bytes.length - tail);
    last[tail] = NEWLINE;
    return data.slice(0, -4) + last.toString('base64');
  }
  return Buffer.from(`${line}\n`).toString('base64');
}

export function createRecordPlanner({
  mode,
  processor,
  format,
  extractKeys,
  maxRecordBytes,
}: RecordPlannerParts): RecordPlanner {
  const itemName = format.name === 'json' ? 'object' : 'log event';
  const whereIn =
    (total: number) =>
    (index: number): string =>
      total > 1 ? `${itemName} ${index + 1} of ${total}: ` : '';

  const transformRecord = (
    data: string,
    bytes: Buffer,
    { objects, line }: DecodedRecord,
    context: RecordContext,
    summary: FirehoseSummary,
  ): Plan => {
    const total = objects.length;
    const where = whereIn(total);
    if (total === 1) {
      // The common case (one object per record, as after Firehose's JSON de-aggregation), without arrays.
      const outcome = processor.process(objects[0]!, context, line);
      if (outcome.kind === 'failed') return failed(outcome.reason, outcome.message);
      if (outcome.kind === 'dropped') {
        count(summary.droppedObjects, outcome.rule);
        return DROPPED.filtered;
      }
      // The line is at most 3 bytes per UTF-16 unit: measure it only when that could pass the limit.
      const outputBytes =
        (outcome.line.length + 1) * 3 > maxRecordBytes ? Buffer.byteLength(outcome.line) + 1 : 0;
      if (outputBytes > maxRecordBytes) {
        return failed(
          'record-too-large',
          `output is ${outputBytes} bytes; a record may hold ${maxRecordBytes}`,
        );
      }
      const output = outcome.verbatim
        ? lineData(data, bytes, outcome.line)
        : Buffer.from(`${outcome.line}\n`).toString('base64');
      return { kind: 'ok', data: output, keys: outcome.keys };
    }
    const lines: string[] = [];
    const okIndexes: number[] = [];
    const keyList: Keys[] = [];
    let drops: string[] | undefined;
    for (let index = 0; index < total; index += 1) {
      const outcome = processor.process(objects[index]!, context);
      if (outcome.kind === 'failed') return failed(outcome.reason, where(index) + outcome.message);
      if (outcome.kind === 'dropped') {
        (drops ??= []).push(outcome.rule);
        continue;
      }
      lines.push(outcome.line);
      okIndexes.push(index);
      // Stryker disable next-line ConditionalExpression: one extractor gives every object keys or none, and a list of undefined is not mixed
      if (outcome.keys !== undefined) keyList.push(outcome.keys);
    }
    // Counted only once the record is not failed: a failed record goes to the error output whole.
    if (drops !== undefined) for (const rule of drops) count(summary.droppedObjects, rule);
    if (lines.length === 0) return DROPPED.filtered;
    const mixed = mixedKeys(keyList);
    if (!mixed) {
      const output = Buffer.from(`${lines.join('\n')}\n`);
      if (output.length <= maxRecordBytes) {
        return { kind: 'ok', data: output.toString('base64'), keys: keyList[0] };
      }
      if (lines.length === 1) {
        return failed(
          'record-too-large',
          `${where(okIndexes[0]!)}output is ${output.length} bytes; a record may hold ${maxRecordBytes}`,
        );
      }
    }
    const lineBytes = new Map<number, number>();
    okIndexes.forEach((index, position) => lineBytes.set(index, Buffer.byteLength(lines[position]!) + 1));
    return splitIntoParts({
      reason: mixed ? 'reingested-split-keys' : 'reingested-split-size',
      groups: mixed ? groupByKeys(okIndexes, keyList) : [okIndexes],
      outputBytes: (index) => lineBytes.get(index) ?? 0,
      build: format.rebuilder(bytes),
      maxRecordBytes,
      where,
    });
  };

  const keysRecord = (
    record: FirehoseInputRecord,
    bytes: Buffer,
    objects: JsonObject[],
    arrivalTime: Date,
  ): Plan => {
    const total = objects.length;
    const where = whereIn(total);
    const keyList: Keys[] = [];
    for (let index = 0; index < total; index += 1) {
      const extracted = extractKeys!(objects[index]!, { arrivalTime });
      if (!extracted.ok) return failed(extracted.reason, where(index) + extracted.message);
      keyList.push(extracted.keys);
    }
    if (!mixedKeys(keyList)) return { kind: 'ok', data: record.data, keys: keyList[0] };
    const indexes = objects.map((_object, index) => index);
    return splitIntoParts({
      reason: 'reingested-split-keys',
      groups: groupByKeys(indexes, keyList),
      outputBytes: () => 0,
      build: format.rebuilder(bytes),
      maxRecordBytes,
      where,
    });
  };

  return (record, ingestionTime, summary) => {
    if (typeof record.data !== 'string') {
      return failed(
        'invalid-base64',
        `data is ${record.data === null ? 'null' : typeof record.data}, not base64 text`,
      );
    }
    const bytes = decodeBase64(record.data);
    if (!bytes.ok) return failed(bytes.reason, bytes.message);
    const decoded = format.decode(bytes.value);
    if (!decoded.ok) return failed(decoded.reason, decoded.message);
    if (decoded.value.control) return DROPPED['control-message'];
    const objects = decoded.value.objects;
    summary.objects += objects.length;
    return mode === 'transform'
      ? transformRecord(record.data, bytes.value, decoded.value, contextOf(record, ingestionTime), summary)
      : keysRecord(record, bytes.value, objects, new Date(record.approximateArrivalTimestamp));
  };
}
