/**
 * Re-ingestion targets, over the real-world events (../shared/reference/real-world/events): the SAM CLI's
 * streams-as-source event misspells `deliverySteamArn` and holds a placeholder ARN; aws-lambda-go's event has
 * a source stream in another region than the function. Nothing may throw, a malformed ARN is never sent as a
 * name, and requests go to the ARN's region.
 */
import { readFileSync } from 'node:fs';
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import {
  deliveryStreamArnOf,
  NO_REINGEST_TARGET,
  parseStreamArn,
  type FirehoseInvocation,
  type FirehoseMode,
} from '../../../lib/firehose';
import { noSleep, pipelineOf, processorFor, results, runChecked } from './helpers';

const EVENTS = '../shared/reference/real-world/events';
const readEvent = (path: string): FirehoseInvocation =>
  JSON.parse(readFileSync(`${EVENTS}/${path}`, 'utf8')) as FirehoseInvocation;
/** SAM CLI streams-as-source event whose one record holds two objects with different partition keys. */
const samMixed = (): FirehoseInvocation => readEvent('derived/sam-streams-as-source-mixed-keys.json');

const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);
const pipeline = pipelineOf({});
const saved = { ...process.env };

beforeEach(() => {
  firehose.reset();
  kinesis.reset();
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: _Record[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map(() => ({ RecordId: 'r' })),
  }));
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
  }));
  // The function's own region, which re-ingestion must not use when the ARN names another.
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
});
afterAll(() => {
  process.env = saved;
});

/** The processor with the default clients (built per region by lib/aws/clients.ts), mocked by class. */
function defaultClientsProcessor(mode: FirehoseMode) {
  return processorFor(pipeline, { mode, clients: undefined });
}

/** Region of the client instance a mocked command was sent through. */
async function regionOf(call: { thisValue: unknown }): Promise<string> {
  const client = call.thisValue as { config: { region: () => Promise<string> } };
  return client.config.region();
}

const MODES: FirehoseMode[] = ['transform', 'keys'];

describe.each(MODES)('the SAM CLI streams-as-source event (%s mode)', (mode) => {
  it('answers with ProcessingFailed and the reason instead of throwing, sending nothing', async () => {
    // Prepare
    const event = samMixed();
    expect(event.deliveryStreamArn).toBeUndefined();
    expect(event.deliverySteamArn).toBe('arn:aws:kinesis:EXAMPLE');

    // Act
    const outcome = await runChecked(defaultClientsProcessor(mode), event);

    // Assess
    expect(results(outcome)).toEqual(['ProcessingFailed']);
    expect(outcome.summary.failed).toEqual({ 'reingest-failed': 1 });
    expect(outcome.summary.reingest).toMatchObject({
      target: 'none',
      records: 1,
      errors: [NO_REINGEST_TARGET],
    });
    const message = outcome.summary.failures[0]!.message;
    expect(message).toContain('reingested-split-keys');
    expect(message).toContain('"arn:aws:kinesis:EXAMPLE" is not a delivery stream ARN');
    expect(message).toContain('arn:aws:firehose:<region>:<account>:deliverystream/<name>');
    expect(firehose.calls()).toHaveLength(0);
    expect(kinesis.calls()).toHaveLength(0);
  });

  it('reads the misspelt field as the delivery stream ARN and signs for its region', async () => {
    // Prepare
    const event = samMixed();
    event.deliverySteamArn = 'arn:aws:firehose:eu-central-1:123456789012:deliverystream/clicks-delivery';

    // Act
    const outcome = await runChecked(defaultClientsProcessor(mode), event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped']);
    expect(outcome.summary.deliveryStreamArn).toBe(event.deliverySteamArn);
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.DeliveryStreamName).toBe('clicks-delivery');
    expect(calls[0]!.args[0].input.Records).toHaveLength(2);
    expect(await regionOf(calls[0]!)).toBe('eu-central-1');
  });
});

describe('aws-lambda-go event: source stream in another region than the function', () => {
  it('puts the parts back into the source stream through a client of the ARN region', async () => {
    // Prepare: its records say "Hello World"; the first gets the mixed-key data so that it must be split.
    const event = readEvent('aws-lambda-go/kinesis-firehose-event.json');
    expect(event.region).toBe('us-west-2');
    event.records[0]!.data = samMixed().records[0]!.data;

    // Act
    const outcome = await runChecked(defaultClientsProcessor('transform'), event);

    // Assess
    expect(results(outcome)).toEqual(['Dropped', 'ProcessingFailed']);
    const calls = kinesis.commandCalls(PutRecordsCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.StreamARN).toBe('arn:aws:kinesis:us-east-1:123456789012:stream/test');
    expect(input.Records!.map((record) => record.PartitionKey)).toEqual([
      '4d1ad2b9-24f8-4b9d-a088-76e9947c317a',
      '4d1ad2b9-24f8-4b9d-a088-76e9947c317a',
    ]);
    expect(await regionOf(calls[0]!)).toBe('us-east-1');
    expect(firehose.calls()).toHaveLength(0);
  });

  it('builds one client per region and reuses it', async () => {
    // Prepare
    const process = defaultClientsProcessor('transform');
    const event = (region: string): FirehoseInvocation => {
      const base = readEvent('aws-lambda-go/kinesis-firehose-event.json');
      base.sourceKinesisStreamArn = `arn:aws:kinesis:${region}:123456789012:stream/test`;
      base.records = [{ ...base.records[0]!, data: samMixed().records[0]!.data }];
      return base;
    };

    // Act
    for (const region of ['ap-southeast-2', 'sa-east-1', 'ap-southeast-2']) await process(event(region));

    // Assess
    const calls = kinesis.commandCalls(PutRecordsCommand);
    expect(await Promise.all(calls.map(regionOf))).toEqual(['ap-southeast-2', 'sa-east-1', 'ap-southeast-2']);
    expect(calls[2]!.thisValue).toBe(calls[0]!.thisValue);
    expect(calls[1]!.thisValue).not.toBe(calls[0]!.thisValue);
  });
});

