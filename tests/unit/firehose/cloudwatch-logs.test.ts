import { gunzipSync, gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchLogsPayload, firehoseTransformationEvent } from '../../../lib/events/factories';
import { sanitizePartitionValue } from '../../../lib/partitioning';
import { dataLines, logLineSchema, pipelineOf, processorFor, results, runChecked } from './helpers';

const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);

beforeEach(() => {
  firehose.reset();
  kinesis.reset();
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map(() => ({ RecordId: 'r' })),
  }));
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
  }));
});

const DELIVERY = `
delivery:
  name: logs-delivery
  input: cloudwatch-logs
  buffering: { sizeMB: 64, intervalSeconds: 60 }
  prefix: logs/group=!{partitionKeyFromLambda:group}/
  errorOutputPrefix: errors/!{firehose:error-output-type}/`;

const PARTITIONING = `
partitioning:
  keys:
    - { name: group, path: logGroup }`;

const pipeline = pipelineOf({
  schema: logLineSchema(),
  transforms: 'transforms: []',
  partitioning: PARTITIONING,
  delivery: DELIVERY,
});
const transform = processorFor(pipeline);

interface LogPayload {
  messageType: string;
  logGroup: string;
  logStream: string;
  owner: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

function sentPayloads(): LogPayload[] {
  return firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((call) => call.args[0].input.Records!)
    .map((record) => JSON.parse(gunzipSync(record.Data!).toString('utf8')) as LogPayload);
}

describe('firehoseTransformer with input: cloudwatch-logs', () => {
  it('drops a CONTROL_MESSAGE and counts it', async () => {
    // Prepare
    const event = firehoseTransformationEvent([
      { data: cloudWatchLogsPayload([], { messageType: 'CONTROL_MESSAGE', logGroup: '', logStream: '' }) },
    ]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped']);
    expect(outcome.summary.droppedRecords).toEqual({ 'control-message': 1 });
  });

  it('turns each log event of a DATA_MESSAGE into one JSON line, parsing JSON messages', async () => {
    // Prepare
    const payload = cloudWatchLogsPayload(
      [
        { message: 'START RequestId: 42 Version: $LATEST' },
        { message: '  {"level":"ERROR","orderId":17,"nested":{"a":[1,2]}}' },
        { message: '{not json' },
      ],
      { logGroup: '/aws/lambda/checkout', logStream: 's-1', owner: '111122223333' },
    );
    const event = firehoseTransformationEvent([{ data: payload }]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    const entry = outcome.response.records[0]!;
    const source = JSON.parse(gunzipSync(payload).toString('utf8')) as LogPayload;
    const envelope = { owner: '111122223333', logGroup: '/aws/lambda/checkout', logStream: 's-1' };
    expect(dataLines(entry)).toEqual([
      {
        ...envelope,
        id: source.logEvents[0]!.id,
        timestamp: source.logEvents[0]!.timestamp,
        message: 'START RequestId: 42 Version: $LATEST',
      },
      {
        ...envelope,
        id: source.logEvents[1]!.id,
        timestamp: source.logEvents[1]!.timestamp,
        json: { level: 'ERROR', orderId: 17, nested: { a: [1, 2] } },
      },
      {
        ...envelope,
        id: source.logEvents[2]!.id,
        timestamp: source.logEvents[2]!.timestamp,
        message: '{not json',
      },
    ]);
    expect(entry.metadata).toEqual({
      partitionKeys: { group: sanitizePartitionValue('/aws/lambda/checkout') },
    });
    expect(outcome.summary.objects).toBe(3);
  });

  it.each<[string, Buffer, string]>([
    [
      'corrupt gzip',
      Buffer.concat([cloudWatchLogsPayload([{ message: 'x' }]).subarray(0, 15), Buffer.alloc(8)]),
      'decompression-failed',
    ],
    [
      'an unknown messageType',
      gzipSync(JSON.stringify({ messageType: 'HEARTBEAT', logEvents: [] })),
      'invalid-cloudwatch-logs',
    ],
    [
      'a DATA_MESSAGE without events',
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: 'o',
          logGroup: 'g',
          logStream: 's',
          subscriptionFilters: [],
          logEvents: [],
        }),
      ),
      'invalid-cloudwatch-logs',
    ],
    ['plain JSON that is not a payload', Buffer.from('{"hello":"world"}'), 'invalid-cloudwatch-logs'],
  ])('fails %s without failing the batch', async (_case, data, reason) => {
    // Prepare
    const event = firehoseTransformationEvent([
      { data },
      { data: cloudWatchLogsPayload([{ message: 'ok' }]) },
    ]);

    // Act
    const outcome = await runChecked(transform, event);

    // Assess
    expect(results(outcome)).toEqual(['ProcessingFailed', 'Ok']);
    expect(outcome.summary.failed).toEqual({ [reason]: 1 });
  });

  it('splits an oversized payload in halves and re-ingests each half as a gzip payload with the same envelope', async () => {
    // Prepare
    const limit = 3000;
    const small = processorFor(pipeline, { maxRecordBytes: limit });
    const events = Array.from({ length: 20 }, (_, i) => ({ message: `event ${i} ${'.'.repeat(200)}` }));
    const event = firehoseTransformationEvent([
      { data: cloudWatchLogsPayload(events, { logGroup: '/big' }) },
    ]);

    // Act
    const outcome = await runChecked(small, event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped']);
    expect(outcome.summary.droppedRecords).toEqual({ 'reingested-split-size': 1 });
    const payloads = sentPayloads();
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) {
      expect(payload).toMatchObject({
        messageType: 'DATA_MESSAGE',
        logGroup: '/big',
        subscriptionFilters: ['to-firehose'],
      });
    }
    expect(payloads.flatMap((payload) => payload.logEvents.map((logEvent) => logEvent.message))).toEqual(
      events.map((logEvent) => logEvent.message),
    );
    // Halving keeps the parts balanced: no part holds more than half the events plus one.
    expect(Math.max(...payloads.map((payload) => payload.logEvents.length))).toBeLessThanOrEqual(11);
  });

  it('fails a payload whose single event alone is over the record limit', async () => {
    // Prepare
    const small = processorFor(pipeline, { maxRecordBytes: 3000 });
    const event = firehoseTransformationEvent([
      { data: cloudWatchLogsPayload([{ message: 'x'.repeat(4000) }]) },
    ]);

    // Act
    const outcome = await runChecked(small, event);

    // Assess
    expect(outcome.summary.failed).toEqual({ 'record-too-large': 1 });
    expect(firehose.calls()).toHaveLength(0);
  });

  it('re-ingests split halves to the source stream, with the partition key, when the source is Kinesis', async () => {
    // Prepare
    const small = processorFor(pipeline, { maxRecordBytes: 3000 });
    const events = Array.from({ length: 16 }, (_, i) => ({ message: `line ${i} ${'-'.repeat(250)}` }));
    const event = firehoseTransformationEvent(
      [{ data: cloudWatchLogsPayload(events), kinesis: { partitionKey: 'log-stream-7' } }],
      { sourceStreamName: 'logs' },
    );

    // Act
    const outcome = await runChecked(small, event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped']);
    const records = kinesis.commandCalls(PutRecordsCommand).flatMap((call) => call.args[0].input.Records!);
    expect(records.length).toBeGreaterThan(1);
    expect(new Set(records.map((record) => record.PartitionKey))).toEqual(new Set(['log-stream-7']));
    expect(firehose.calls()).toHaveLength(0);
  });
});
