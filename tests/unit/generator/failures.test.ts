/**
 * `kpipe generate` against a destination that takes nothing: the first error of each kind is named with its
 * message and a hint, the run stops after a few unacknowledged batches (unless --keep-going) and exits 1.
 * The AWS clients are mocked; the senders, sinks and run are the real ones the CLI uses.
 */
import {
  FirehoseClient,
  PutRecordBatchCommand,
  ResourceNotFoundException as FirehoseNotFound,
} from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { awsSinks, run } from '../../../lib/cli/generate';
import { diagnoseFailure } from '../../../lib/generator/errors';
import { parseGenerateArgs } from '../../../lib/generator';
import { runGenerate, STOP_AFTER_UNACKNOWLEDGED_BATCHES } from '../../../lib/generator/run';

const kinesis = mockClient(KinesisClient);
const firehose = mockClient(FirehoseClient);
const quiet = { write: () => undefined };

beforeEach(() => {
  kinesis.reset();
  firehose.reset();
});

/** What the SDK throws, as far as the senders read it: a name, a message, sometimes a code. */
const sdkError = (name: string, message: string, extra: object = {}): Error =>
  Object.assign(new Error(message), { name, $metadata: {} }, extra);

const acknowledgeAll = (input: { Records: unknown[] }) => ({
  FailedRecordCount: 0,
  Records: input.Records.map((_, index) => ({ SequenceNumber: String(index), ShardId: 'shardId-0' })),
});

async function generateTo(target: string, extra: string[] = []) {
  const options = parseGenerateArgs([
    ...['--count', '2000', '--batch-size', '100', '--target', target, '--quiet'],
    ...extra,
  ]);
  return runGenerate(options, { ...awsSinks(), stderr: quiet });
}

describe.each([
  ['region missing', new Error('Region is missing'), 'Error', /set AWS_REGION/],
  [
    'credentials',
    sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
    'CredentialsProviderError',
    /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
  ],
  [
    'endpoint unreachable',
    sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:4567', { code: 'ECONNREFUSED' }),
    'ECONNREFUSED',
    /start the emulator/,
  ],
  [
    'stream not found',
    new ResourceNotFoundException({
      message: 'Stream clickstream-events under account 123456789012 not found.',
      $metadata: {},
    }),
    'ResourceNotFoundException',
    /stream "clickstream-events" does not exist.*aws kinesis create-stream --stream-name clickstream-events/,
  ],
])('a Kinesis target failing with %s', (kind, error, errorCode, hint) => {
  it('names the error with its message and hint, and stops after a few batches', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).rejects(error);

    // Act
    const report = await generateTo('kinesis:clickstream-events');

    // Assess
    expect(report.failures).toEqual([
      {
        kind,
        errorCode,
        errorMessage: expect.stringContaining(error.message) as unknown,
        hint: expect.stringMatching(hint) as unknown,
      },
    ]);
    expect(report.acknowledged).toBe(0);
    expect(report.attempted).toBe(STOP_AFTER_UNACKNOWLEDGED_BATCHES * 100);
    expect(report.failed).toBe(report.attempted);
    expect(report.aborted).toMatch(/nothing acknowledged in 3 batches in a row.*--keep-going/);
  });
});

it('names a delivery stream that does not exist, for a Firehose target', async () => {
  // Prepare
  firehose
    .on(PutRecordBatchCommand)
    .rejects(new FirehoseNotFound({ message: 'Firehose clicks under account 1 not found.', $metadata: {} }));

  // Act
  const report = await generateTo('firehose:clicks');

  // Assess
  expect(report.failures).toEqual([
    expect.objectContaining({
      kind: 'stream not found',
      hint: expect.stringMatching(/^delivery stream "clicks" does not exist/) as unknown,
    }),
  ]);
  expect(report.attempted).toBe(300);
});

