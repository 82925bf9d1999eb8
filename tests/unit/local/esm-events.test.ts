import { kinesisStreamEvent, sequenceNumber, streamArn } from '../../../lib/events/factories';
import {
  compareSequenceNumbers,
  interpretResponse,
  laneOf,
  onFailureRecord,
  recordSize,
  toEventRecord,
  toWindowEvent,
  type MappingRecord,
} from '../../../lib/local/esm-events';

const ARRIVAL = Date.UTC(2026, 10, 22, 12, 0, 0);

function mappingRecord(index: number, overrides: Partial<MappingRecord> = {}): MappingRecord {
  const data = Buffer.from(`{"n":${index}}`).toString('base64');
  return {
    sequenceNumber: sequenceNumber(index),
    partitionKey: `pk-${index}`,
    arrivalMs: ARRIVAL + index * 10,
    receivedMs: ARRIVAL,
    data,
    size: recordSize(data, `pk-${index}`),
    lane: 0,
    done: false,
    deliveries: 0,
    ...overrides,
  };
}

const batch = [0, 1, 2, 3].map((index) => mappingRecord(index));
const sequences = batch.map((record) => record.sequenceNumber);

describe('toEventRecord', () => {
  it('builds the same record as the kinesisStreamEvent factory', () => {
    // Prepare
    const expected = kinesisStreamEvent(
      [0, 1].map((index) => ({ data: `{"n":${index}}`, partitionKey: `pk-${index}` })),
      { streamName: 'clickstream-events', shard: 'shardId-000000000003' },
    );
    const context = {
      shardId: 'shardId-000000000003',
      eventSourceARN: streamArn('clickstream-events'),
      awsRegion: 'eu-west-1',
      invokeIdentityArn: expected.Records[0]!.invokeIdentityArn,
    };

    // Act
    const records = [0, 1].map((index) => toEventRecord(mappingRecord(index), context));

    // Assess
    expect(records).toEqual(expected.Records);
  });

  it('builds a window event with every field of reference §4', () => {
    // Act
    const event = toWindowEvent(
      [],
      {
        startMs: ARRIVAL,
        endMs: ARRIVAL + 60_000,
        state: { n: 1 },
        isFinalInvokeForWindow: true,
        isWindowTerminatedEarly: false,
      },
      { shardId: 's', eventSourceARN: 'arn', awsRegion: 'r', invokeIdentityArn: 'i' },
    );

    // Assess
    expect(event).toEqual({
      Records: [],
      window: { start: '2026-11-22T12:00:00Z', end: '2026-11-22T12:01:00Z' },
      state: { n: 1 },
      shardId: 's',
      eventSourceARN: 'arn',
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
  });
});

const rules = { reportBatchItemFailures: true, windowed: false };

describe('interpretResponse (reference §3)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['{}', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
    ['unrelated keys', { summary: { ok: 4 } }],
  ])('%s is full success', (_name, response) => {
    expect(interpretResponse(response, batch, rules)).toEqual({ kind: 'success' });
  });

  it('re-delivers from the lowest reported record, whatever the order of the list', () => {
    // Act
    const outcome = interpretResponse(
      {
        batchItemFailures: [
          { itemIdentifier: sequences[3] },
          { itemIdentifier: sequences[1] },
          { itemIdentifier: sequences[2] },
        ],
      },
      batch,
      rules,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'partial', failedIndex: 1 });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, 'emptyItemIdentifier'],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, 'emptyItemIdentifier'],
    ['a misspelled entry key', { batchItemFailures: [{ itemIdentifer: sequences[1] }] }, 'misspelledKey'],
    ['an entry with no key', { batchItemFailures: [{}] }, 'misspelledKey'],
    [
      'an unknown sequence number',
      { batchItemFailures: [{ itemIdentifier: sequenceNumber(99) }] },
      'unknownItemIdentifier',
    ],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 1 }] }, 'unknownItemIdentifier'],
    ['a misspelled list key', { BatchItemFailures: [{ itemIdentifier: sequences[1] }] }, 'misspelledKey'],
    ['a singular list key', { batchItemFailure: [] }, 'misspelledKey'],
    [
      'a list that is an object',
      { batchItemFailures: { itemIdentifier: sequences[1] } },
      'invalidBatchItemFailures',
    ],
    ['an entry that is a string', { batchItemFailures: [sequences[1]] }, 'invalidBatchItemFailures'],
    ['a string response', 'done', 'invalidResponse'],
    ['an array response', [], 'invalidResponse'],
  ])('%s fails the whole batch', (_name, response, reason) => {
    // Act
    const outcome = interpretResponse(response, batch, rules);

    // Assess
    expect(outcome).toMatchObject({ kind: 'failure', reason });
    expect(outcome.kind === 'failure' && outcome.message.length).toBeGreaterThan(20);
  });

  it('ignores the response when ReportBatchItemFailures is off', () => {
    expect(
      interpretResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, batch, {
        ...rules,
        reportBatchItemFailures: false,
      }),
    ).toEqual({ kind: 'success' });
  });

  it.each([
    ['no response', undefined, 'failure'],
    ['no state', { batchItemFailures: [] }, 'failure'],
    ['a state that is not an object', { state: 3 }, 'failure'],
    ['a state', { state: { n: 1 } }, 'success'],
    [
      'a state and a failure',
      { state: { n: 1 }, batchItemFailures: [{ itemIdentifier: sequences[2] }] },
      'partial',
    ],
  ])('with tumbling windows, a response with %s is %s', (_name, response, kind) => {
    // Act
    const outcome = interpretResponse(response, batch, { ...rules, windowed: true });

    // Assess
    expect(outcome.kind).toBe(kind);
    if (kind !== 'failure') expect(outcome).toMatchObject({ state: { n: 1 } });
    else expect(outcome).toMatchObject({ reason: 'missingState' });
  });
});

describe('onFailureRecord (reference §5)', () => {
  it('describes the batch with AWS field names and no record data', () => {
    // Act
    const record = onFailureRecord({
      records: batch,
      shardId: 'shardId-000000000001',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:consumer',
      condition: 'RetryAttemptsExhausted',
      requestId: 'req-1',
      approximateInvokeCount: 4,
      response: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      nowMs: ARRIVAL + 5_000,
    });

    // Assess
    expect(record).toEqual({
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:consumer',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-22T12:00:05.000Z',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: sequences[0],
        endSequenceNumber: sequences[3],
        approximateArrivalOfFirstRecord: '2026-11-22T12:00:00.000Z',
        approximateArrivalOfLastRecord: '2026-11-22T12:00:00.030Z',
        batchSize: 4,
        streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks',
      },
    });
    expect(JSON.stringify(record)).not.toContain(batch[0]!.data);
  });
});

describe('sequence numbers and lanes', () => {
  it.each([
    ['9', '10', -1],
    ['10', '9', 1],
    [sequenceNumber(1), sequenceNumber(2), -1],
    [sequenceNumber(2), sequenceNumber(2), 0],
  ])('compares %s with %s numerically', (a, b, sign) => {
    expect(Math.sign(compareSequenceNumbers(a, b))).toBe(sign);
  });

  it('assigns a key to one lane, always, and spreads keys over every lane', () => {
    // Act
    const lanes = Array.from({ length: 200 }, (_, index) => laneOf(`customer-${index}`, 4));

    // Assess
    expect(new Set(lanes)).toEqual(new Set([0, 1, 2, 3]));
    expect(laneOf('customer-7', 4)).toBe(lanes[7]);
    expect(laneOf('anything', 1)).toBe(0);
  });
});
