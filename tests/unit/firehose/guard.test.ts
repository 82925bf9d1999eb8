import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { firehoseTransformationEvent, type FirehoseRecordInput } from '../../../lib/events/factories';
import {
  entryBytes,
  fitUnderLimit,
  MAX_RESPONSE_BYTES,
  responseBytes,
  type FirehoseInvocation,
  type FirehoseOutcome,
  type FirehoseResponseRecord,
} from '../../../lib/firehose';
import { clickEvent } from '../../fixtures/clickstream';
import { pipelineOf, processorFor, results, runChecked } from './helpers';

const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);

type EntryError = { ErrorCode: string; ErrorMessage: string } | undefined;
/** Decides, per sent record (call number, position in call, data), whether it fails and how. */
let failWith: (call: number, data: Uint8Array) => EntryError = () => undefined;

beforeEach(() => {
  firehose.reset();
  kinesis.reset();
  failWith = () => undefined;
  let firehoseCalls = 0;
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: _Record[] }) => {
    firehoseCalls += 1;
    const responses = input.Records.map(
      (record) => failWith(firehoseCalls, record.Data!) ?? { RecordId: 'r' },
    );
    return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
  });
  let kinesisCalls = 0;
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => {
    kinesisCalls += 1;
    const records = input.Records.map(
      (record) =>
        failWith(kinesisCalls, record.Data!) ?? { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
    );
    return { FailedRecordCount: records.filter((r) => 'ErrorCode' in r).length, Records: records };
  });
});

const pipeline = pipelineOf({});
const json = (value: unknown): string => JSON.stringify(value);

function firehoseSent(): _Record[] {
  return firehose.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records!);
}

/** Input records whose exact bytes were re-ingested (successfully or not), by index. */
function reingestedIndexes(event: FirehoseInvocation, sent: Uint8Array[]): Set<number> {
  const byData = new Map(event.records.map((record, index) => [record.data, index]));
  return new Set(
    sent.map((data) => byData.get(Buffer.from(data).toString('base64'))).filter((i) => i !== undefined),
  );
}

function okIndexes(outcome: FirehoseOutcome): number[] {
  return outcome.response.records.flatMap((entry, index) => (entry.result === 'Ok' ? [index] : []));
}

describe('response size arithmetic', () => {
  it.each<[string, FirehoseResponseRecord]>([
    [
      'an Ok entry with keys',
      { recordId: 'a1', result: 'Ok', data: 'eyJ4IjoxfQo=', metadata: { partitionKeys: { k: 'v' } } },
    ],
    [
      'keys with non-ASCII and quotes',
      { recordId: 'r"2', result: 'Ok', data: 'AAAA', metadata: { partitionKeys: { 'k"é': 'ü€𝄞' } } },
    ],
    [
      'a Dropped entry',
      { recordId: '495903382714902566085596925383615710959215759891365888980000', result: 'Dropped' },
    ],
    ['a ProcessingFailed entry', { recordId: '\u2028id', result: 'ProcessingFailed' }],
  ])('counts %s exactly as JSON.stringify does', (_case, entry) => {
    // Act
    const size = entryBytes(entry);

    // Assess
    expect(size).toBe(Buffer.byteLength(JSON.stringify(entry)));
    expect(responseBytes([size, size])).toBe(Buffer.byteLength(JSON.stringify({ records: [entry, entry] })));
  });

  it.each<[string, number[], number, boolean[]]>([
    ['everything fits', [10, 10, 10], 100, [true, true, true]],
    ['the first that does not fit is moved out', [40, 40, 40], 100, [true, true, false]],
    ['a later smaller one still fits', [60, 50, 30], 100, [true, false, true]],
    ['nothing fits', [200], 100, [false]],
  ])('fitUnderLimit: %s', (_case, extras, budget, expected) => {
    // Prepare
    const candidates = extras.map((extra) => ({ okBytes: extra + 5, fallbackBytes: 5 }));

    // Act / Assess
    expect(fitUnderLimit(candidates, 1000 - budget, 1000)).toEqual(expected);
  });

  it('keeps the AWS blueprint limit of 6,000,000 bytes', () => {
    expect(MAX_RESPONSE_BYTES).toBe(6_000_000);
  });
});

