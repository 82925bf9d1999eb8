/**
 * From plans to the response: the 6 MB guard at the exact byte, re-ingestion of the planned parts (where
 * they go, under which partition key, and what a failed part does to its record), and the final tally.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { DROPPED, failed, type Plan } from '../../../lib/firehose/plan';
import { entryBytes, responseBytes } from '../../../lib/firehose/response-size';
import { guardResponseSize, reingestPlanned, tallyPlans } from '../../../lib/firehose/settle-plans';
import {
  DROP_REASONS,
  type FirehoseInputRecord,
  type FirehoseInvocation,
  type FirehoseResponseRecord,
} from '../../../lib/firehose/types';
import { emptySummary, noSleep } from './helpers';

const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);
const clients = { firehose: () => new FirehoseClient({}), kinesis: () => new KinesisClient({}) };

/** Parts whose data starts with a code in this table fail with it, every attempt. */
const FAILING: Record<string, string> = {
  throttled: 'ProvisionedThroughputExceededException',
  broken: 'InternalFailure',
};
const failureOf = (data: Uint8Array) => {
  const text = Buffer.from(data).toString('utf8');
  const key = Object.keys(FAILING).find((prefix) => text.startsWith(prefix));
  return key === undefined ? undefined : { ErrorCode: FAILING[key]!, ErrorMessage: `${text} refused` };
};

beforeEach(() => {
  firehose.reset();
  kinesis.reset();
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: _Record[] }) => {
    const responses = input.Records.map((record) => failureOf(record.Data!) ?? { RecordId: 'r' });
    return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
  });
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => {
    const records = input.Records.map(
      (record) => failureOf(record.Data!) ?? { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
    );
    return { FailedRecordCount: records.filter((r) => 'ErrorCode' in r).length, Records: records };
  });
});

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks';
const DELIVERY_ARN = 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks-delivery';

function recordOf(recordId: string, text = `data of ${recordId}`, partitionKey?: string | null) {
  const record: FirehoseInputRecord = {
    recordId,
    approximateArrivalTimestamp: 0,
    data: Buffer.from(text).toString('base64'),
  };
  if (partitionKey === null) record.kinesisRecordMetadata = null;
  else if (partitionKey !== undefined) {
    record.kinesisRecordMetadata = {
      partitionKey,
      shardId: 'shardId-000000000000',
      approximateArrivalTimestamp: 0,
      sequenceNumber: '1',
      subsequenceNumber: 0,
    };
  }
  return record;
}

function eventOf(
  records: FirehoseInputRecord[],
  target: 'kinesis' | 'firehose' | 'none',
): FirehoseInvocation {
  return {
    invocationId: 'invocation-1',
    region: 'eu-west-1',
    records,
    ...(target === 'kinesis' && { sourceKinesisStreamArn: STREAM_ARN, deliveryStreamArn: DELIVERY_ARN }),
    ...(target === 'firehose' && { deliveryStreamArn: DELIVERY_ARN }),
  };
}

const reingestOf = (...parts: string[]): Plan => ({
  kind: 'reingest',
  reason: 'reingested-split-keys',
  parts: parts.map((part) => Buffer.from(part)),
});
const okOf = (text: string): Plan => ({
  kind: 'ok',
  data: Buffer.from(text).toString('base64'),
  keys: undefined,
});

describe('guardResponseSize', () => {
  // Ok entries larger than their ProcessingFailed form, so that each takes room.
  const ONE = 'one'.repeat(10);
  const TWO = 'two'.repeat(10);
  const records = [recordOf('r0'), recordOf('r1'), recordOf('r2')];
  const okEntry = (recordId: string, text: string): FirehoseResponseRecord => ({
    recordId,
    result: 'Ok',
    data: Buffer.from(text).toString('base64'),
  });
  /** The response's size with r0 sized as `first`, r1 and r2 Ok. */
  const sizeWith = (first: FirehoseResponseRecord) =>
    responseBytes([entryBytes(first), entryBytes(okEntry('r1', ONE)), entryBytes(okEntry('r2', TWO))]);

  /** r0's plan, the entry it gets, and the form it is sized at (its largest). */
  const FIRST: [string, Plan, FirehoseResponseRecord['result'], FirehoseResponseRecord['result']][] = [
    ['a Dropped record', DROPPED.filtered, 'Dropped', 'Dropped'],
    ['a failed record', failed('invalid-json', 'x'), 'ProcessingFailed', 'ProcessingFailed'],
    ['a record to re-ingest', reingestOf('part'), 'Dropped', 'ProcessingFailed'],
  ];

  it.each(FIRST)(
    'keeps every Ok entry in a response of exactly the limit beside %s',
    (_case, first, result, sizedAs) => {
      const plans = [first, okOf(ONE), okOf(TWO)];
      const limit = sizeWith({ recordId: 'r0', result: sizedAs });
      const { entries, sizes } = guardResponseSize(records, plans, limit);
      expect(plans).toEqual([first, okOf(ONE), okOf(TWO)]);
      expect(entries).toEqual([{ recordId: 'r0', result }, okEntry('r1', ONE), okEntry('r2', TWO)]);
      expect(sizes.slice(1)).toEqual(entries.slice(1).map(entryBytes));
      expect(responseBytes(sizes)).toBe(limit);
    },
  );

  it.each(FIRST)(
    'moves the last Ok entry out one byte under that, beside %s',
    (_case, first, _result, sizedAs) => {
      const plans = [first, okOf(ONE), okOf(TWO)];
      const { entries, sizes } = guardResponseSize(
        records,
        plans,
        sizeWith({ recordId: 'r0', result: sizedAs }) - 1,
      );
      expect(plans.slice(0, 2)).toEqual([first, okOf(ONE)]);
      // Re-ingested exactly as received, not as transformed.
      expect(plans[2]).toEqual({
        kind: 'reingest',
        reason: 'reingested-overflow',
        parts: [Buffer.from('data of r2')],
      });
      // Its entry is rewritten by the tally; until then it is sized at its largest form.
      expect(entries[2]).toEqual(okEntry('r2', TWO));
      expect(sizes[2]).toBe(entryBytes({ recordId: 'r2', result: 'ProcessingFailed' }));
      expect(sizes[1]).toBe(entryBytes(okEntry('r1', ONE)));
    },
  );

  it('admits a later, smaller Ok entry after a larger one did not fit', () => {
    const plans = [okOf('x'.repeat(30)), okOf('y')];
    const small = [recordOf('r0'), recordOf('r1')];
    const limit = responseBytes([
      entryBytes({ recordId: 'r0', result: 'ProcessingFailed' }),
      entryBytes({ recordId: 'r1', result: 'Ok', data: 'eQ==' }),
    ]);
    guardResponseSize(small, plans, limit);
    expect(plans.map((plan) => plan.kind)).toEqual(['reingest', 'ok']);
  });
});