describe('events without a valid place to put records back', () => {
  const valid = 'arn:aws:firehose:us-east-2:123456789012:deliverystream/delivery-stream-name';

  it.each([
    ['a bare name', { deliveryStreamArn: 'delivery-stream-name' }, 'is not a delivery stream ARN'],
    ['another service', { deliveryStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' }, 'is not a'],
    ['no name', { deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/' }, 'is not a'],
    ['no ARN at all', { deliveryStreamArn: undefined }, 'deliveryStreamArn none is not'],
    [
      'a malformed source stream ARN (never a fallback to the delivery stream)',
      { deliveryStreamArn: valid, sourceKinesisStreamArn: 'arn:aws:kinesis:EXAMPLE' },
      'sourceKinesisStreamArn "arn:aws:kinesis:EXAMPLE" is not a stream ARN',
    ],
  ])('%s: the record fails with the reason, nothing is sent', async (_name, fields, reason) => {
    // Prepare
    const event = { ...samMixed(), deliverySteamArn: undefined, ...fields };

    // Act
    const outcome = await runChecked(processorFor(pipeline, { retry: noSleep }), event);

    // Assess
    expect(results(outcome)).toEqual(['ProcessingFailed']);
    expect(outcome.summary.failures[0]!.message).toContain(reason);
    expect(outcome.summary.reingest.target).toBe('none');
    expect(firehose.calls()).toHaveLength(0);
    expect(kinesis.calls()).toHaveLength(0);
  });

  it('the same event with a valid ARN is re-ingested (the cases above fail only for the ARN)', async () => {
    const outcome = await runChecked(processorFor(pipeline), { ...samMixed(), deliveryStreamArn: valid });
    expect(results(outcome)).toEqual(['Dropped']);
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input.DeliveryStreamName).toBe(
      'delivery-stream-name',
    );
  });
});

describe('parseStreamArn', () => {
  it.each([
    [
      'firehose',
      'arn:aws:firehose:us-east-1:123456789012:deliverystream/PUT-S3-tdyyE',
      'us-east-1',
      'PUT-S3-tdyyE',
    ],
    ['firehose', 'arn:aws-cn:firehose:cn-north-1:123456789012:deliverystream/a.b_c', 'cn-north-1', 'a.b_c'],
    ['kinesis', 'arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/test', 'us-gov-west-1', 'test'],
    [
      'kinesis',
      `arn:aws:kinesis:eu-west-1:123456789012:stream/${'s'.repeat(128)}`,
      'eu-west-1',
      's'.repeat(128),
    ],
  ] as const)('%s %s → region and name', (service, arn, region, name) => {
    expect(parseStreamArn(service, arn)).toEqual({ region, name });
  });

  it.each([
    ['firehose', 'arn:aws:kinesis:EXAMPLE'],
    ['firehose', 'aws:lambda:events'],
    ['firehose', 'arn:aws:firehose:us-east-1:123456789012:deliverystream/' + 'd'.repeat(65)],
    ['firehose', 'arn:aws:firehose:us-east-1:12345:deliverystream/short-account'],
    ['firehose', 'arn:aws:firehose::123456789012:deliverystream/no-region'],
    ['firehose', 'arn:aws:firehose:us-east-1:123456789012:deliverystream/bad name'],
    ['firehose', 'arn:aws:kinesis:us-east-1:123456789012:stream/wrong-service'],
    ['kinesis', 'arn:aws:kinesis:us-east-1:123456789012:deliverystream/wrong-resource'],
    ['kinesis', 'arn:aws:kinesis:us-east-1:123456789012:stream/x/consumer/c:1'],
    ['kinesis', undefined],
  ] as const)('%s refuses %s', (service, arn) => {
    expect(parseStreamArn(service, arn)).toBeUndefined();
  });
});

describe('deliveryStreamArnOf', () => {
  it('prefers the right spelling, reads the SAM CLI one, and is undefined without either', () => {
    const base = samMixed();
    expect(deliveryStreamArnOf({ ...base, deliveryStreamArn: 'a', deliverySteamArn: 'b' })).toBe('a');
    expect(deliveryStreamArnOf(base)).toBe('arn:aws:kinesis:EXAMPLE');
    expect(deliveryStreamArnOf({ ...base, deliverySteamArn: undefined })).toBeUndefined();
  });
});
