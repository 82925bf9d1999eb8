/**
 * The record planner's context for each object (times, the Kinesis source position) and its keys-only mode
 * (partitionKeys), over the scripted doubles of planner-fakes.ts.
 */
import { failed } from '../../../lib/firehose/plan';
import type { FirehoseKinesisMetadata } from '../../../lib/firehose/types';
import type { KeyExtractor } from '../../../lib/partitioning';
import type { JsonObject } from '../../../lib/records';
import { ARRIVAL, base64, calls, INGESTION, partsOf, plannerOf, recordOf, textOf } from './planner-fakes';

beforeEach(() => {
  calls.length = 0;
});

describe('the context each object is processed in', () => {
  const contextOf = (metadata?: FirehoseKinesisMetadata | null) => {
    plannerOf().plan(recordOf(base64('{}'), metadata));
    return calls[0]!.context;
  };
  const metadata = (subsequenceNumber: unknown) =>
    ({
      shardId: 'shardId-000000000004',
      partitionKey: 'user-1',
      approximateArrivalTimestamp: ARRIVAL,
      sequenceNumber: '4960',
      subsequenceNumber,
    }) as FirehoseKinesisMetadata;

  it.each([
    ['without Kinesis metadata', undefined],
    ['with Kinesis metadata given as null', null],
  ])('holds the ingestion and arrival times only %s', (_case, given) => {
    expect(contextOf(given)).toStrictEqual({ ingestionTime: INGESTION, arrivalTime: new Date(ARRIVAL) });
  });

  it('holds the source record position from the Kinesis metadata', () => {
    expect(contextOf(metadata(3))).toStrictEqual({
      ingestionTime: INGESTION,
      arrivalTime: new Date(ARRIVAL),
      shardId: 'shardId-000000000004',
      sequenceNumber: '4960',
      subSequenceNumber: 3,
      partitionKey: 'user-1',
    });
  });

  it.each<[string, unknown, number | undefined]>([
    ['a number', 7, 7],
    ['a string', '7', 7],
    ['zero as a string', '0', 0],
    ['an empty string', '', undefined],
    ['text', 'seven', undefined],
    ['a fraction', 1.5, undefined],
    ['past the safe integers', 2 ** 53, undefined],
    ['past the safe integers as a string', '9007199254740993', undefined],
    ['null', null, undefined],
  ])('reads subsequenceNumber given as %s', (_case, given, expected) => {
    expect(contextOf(metadata(given)).subSequenceNumber).toBe(expected);
  });
});

describe('partitionKeys: keys only, the data untouched', () => {
  const extracted: { object: JsonObject; arrivalTime: Date }[] = [];
  /** Keys from field `k`; an object without one fails as a missing key. */
  const extractKeys: KeyExtractor = (object, { arrivalTime }) => {
    extracted.push({ object: object as JsonObject, arrivalTime });
    return typeof object.k === 'string'
      ? { ok: true, keys: { k: object.k } }
      : { ok: false, reason: 'missing-partition-key', message: "partition key 'k': no value" };
  };
  const keysPlanner = (maxRecordBytes = 1000) => plannerOf({ mode: 'keys', extractKeys, maxRecordBytes });

  beforeEach(() => {
    extracted.length = 0;
  });

  it('returns the record data as sent with the keys its objects share, reading the arrival time', () => {
    const data = base64(textOf([{ k: 'a' }, { k: 'a' }]));
    const { plan, summary } = keysPlanner();
    expect(plan(recordOf(data))).toEqual({ kind: 'ok', data, keys: { k: 'a' } });
    expect(extracted.map((call) => call.arrivalTime)).toEqual([new Date(ARRIVAL), new Date(ARRIVAL)]);
    expect(calls).toEqual([]);
    expect(summary.objects).toBe(2);
  });

  it('fails on a missing key, naming the object only when the record holds several', () => {
    const missing = "partition key 'k': no value";
    expect(keysPlanner().plan([{}])).toEqual(failed('missing-partition-key', missing));
    expect(keysPlanner().plan([{ k: 'a' }, {}])).toEqual(
      failed('missing-partition-key', `object 2 of 2: ${missing}`),
    );
  });

  it('splits mixed keys into one part per key set, however small the data', () => {
    const objects = [{ k: 'a' }, { k: 'b' }, { k: 'a' }];
    const result = keysPlanner().plan(objects);
    expect(result).toMatchObject({ kind: 'reingest', reason: 'reingested-split-keys' });
    expect(partsOf(result)).toEqual([
      `${textOf([objects[0]!, objects[2]!])}\n`,
      `${textOf([objects[1]!])}\n`,
    ]);
  });

  it('halves a key set whose rebuilt data is over the record limit, and fails an object that alone is', () => {
    const objects = [{ k: 'a' }, { k: 'b' }, { k: 'a' }];
    // Each rebuilt object is 10 bytes with its newline.
    expect(partsOf(keysPlanner(19).plan(objects))).toEqual(['{"k":"a"}\n', '{"k":"a"}\n', '{"k":"b"}\n']);
    expect(keysPlanner(9).plan(objects)).toEqual(
      failed('record-too-large', 'object 1 of 3: is 10 bytes as re-ingested data; a record may hold 9'),
    );
  });
});
