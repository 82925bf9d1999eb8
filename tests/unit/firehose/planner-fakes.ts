/**
 * The record planner's test doubles: a scripted per-object path (each object says what becomes of it) and a
 * JSON-lines input format, so that each rule of lib/firehose/record-planner.ts can be pinned on its own.
 */
import type { InputFormat, InputFormatName } from '../../../lib/firehose/inputs';
import type { Plan } from '../../../lib/firehose/plan';
import { createRecordPlanner, type RecordPlannerParts } from '../../../lib/firehose/record-planner';
import type { FirehoseInputRecord, FirehoseKinesisMetadata } from '../../../lib/firehose/types';
import type { ObjectOutcome, RecordProcessor } from '../../../lib/processing/record-processor';
import { fail, ok, type JsonObject } from '../../../lib/records';
import type { RecordContext } from '../../../lib/transform';
import { emptySummary } from './helpers';

/**
 * An object's fate: `fail` (a reason) fails it, `drop` (a rule) drops it; otherwise its line is `out`, `x`
 * or `euro` (or the object as JSON) with key `k` when it has one, or the record's own text when `verbatim`
 * is set. Lines can so be long while the objects, which split parts are rebuilt from, stay short.
 */
export interface Scripted {
  fail?: 'schema-violation' | 'missing-partition-key';
  drop?: string;
  out?: string;
  /** A line of this many `x` (1 byte each) or `€` (3 bytes each). */
  x?: number;
  euro?: number;
  k?: string;
  verbatim?: boolean;
}

function lineOf({ out, x, euro, ...rest }: Scripted): string {
  if (x !== undefined) return 'x'.repeat(x);
  if (euro !== undefined) return '€'.repeat(euro);
  return out ?? JSON.stringify(rest);
}

export const calls: { object: JsonObject; context: RecordContext; line: string | undefined }[] = [];

const processor: RecordProcessor = {
  partitioned: true,
  decode: () => {
    throw new Error('the planner decodes through its input format');
  },
  objects: () => {
    throw new Error('the planner decodes through its input format');
  },
  process(object, context, line): ObjectOutcome {
    calls.push({ object, context, line });
    const scripted = object as Scripted;
    if (scripted.fail !== undefined) return { kind: 'failed', reason: scripted.fail, message: 'bad value' };
    if (scripted.drop !== undefined) return { kind: 'dropped', rule: scripted.drop };
    const verbatim = scripted.verbatim === true && line !== undefined;
    return {
      kind: 'ok',
      record: object,
      line: verbatim ? line : lineOf(scripted),
      keys: scripted.k === undefined ? undefined : { k: scripted.k },
      verbatim,
    };
  },
};

/** JSON lines; `!` fails to decode, `CONTROL` is a control message. Rebuilt parts are the original lines. */
export function formatNamed(name: InputFormatName): InputFormat {
  const linesOf = (bytes: Buffer) => bytes.toString('utf8').split('\n').filter(Boolean);
  return {
    name,
    decode(bytes) {
      const text = bytes.toString('utf8');
      if (text === 'CONTROL') return ok({ objects: [], line: undefined, control: true });
      if (text.startsWith('!')) return fail('invalid-json', 'not JSON at offset 0');
      const lines = linesOf(bytes);
      const objects = lines.map((line) => JSON.parse(line) as JsonObject);
      return ok({ objects, line: objects.length === 1 ? lines[0]!.trim() : undefined, control: false });
    },
    rebuilder(bytes) {
      const lines = linesOf(bytes);
      return (indexes) => Buffer.from(`${indexes.map((index) => lines[index]).join('\n')}\n`);
    },
  };
}

export const ARRIVAL = Date.UTC(2026, 10, 22, 12, 0, 0);
export const INGESTION = new Date(Date.UTC(2026, 10, 22, 12, 30, 0));
export const base64 = (text: string) => Buffer.from(text).toString('base64');
export const textOf = (objects: Scripted[]) => objects.map((object) => JSON.stringify(object)).join('\n');

export function recordOf(
  data: string,
  kinesisRecordMetadata?: FirehoseKinesisMetadata | null,
): FirehoseInputRecord {
  return {
    recordId: 'r1',
    approximateArrivalTimestamp: ARRIVAL,
    data,
    ...(kinesisRecordMetadata !== undefined && { kinesisRecordMetadata }),
  } as FirehoseInputRecord;
}

export function plannerOf(parts: Partial<RecordPlannerParts> = {}) {
  const plan = createRecordPlanner({
    mode: 'transform',
    processor,
    format: formatNamed('json'),
    extractKeys: undefined,
    maxRecordBytes: 1000,
    ...parts,
  });
  const summary = emptySummary();
  return {
    summary,
    plan: (record: FirehoseInputRecord | Scripted[]): Plan =>
      plan(Array.isArray(record) ? recordOf(base64(textOf(record))) : record, INGESTION, summary),
  };
}

export const partsOf = (plan: Plan): string[] => {
  if (plan.kind !== 'reingest') throw new Error(`expected reingest, got ${JSON.stringify(plan)}`);
  return plan.parts.map((part) => Buffer.from(part).toString('utf8'));
};
export const okText = (plan: Plan): string => {
  if (plan.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(plan)}`);
  return Buffer.from(plan.data, 'base64').toString('utf8');
};
