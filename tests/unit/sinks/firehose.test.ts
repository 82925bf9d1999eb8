import 'aws-sdk-client-mock-jest';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { putRecordBatchReliably } from '../../../lib/sinks/firehose';

const firehose = mockClient(FirehoseClient);
const client = new FirehoseClient({ region: 'us-east-1' });

beforeEach(() => {
  firehose.reset();
  firehose.on(PutRecordBatchCommand).callsFake(async (input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
  }));
});
afterAll(() => firehose.restore());

describe('putRecordBatchReliably', () => {
  it('sends the delivery stream name and the records as Data', async () => {
    // Act
    const outcome = await putRecordBatchReliably(client, 'to-s3', [Buffer.from('a'), Buffer.from('b')]);

    // Assess
    expect(outcome).toEqual({
      acknowledged: 2,
      failed: [],
      attempts: 1,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, {
      DeliveryStreamName: 'to-s3',
      Records: [{ Data: Buffer.from('a') }, { Data: Buffer.from('b') }],
    });
  });

  it('splits 501 records into 500 + 1', async () => {
    await putRecordBatchReliably(
      client,
      'to-s3',
      Array.from({ length: 501 }, () => new Uint8Array(1)),
    );

    const sent = firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records?.length);
    expect(sent).toEqual([500, 1]);
  });

  it('names the record and the limit when one is over 1,000 KiB', async () => {
    const outcome = await putRecordBatchReliably(client, 'to-s3', [new Uint8Array(1000 * 1024 + 1)]);

    expect(outcome.failed).toEqual([
      {
        index: 0,
        errorCode: 'RecordTooLarge',
        errorMessage: 'records[0]: record must be at most 1024000 bytes (1,000 KiB), got 1024001 bytes',
      },
    ]);
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('refuses a call without a delivery stream name', async () => {
    await expect(putRecordBatchReliably(client, '', [])).rejects.toThrow('deliveryStreamName is required');
  });
});
