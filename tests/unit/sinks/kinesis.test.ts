import 'aws-sdk-client-mock-jest';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { putRecordsReliably, type KinesisEntry } from '../../../lib/sinks/kinesis';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'us-east-1' });
const MiB = 1024 * 1024;

const okFor = (input: { Records: unknown[] }) => ({
  FailedRecordCount: 0,
  Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
});

beforeEach(() => {
  kinesis.reset();
  kinesis.on(PutRecordsCommand).callsFake(async (input) => okFor(input));
});
afterAll(() => kinesis.restore());

const data = (bytes: number) => new Uint8Array(bytes);

describe('putRecordsReliably', () => {
  it('sends the stream name, data, partition key and explicit hash key', async () => {
    // Prepare
    const entries: KinesisEntry[] = [
      { data: Buffer.from('a'), partitionKey: 'user-1' },
      { data: Buffer.from('b'), partitionKey: 'user-2', explicitHashKey: '42' },
    ];

    // Act
    const outcome = await putRecordsReliably(client, { streamName: 'clicks' }, entries);

    // Assess
    expect(outcome).toEqual({
      acknowledged: 2,
      failed: [],
      attempts: 1,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 1);
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, {
      StreamName: 'clicks',
      Records: [
        { Data: Buffer.from('a'), PartitionKey: 'user-1' },
        { Data: Buffer.from('b'), PartitionKey: 'user-2', ExplicitHashKey: '42' },
      ],
    });
  });

  it('addresses the stream by ARN', async () => {
    const streamARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

    await putRecordsReliably(client, { streamARN }, [{ data: data(1), partitionKey: 'k' }]);

    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamARN: streamARN });
  });

  it('refuses a call without a stream name or ARN', async () => {
    await expect(putRecordsReliably(client, {}, [])).rejects.toThrow('streamName or streamARN is required');
  });

  it.each([
    ['empty', false, ''],
    ['1 character', true, 'a'],
    ['256 characters', true, 'k'.repeat(256)],
    ['257 characters', false, 'k'.repeat(257)],
    ['256 astral characters (512 UTF-16 units)', true, '😀'.repeat(256)],
    ['257 astral characters', false, '😀'.repeat(257)],
  ])('partition key %s: accepted = %s', async (_name, accepted, partitionKey) => {
    // Act
    const outcome = await putRecordsReliably(client, { streamName: 's' }, [
      { data: data(1), partitionKey: 'ok' },
      { data: data(1), partitionKey },
    ]);

    // Assess
    expect(outcome.acknowledged).toBe(accepted ? 2 : 1);
    expect(outcome.failed).toEqual(
      accepted
        ? []
        : [
            {
              index: 1,
              errorCode: 'InvalidPartitionKey',
              errorMessage: expect.stringMatching(
                /^entries\[1\]: partition key must be .* got \d+ characters$/,
              ),
            },
          ],
    );
    expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records).toHaveLength(accepted ? 2 : 1);
  });

  it.each([
    ['a 1-byte key, data filling the rest of 1 MiB', 'k', MiB - 1, true],
    ['a 1-byte key, one byte over', 'k', MiB, false],
    ['a 4-byte UTF-8 key counted in bytes', '😀', MiB - 4, true],
    ['a 4-byte UTF-8 key, one byte over', '😀', MiB - 3, false],
  ])(
    'counts the partition key in the 1 MiB record limit: %s',
    async (_name, partitionKey, bytes, accepted) => {
      const outcome = await putRecordsReliably(client, { streamName: 's' }, [
        { data: data(bytes), partitionKey },
      ]);

      expect(outcome.acknowledged).toBe(accepted ? 1 : 0);
      expect(outcome.failed.map((f) => f.errorCode)).toEqual(accepted ? [] : ['RecordTooLarge']);
      expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, accepted ? 1 : 0);
    },
  );

  it('counts partition keys in the 5 MiB request limit', async () => {
    // Prepare: five records of exactly 1 MiB each only when the 10-byte keys are counted.
    const key = 'k'.repeat(10);
    const entries = Array.from({ length: 6 }, () => ({ data: data(MiB - 10), partitionKey: key }));

    // Act
    await putRecordsReliably(client, { streamName: 's' }, entries);

    // Assess
    const sent = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length);
    expect(sent).toEqual([5, 1]);
  });

  it.each([
    ['0', true],
    [(2n ** 128n - 1n).toString(), true],
    [(2n ** 128n).toString(), false],
    ['-1', false],
    ['0x10', false],
    ['', false],
  ])('explicit hash key %j: accepted = %s', async (explicitHashKey, accepted) => {
    const outcome = await putRecordsReliably(client, { streamName: 's' }, [
      { data: data(1), partitionKey: 'k', explicitHashKey },
    ]);

    expect(outcome.failed.map((f) => f.errorCode)).toEqual(accepted ? [] : ['InvalidExplicitHashKey']);
  });

  it('rejects an entry whose data is not bytes, naming it', async () => {
    const entries = [{ data: 'text' as unknown as Uint8Array, partitionKey: 'k' }];

    const outcome = await putRecordsReliably(client, { streamName: 's' }, entries);

    expect(outcome.failed).toEqual([
      { index: 0, errorCode: 'InvalidData', errorMessage: 'entries[0]: data must be a Uint8Array, string' },
    ]);
  });

  it('fails fast on invalid retry options', async () => {
    await expect(putRecordsReliably(client, { streamName: 's' }, [], { maxAttempts: 0 })).rejects.toThrow(
      'maxAttempts must be an integer >= 1, got 0',
    );
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });
});