describe('reingestPlanned', () => {
  const kinesisSent = () =>
    kinesis.commandCalls(PutRecordsCommand).flatMap((call) => call.args[0].input.Records!);
  const texts = (entries: { Data?: Uint8Array }[]) =>
    entries.map((entry) => Buffer.from(entry.Data!).toString());

  it('sends nothing and leaves the summary alone when no record is to re-ingest', async () => {
    const plans = [okOf('a'), DROPPED.filtered, failed('invalid-json', 'x')];
    const summary = emptySummary();
    await reingestPlanned(
      eventOf([recordOf('r0'), recordOf('r1'), recordOf('r2')], 'kinesis'),
      plans,
      summary,
      clients,
      noSleep,
    );
    expect(kinesis.calls()).toHaveLength(0);
    expect(firehose.calls()).toHaveLength(0);
    expect(summary).toEqual(emptySummary());
    expect(plans).toEqual([okOf('a'), DROPPED.filtered, failed('invalid-json', 'x')]);
  });

  it('puts every part back into the source stream under its record partition key, counting records and parts', async () => {
    const records = [recordOf('r0', 'a', 'user-1'), recordOf('r1'), recordOf('r2', 'c', 'user-2')];
    const plans = [reingestOf('a1', 'a2'), okOf('b'), reingestOf('c1')];
    const summary = emptySummary();
    await reingestPlanned(eventOf(records, 'kinesis'), plans, summary, clients, noSleep);
    expect(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.StreamARN).toBe(STREAM_ARN);
    expect(texts(kinesisSent())).toEqual(['a1', 'a2', 'c1']);
    expect(kinesisSent().map((entry) => entry.PartitionKey)).toEqual(['user-1', 'user-1', 'user-2']);
    expect(summary.reingest).toEqual({ target: 'kinesis', records: 2, parts: 3, failedParts: 0, errors: [] });
    expect(plans).toEqual([reingestOf('a1', 'a2'), okOf('b'), reingestOf('c1')]);
  });

  it.each<[string, FirehoseInputRecord, string]>([
    ['no Kinesis metadata: its recordId', recordOf('r-7'), 'r-7'],
    ['Kinesis metadata given as null: its recordId', recordOf('r-8', 'x', null), 'r-8'],
    ['an empty partition key: its recordId', recordOf('r-9', 'x', ''), 'r-9'],
    ['a recordId over 256 characters: its first 256', recordOf('i'.repeat(300)), 'i'.repeat(256)],
    ['an empty recordId: a fixed key', recordOf(''), 'reingested'],
  ])('puts a part of a record with %s as its partition key', async (_case, record, key) => {
    await reingestPlanned(eventOf([record], 'kinesis'), [reingestOf('p')], emptySummary(), clients, noSleep);
    expect(kinesisSent().map((entry) => entry.PartitionKey)).toEqual([key]);
  });

  it('fails each record with a failed part, naming the reason, the stream, how many parts failed and the first error', async () => {
    const records = [recordOf('r0'), recordOf('r1'), recordOf('r2')];
    const plans: Plan[] = [
      reingestOf('sent', 'throttled 1', 'throttled 2'),
      { kind: 'reingest', reason: 'reingested-overflow', parts: [Buffer.from('broken')] },
      reingestOf('sent too'),
    ];
    const summary = emptySummary();
    await reingestPlanned(eventOf(records, 'kinesis'), plans, summary, clients, noSleep);
    expect(plans).toEqual([
      failed(
        'reingest-failed',
        `${DROP_REASONS['reingested-split-keys']}; PutRecords to ${STREAM_ARN} failed for 2 of 3 part(s): ProvisionedThroughputExceededException: throttled 1 refused (gave up after 3 attempts)`,
      ),
      failed(
        'reingest-failed',
        `${DROP_REASONS['reingested-overflow']}; PutRecords to ${STREAM_ARN} failed for 1 of 1 part(s): InternalFailure: broken refused (gave up after 3 attempts)`,
      ),
      reingestOf('sent too'),
    ]);
    expect(summary.reingest).toEqual({
      target: 'kinesis',
      records: 3,
      parts: 5,
      failedParts: 3,
      errors: ['ProvisionedThroughputExceededException', 'InternalFailure'],
    });
  });

  it('puts parts back into the delivery stream when the event has no source stream, naming it on failure', async () => {
    const plans = [reingestOf('fine'), reingestOf('broken')];
    const summary = emptySummary();
    await reingestPlanned(
      eventOf([recordOf('r0'), recordOf('r1')], 'firehose'),
      plans,
      summary,
      clients,
      noSleep,
    );
    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records!);
    expect(new Set(texts(sent))).toEqual(new Set(['broken', 'fine']));
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input.DeliveryStreamName).toBe(
      'clicks-delivery',
    );
    expect(plans[1]).toEqual(
      failed(
        'reingest-failed',
        `${DROP_REASONS['reingested-split-keys']}; PutRecordBatch to clicks-delivery failed for 1 of 1 part(s): InternalFailure: broken refused (gave up after 3 attempts)`,
      ),
    );
    expect(summary.reingest).toMatchObject({ target: 'firehose', records: 2, parts: 2, failedParts: 1 });
  });

  it('fails every record to re-ingest, saying why, when the event names nowhere to put them back', async () => {
    const plans = [reingestOf('a'), okOf('b')];
    const summary = emptySummary();
    await reingestPlanned(
      eventOf([recordOf('r0'), recordOf('r1')], 'none'),
      plans,
      summary,
      clients,
      noSleep,
    );
    expect(plans[0]).toMatchObject({ kind: 'failed', reason: 'reingest-failed' });
    expect((plans[0] as { message: string }).message).toMatch(
      /^must be re-ingested \(reingested-split-keys\), which is impossible: the event has no sourceKinesisStreamArn /,
    );
    expect(plans[1]).toEqual(okOf('b'));
    expect(summary.reingest).toEqual({
      target: 'none',
      records: 1,
      parts: 1,
      failedParts: 1,
      errors: ['NoReingestTarget'],
    });
    expect(kinesis.calls()).toHaveLength(0);
    expect(firehose.calls()).toHaveLength(0);
  });
});

