/**
 * `kpipe generate` as a command, with the AWS clients mocked: the senders it plugs in, its exit codes
 * (0 all acknowledged, 1 a record failed, 2 a template error) and what it prints.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, USAGE } from '../../../lib/cli/generate';

const kinesis = mockClient(KinesisClient);
const firehose = mockClient(FirehoseClient);
let stderr: string[];
let stdout: string[];

beforeEach(() => {
  kinesis.reset();
  firehose.reset();
  stderr = [];
  stdout = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void stdout.push(args.join(' ')));
  process.env.AWS_REGION = 'eu-west-1';
});

afterEach(() => jest.restoreAllMocks());

const sentToKinesis = () =>
  kinesis.commandCalls(PutRecordsCommand).flatMap((call) => call.args[0].input.Records ?? []);

describe('kpipe generate', () => {
  it('prints its usage for --help and exits 0 without sending', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(stdout).toEqual([USAGE]);
    expect(kinesis.calls()).toHaveLength(0);
  });

  it('sends every record to a Kinesis stream and exits 0 when all are acknowledged', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_record, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000' })),
    }));
    const code = await run(['--target', 'kinesis:clicks', '--count', '7', '--seed', '1', '--quiet']);
    expect(code).toBe(0);
    const records = sentToKinesis();
    expect(records).toHaveLength(7);
    expect(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.StreamName).toBe('clicks');
    for (const record of records)
      expect(() => JSON.parse(Buffer.from(record.Data!).toString())).not.toThrow();
    expect(stderr.join('\n')).toMatch(/7/);
  });

  it('sends KPL aggregates with --aggregate: fewer Kinesis records than generated', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_record, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000' })),
    }));
    expect(
      await run([
        '--target',
        'kinesis:clicks',
        '--count',
        '20',
        '--aggregate',
        '--partition-key',
        'fixed:k',
        '--seed',
        '1',
        '--quiet',
      ]),
    ).toBe(0);
    const records = sentToKinesis();
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(20);
    // The KPL magic bytes open every aggregate.
    for (const record of records)
      expect(Buffer.from(record.Data!).subarray(0, 4).toString('hex')).toBe('f3899ac2');
  });

  it('exits 1 and names the error when the stream refuses records', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: input.Records.length,
      Records: input.Records.map(() => ({
        ErrorCode: 'InternalFailure',
        ErrorMessage: 'the service failed',
      })),
    }));
    const code = await run(['--target', 'kinesis:clicks', '--count', '3', '--seed', '1', '--quiet']);
    expect(code).toBe(1);
    expect(stderr.join('\n')).toContain('InternalFailure');
  });

  it('sends to a Firehose delivery stream with PutRecordBatch', async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_record, i) => ({ RecordId: `r${i}` })),
    }));
    expect(await run(['--target', 'firehose:raw', '--count', '5', '--seed', '1', '--quiet'])).toBe(0);
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls[0]!.args[0].input.DeliveryStreamName).toBe('raw');
    expect(calls.flatMap((call) => call.args[0].input.Records ?? [])).toHaveLength(5);
  });

  it('exits 2 naming the problem for a template that does not parse, and sends nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kpipe-generate-')), 'bad.hbs');
    writeFileSync(file, '{"id": "{{random.nope}}"}');
    const code = await run(['--template', file, '--target', 'kinesis:clicks', '--count', '1', '--quiet']);
    expect(code).toBe(2);
    expect(stderr.join('\n')).toMatch(/^kpipe generate: /);
    expect(kinesis.calls()).toHaveLength(0);
  });
});
