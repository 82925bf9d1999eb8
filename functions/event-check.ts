/**
 * Events checked at the door: a handler given no event, or another service's event, fails at once with what
 * it expects and what it got, never with a TypeError from inside lib/. The checks read only what the library
 * reads (record contents stay the library's business: a bad record goes to the error output, not the whole
 * batch); the tests hold them against Powertools parser's schemas. A cheap walk, so a batch pays microseconds.
 */
import type { MiddlewareObj } from '@middy/core';

export class WrongEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongEventError';
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The fields the library reads, by type; the first missing one is the problem. */
type Fields = Record<string, 'string' | 'number' | 'object'>;

/** A field with its path split once, not once per record: the check runs on every record of a batch. */
interface Field {
  path: string;
  keys: string[];
  type: Fields[string];
}

const fieldsOf = (fields: Fields): Field[] =>
  Object.entries(fields).map(([path, type]) => ({ path, keys: path.split('.'), type }));

function firstBadField(value: Json, fields: readonly Field[]): { field: Field; found: unknown } | undefined {
  for (const field of fields) {
    let found: unknown = value;
    for (const key of field.keys) found = isObject(found) ? found[key] : undefined;
    if (field.type === 'object' ? !isObject(found) : typeof found !== field.type) return { field, found };
  }
  return undefined;
}

function fieldProblem(value: unknown, fields: readonly Field[], at: string): string | undefined {
  if (!isObject(value)) return `${at} is ${describeValue(value)}`;
  const bad = firstBadField(value, fields);
  if (bad === undefined) return undefined;
  const { field, found } = bad;
  return `${at}.${field.path} should be a${field.type === 'object' ? 'n object' : ` ${field.type}`}, got ${describeValue(found)}`;
}

function recordsProblem(event: Json, list: string, fields: readonly Field[]): string | undefined {
  const records = event[list];
  if (!Array.isArray(records)) return `${list} should be a list of records, got ${describeValue(records)}`;
  for (let index = 0; index < records.length; index += 1) {
    const record: unknown = records[index];
    // The record's label is built only when it is bad: a batch of 10,000 would pay 10,000 strings.
    if (!isObject(record) || firstBadField(record, fields) !== undefined)
      return fieldProblem(record, fields, `${list}[${index}]`);
  }
  return undefined;
}

const KINESIS_RECORD = fieldsOf({
  eventID: 'string',
  'kinesis.data': 'string',
  'kinesis.partitionKey': 'string',
  'kinesis.sequenceNumber': 'string',
  'kinesis.approximateArrivalTimestamp': 'number',
});
const WINDOW = fieldsOf({ 'window.start': 'string', 'window.end': 'string' });
const FIREHOSE_EVENT = fieldsOf({ invocationId: 'string' });
const FIREHOSE_RECORD = fieldsOf({
  recordId: 'string',
  data: 'string',
  approximateArrivalTimestamp: 'number',
});
const S3_RECORD = fieldsOf({ 's3.bucket.name': 'string', 's3.object.key': 'string' });

interface EventKind {
  /** What the function expects, as people name it. */
  name: string;
  /** A committed sample to invoke it with. */
  sample: string;
  /** The first problem, if the event is not of this kind. */
  problem: (event: Json) => string | undefined;
}

export const EVENT_KINDS = {
  kinesis: {
    name: 'a Kinesis Data Streams event (Records[] of { eventSource: "aws:kinesis", kinesis: {...} })',
    sample: 'events/kinesis.json',
    problem: (event) => recordsProblem(event, 'Records', KINESIS_RECORD),
  },
  kinesisWindow: {
    name: 'a Kinesis tumbling-window event (Records[], window { start, end }, state)',
    sample: 'events/kinesis-window.json',
    problem: (event) =>
      fieldProblem(event, WINDOW, 'event') ?? recordsProblem(event, 'Records', KINESIS_RECORD),
  },
  firehose: {
    name: 'a Firehose transformation event (invocationId, deliveryStreamArn, records[] of { recordId, data })',
    sample: 'events/firehose-kinesis-source.json',
    problem: (event) =>
      fieldProblem(event, FIREHOSE_EVENT, 'event') ?? recordsProblem(event, 'records', FIREHOSE_RECORD),
  },
  s3: {
    name: 'an S3 event notification (Records[] of { eventSource: "aws:s3", s3: { bucket, object } })',
    sample: 'events/s3-object-created.json',
    problem: (event) => recordsProblem(event, 'Records', S3_RECORD),
  },
} as const satisfies Record<string, EventKind>;

export type EventKindName = keyof typeof EVENT_KINDS;

/** What arrived, named by the service it looks like it came from. */
export function describeEvent(event: unknown): string {
  if (!isObject(event)) return describeValue(event);
  const records = event.Records;
  const first = Array.isArray(records) && isObject(records[0]) ? records[0] : undefined;
  if (Array.isArray(event.records) && 'deliveryStreamArn' in event) return 'a Firehose transformation event';
  if (first?.eventSource === 'aws:kinesis') {
    return isObject(event.window) ? 'a Kinesis tumbling-window event' : 'a Kinesis Data Streams event';
  }
  if (typeof first?.eventSource === 'string') return `an event from ${first.eventSource}`;
  const keys = Object.keys(event);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 6).join(', ')}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value === '') return 'an empty string (no event: `sls invoke local` without -p)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isObject(value)) return 'an object';
  return `a ${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

/** Throws WrongEventError unless `event` is of the kind `handler` expects. */
export function checkEvent(handler: string, kind: EventKindName, event: unknown): void {
  const expected: EventKind = EVENT_KINDS[kind];
  const problem = isObject(event) ? expected.problem(event) : 'no event object';
  if (problem === undefined) return;
  throw new WrongEventError(
    `${handler} expects ${expected.name}, got ${describeEvent(event)} (${problem}). ` +
      `Try: sls invoke local -f ${handler} -p ${expected.sample}`,
  );
}

/** Middy middleware: the check before the handler runs. */
export function eventCheck(handler: string, kind: EventKindName): MiddlewareObj {
  return {
    before: (request) => {
      checkEvent(handler, kind, request.event);
    },
  };
}