describe('tallyPlans', () => {
  const records = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'].map((id) => recordOf(id));
  const plans: Plan[] = [
    okOf('kept'),
    failed('schema-violation', 'first'),
    DROPPED.filtered,
    failed('schema-violation', 'second'),
    { kind: 'reingest', reason: 'reingested-overflow', parts: [] },
    failed('invalid-json', 'third'),
  ];
  /** Entries as the guard leaves them: r4 still Ok (moved out after), sized at its largest form. */
  const guarded = () => {
    const sized = guardResponseSize(records, [...plans.slice(0, 4), okOf('moved'), plans[5]!], 1_000_000);
    sized.sizes[4] = entryBytes({ recordId: 'r4', result: 'ProcessingFailed' });
    return sized;
  };

  it('rewrites the entries of records not Ok, counts each fate and returns the exact response size', () => {
    const summary = emptySummary();
    const sized = guarded();
    const okEntry = sized.entries[0];
    const bytes = tallyPlans(records, plans, sized, summary, 20);
    expect(sized.entries[0]).toBe(okEntry);
    expect(sized.entries.map((entry) => entry.result)).toEqual([
      'Ok',
      'ProcessingFailed',
      'Dropped',
      'ProcessingFailed',
      'Dropped',
      'ProcessingFailed',
    ]);
    expect(sized.entries[4]).toEqual({ recordId: 'r4', result: 'Dropped' });
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify({ records: sized.entries })));
    expect(summary).toMatchObject({
      ok: 1,
      dropped: 2,
      processingFailed: 3,
      failed: { 'schema-violation': 2, 'invalid-json': 1 },
      droppedRecords: { filtered: 1, 'reingested-overflow': 1 },
    });
    expect(summary.failures).toEqual([
      { recordId: 'r1', reason: 'schema-violation', message: 'first' },
      { recordId: 'r3', reason: 'schema-violation', message: 'second' },
      { recordId: 'r5', reason: 'invalid-json', message: 'third' },
    ]);
  });

  it('lists at most maxListedFailures failures, and counts them all', () => {
    const summary = emptySummary();
    tallyPlans(records, plans, guarded(), summary, 2);
    expect(summary.failures.map((failure) => failure.recordId)).toEqual(['r1', 'r3']);
    expect(summary.processingFailed).toBe(3);
  });
});