it('keeps the first error of each kind, once each, in the order they came', async () => {
  // Prepare: a region error, then credentials, then the region error again with another message
  kinesis
    .on(PutRecordsCommand)
    .rejectsOnce(new Error('Region is missing'))
    .rejectsOnce(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'))
    .rejects(new Error('Region is missing, really'));

  // Act
  const report = await generateTo('kinesis:s');

  // Assess
  expect(report.failures.map(({ kind, errorMessage }) => [kind, errorMessage])).toEqual([
    ['region missing', expect.stringMatching(/^Region is missing \(gave up/)],
    ['credentials', expect.stringMatching(/^Could not load credentials/)],
  ]);
});

it('names unknown errors by code, one line per code, without a hint', async () => {
  kinesis
    .on(PutRecordsCommand)
    .rejectsOnce(sdkError('ValidationException', 'bad'))
    .rejects(sdkError('KMSDisabledException', 'key disabled'));

  const report = await generateTo('kinesis:s');

  expect(report.failures).toEqual([
    {
      kind: 'other',
      errorCode: 'ValidationException',
      errorMessage: expect.stringMatching(/^bad/) as unknown,
    },
    {
      kind: 'other',
      errorCode: 'KMSDisabledException',
      errorMessage: expect.stringMatching(/^key disabled/) as unknown,
    },
  ]);
});

it('sends every record with --keep-going', async () => {
  kinesis.on(PutRecordsCommand).rejects(new Error('Region is missing'));

  const report = await generateTo('kinesis:s', ['--keep-going']);

  expect(report.attempted).toBe(2000);
  expect(report.failed).toBe(2000);
  expect(report.aborted).toBeUndefined();
  expect(report.failures).toHaveLength(1);
});

it('does not stop while some batches are acknowledged: only unacknowledged batches in a row count', async () => {
  // Prepare: two failed batches, one acknowledged, forever
  let call = 0;
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => {
    call += 1;
    if (call % 3 === 0) return acknowledgeAll(input);
    throw sdkError('ResourceNotFoundException', 'gone for a moment');
  });

  // Act
  const report = await generateTo('kinesis:s');

  // Assess
  expect(report.attempted).toBe(2000);
  expect(report.acknowledged).toBeGreaterThan(0);
  expect(report.aborted).toBeUndefined();
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'stream not found' })]);
});

it('reports nothing when every record is acknowledged', async () => {
  kinesis.on(PutRecordsCommand).callsFake(acknowledgeAll);

  const report = await generateTo('kinesis:s');

  expect(report).toMatchObject({ acknowledged: 2000, failed: 0, failures: [] });
});

describe('kpipe generate (the command)', () => {
  it('prints the summary, the cause and its hint, and exits 1', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).rejects(new Error('Region is missing'));
    const printed: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((text: string) => printed.push(text));

    // Act
    let code: number;
    try {
      code = await run([
        '--count',
        '2000',
        '--batch-size',
        '100',
        '--target',
        'kinesis:clickstream-events',
        '--quiet',
      ]);
    } finally {
      spy.mockRestore();
    }

    // Assess
    expect(code).toBe(1);
    const output = printed.join('\n');
    expect(output).toMatch(/^generate: 300 sent, 0 acknowledged, 300 failed/);
    expect(output).toMatch(/stopped early: nothing acknowledged in 3 batches in a row/);
    expect(output).toContain('region missing: Error: Region is missing');
    expect(output).toContain('-> set AWS_REGION');
  });
});

describe('diagnoseFailure', () => {
  it.each([
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 'credentials'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND kinesis.nowhere', 'endpoint unreachable'],
    ['TimeoutError', 'socket timed out', 'endpoint unreachable'],
    ['AccessDeniedException', 'User is not authorized', 'access denied'],
    ['ProvisionedThroughputExceededException', 'Rate exceeded', 'other'],
  ])('%s (%s) is %s', (errorCode, errorMessage, kind) => {
    expect(diagnoseFailure({ errorCode, errorMessage }, { kind: 'stream', name: 's' }).kind).toBe(kind);
  });
});