describe('the 6 MB guard at its real size', () => {
  it('keeps the response under 6,000,000 bytes and re-ingests the rest exactly as received', async () => {
    // Prepare: nine records of ~680 KB transform to ~8 MB of base64; a small one follows.
    const big = (i: number) => json(clickEvent(i, { search_query: `${i}`.repeat(680_000) }));
    const inputs: FirehoseRecordInput[] = [
      ...Array.from({ length: 9 }, (_, i) => ({ data: big(i + 1) })),
      { data: json(clickEvent(20)) },
    ];
    const event = firehoseTransformationEvent(inputs);
    const transform = processorFor(pipeline);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(outcome.summary.responseBytes).toBeLessThanOrEqual(6_000_000);
    expect(outcome.summary.responseBytes).toBeGreaterThan(5_000_000);
    const moved = reingestedIndexes(
      event,
      firehoseSent().map((record) => record.Data!),
    );
    expect(moved.size).toBe(outcome.summary.droppedRecords['reingested-overflow']);
    expect(moved.size).toBeGreaterThan(0);
    expect(okIndexes(outcome).filter((index) => moved.has(index))).toEqual([]);
    expect(results(outcome)[9]).toBe('Ok');
    expect(okIndexes(outcome).length + moved.size).toBe(10);
  });
});

describe.each([
  ['direct-put', {}, 'firehose'],
  ['kinesis source', { sourceStreamName: 'clicks' }, 'kinesis'],
] as const)('re-ingestion (%s)', (_name, eventOptions, target) => {
  const limit = 20_000;
  const transform = processorFor(pipeline, { maxResponseBytes: limit });
  const sentData = (): Uint8Array[] =>
    target === 'firehose'
      ? firehoseSent().map((record) => record.Data!)
      : kinesis
          .commandCalls(PutRecordsCommand)
          .flatMap((call) => call.args[0].input.Records!.map((r) => r.Data!));
  const eventOf = (count: number, size = 2_000) =>
    firehoseTransformationEvent(
      Array.from({ length: count }, (_, i) => ({
        data: json(clickEvent(i, { search_query: 'q'.repeat(size) })),
        kinesis: { partitionKey: `user-${i}` },
      })),
      eventOptions,
    );

  it('sends overflow records to the right place, keeping partition keys, and returns them Dropped', async () => {
    // Prepare
    const event = eventOf(20);

    // Act
    const outcome = await runChecked(transform, event, limit);

    // Assess
    const moved = reingestedIndexes(event, sentData());
    expect(moved.size).toBe(outcome.summary.reingest.records);
    expect(moved.size).toBeGreaterThan(0);
    for (const index of moved) expect(outcome.response.records[index]!.result).toBe('Dropped');
    expect(outcome.summary.reingest.target).toBe(target);
    if (target === 'kinesis') {
      const input = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
      expect(input.StreamARN).toBe(event.sourceKinesisStreamArn);
      const byData = new Map(event.records.map((record, i) => [record.data, `user-${i}`]));
      for (const record of input.Records!) {
        expect(record.PartitionKey).toBe(byData.get(Buffer.from(record.Data!).toString('base64')));
      }
    } else {
      expect(firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input.DeliveryStreamName).toBe(
        'clickstream-delivery',
      );
    }
  });

  it('resends only the entries that failed, and then returns them Dropped', async () => {
    // Prepare: the second re-ingested entry fails once with a transient error.
    const event = eventOf(20);
    let seen = 0;
    failWith = (call) => {
      seen += 1;
      return call === 1 && seen === 2
        ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }
        : undefined;
    };
    const calls = () =>
      target === 'firehose'
        ? firehose.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input.Records!.length)
        : kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records!.length);

    // Act
    const outcome = await runChecked(transform, event, limit);

    // Assess
    expect(calls()[1]).toBe(1);
    expect(outcome.summary.processingFailed).toBe(0);
    expect(outcome.summary.reingest.failedParts).toBe(0);
  });

  it.each<[string, EntryError]>([
    ['a permanent error', { ErrorCode: 'InvalidArgumentException', ErrorMessage: 'no' }],
    ['a transient error that outlasts the retries', { ErrorCode: 'InternalFailure', ErrorMessage: 'down' }],
  ])(
    'returns a record ProcessingFailed, never Ok, when its re-ingestion fails with %s',
    async (_case, error) => {
      // Prepare
      const event = eventOf(20);
      const doomed = event.records[15]!.data;
      failWith = (_call, data) => (Buffer.from(data).toString('base64') === doomed ? error : undefined);

      // Act
      const outcome = await runChecked(transform, event, limit);

      // Assess
      expect(outcome.response.records[15]!.result).toBe('ProcessingFailed');
      expect(outcome.summary.failed).toEqual({ 'reingest-failed': 1 });
      expect(outcome.summary.failures[0]!.message).toContain(error!.ErrorCode);
      expect(outcome.summary.reingest.errors).toEqual([error!.ErrorCode]);
    },
  );

  it('fails the moved records, not the invocation, when the client throws', async () => {
    // Prepare
    const event = eventOf(20);
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    firehose.on(PutRecordBatchCommand).rejects(denied);
    kinesis.on(PutRecordsCommand).rejects(denied);

    // Act
    const outcome = await runChecked(transform, event, limit);

    // Assess
    expect(outcome.summary.failed).toEqual({ 'reingest-failed': outcome.summary.reingest.records });
    expect(outcome.summary.dropped).toBe(0);
  });
});

