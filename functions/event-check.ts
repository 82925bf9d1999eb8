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

function fieldProblem(value: unknown, fields: Fields, at: string): string | undefined {
  if (!isObject(value)) return `${at} is ${describeValue(value)}`;
  for (const [path, type] of Object.entries(fields)) {
    let current: unknown = value;
    for (const key of path.split('.')) current = isObject(current) ? current[key] : undefined;
    if (type === 'object' ? !isObject(current) : typeof current !== type) {
      return `${at}.${path} should be a${type === 'object' ? 'n object' : ` ${type}`}, got ${describeValue(current)}`;
    }
  }
  return undefined;
}

function recordsProblem(event: Json, list: string, fields: Fields): string | undefined {
  const records = event[list];
  if (!Array.isArray(records)) return `${list} should be a list of records, got ${describeValue(records)}`;
  for (let index = 0; index < records.length; index += 1) {
    const problem = fieldProblem(records[index], fields, `${list}[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

const KINESIS_RECORD: Fields = {
  eventID: 'string',
  'kinesis.data': 'string',
  'kinesis.partitionKey': 'string',
  'kinesis.sequenceNumber': 'string',
  'kinesis.approximateArrivalTimestamp': 'number',
};

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
      fieldProblem(event, { 'window.start': 'string', 'window.end': 'string' }, 'event') ??
      recordsProblem(event, 'Records', KINESIS_RECORD),
  },
  firehose: {
    name: 'a Firehose transformation event (invocationId, deliveryStreamArn, records[] of { recordId, data })',
    sample: 'events/firehose-kinesis-source.json',
    problem: (event) =>
      fieldProblem(event, { invocationId: 'string' }, 'event') ??
      recordsProblem(event, 'records', {
        recordId: 'string',
        data: 'string',
        approximateArrivalTimestamp: 'number',
      }),
  },
  s3: {
    name: 'an S3 event notification (Records[] of { eventSource: "aws:s3", s3: { bucket, object } })',
    sample: 'events/s3-object-created.json',
    problem: (event) =>
      recordsProblem(event, 'Records', { 's3.bucket.name': 'string', 's3.object.key': 'string' }),
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