describe('re-ingestion chunking', () => {
  const addKeys = processorFor(pipeline, { mode: 'keys', maxResponseBytes: 200_000 });

  it('sends at most 500 records per PutRecordBatch', async () => {
    // Prepare
    const event = firehoseTransformationEvent(
      Array.from({ length: 1200 }, (_, i) => ({ data: json(clickEvent(i)) })),
    );

    // Act
    const outcome = await runChecked(addKeys, event, 200_000);

    // Assess
    const sizes = firehose
      .commandCalls(PutRecordBatchCommand)
      .map((call) => call.args[0].input.Records!.length);
    expect(Math.max(...sizes)).toBe(500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(outcome.summary.reingest.parts);
    expect(sizes.length).toBeGreaterThan(2);
  });

  it.each([
    ['PutRecordBatch', {}, 4 * 1024 * 1024],
    ['PutRecords', { sourceStreamName: 'clicks' }, 5 * 1024 * 1024],
  ] as const)('keeps each %s request within its byte limit', async (_api, options, maxBytes) => {
    // Prepare: 70 records of 100 KB, nearly all moved out.
    const event = firehoseTransformationEvent(
      Array.from({ length: 70 }, (_, i) => ({
        data: json(clickEvent(i, { search_query: 's'.repeat(100_000) })),
        kinesis: { partitionKey: `p${i}` },
      })),
      options,
    );

    // Act
    await runChecked(addKeys, event, 200_000);

    // Assess
    const requests =
      'sourceStreamName' in options
        ? kinesis
            .commandCalls(PutRecordsCommand)
            .map((call) =>
              call.args[0].input.Records!.reduce(
                (sum, r) => sum + r.Data!.length + r.PartitionKey!.length,
                0,
              ),
            )
        : firehose
            .commandCalls(PutRecordBatchCommand)
            .map((call) => call.args[0].input.Records!.reduce((sum, r) => sum + r.Data!.length, 0));
    expect(requests.length).toBeGreaterThan(1);
    for (const bytes of requests) expect(bytes).toBeLessThanOrEqual(maxBytes);
  });
});
