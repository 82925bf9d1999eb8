import 'aws-sdk-client-mock-jest';
import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createResultSink,
  ResultDeliveryError,
  resultObjectKey,
  type Emission,
} from '../../../lib/analytics';
import type { SinkConfig } from '../../../lib/pipeline/types';

const s3 = mockClient(S3Client);
const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);
const clients = {
  s3: () => new S3Client({ region: 'eu-west-1' }),
  firehose: () => new FirehoseClient({ region: 'eu-west-1' }),
  kinesis: () => new KinesisClient({ region: 'eu-west-1' }),
};
const retry = { maxAttempts: 2, sleep: async () => undefined };
const emission: Emission = { shardId: 'shardId-000000000001', windowStart: '2026-11-22T12:05:00Z', part: 2 };
const rows = [
  { window_start: '2026-11-22T12:05:00Z', event_type: 'click', n: 3 },
  { window_start: '2026-11-22T12:05:00Z', event_type: 'view', n: 1 },
];

beforeEach(() => {
  s3.reset();
  firehose.reset();
  kinesis.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
  firehose.on(PutRecordBatchCommand).callsFake(async (input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
  }));
  kinesis.on(PutRecordsCommand).callsFake(async (input: { Records: unknown[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map((_, i) => ({ SequenceNumber: `${i}`, ShardId: 'shardId-000000000000' })),
  }));
});
afterAll(() => {
  s3.restore();
  firehose.restore();
  kinesis.restore();
});

function sink(config: SinkConfig) {
  return createResultSink(config, { clients, bucket: 'lake', retry });
}

describe('result sinks', () => {
  it.each([
    [true, 'gzip', 'analytics/dt=2026-11-22/shardId-000000000001/20261122T120500Z-part-2.jsonl.gz'],
    [false, 'none', 'analytics/shardId-000000000001/20261122T120500Z-part-2.jsonl'],
  ] as const)(
    's3 (partitioned %s, %s) writes JSON lines under a key from shard, window and part',
    async (partitioned, compression, key) => {
      // Prepare
      const target = sink({ type: 's3', prefix: 'analytics/', format: 'jsonl', compression, partitioned });

      // Act
      const written = await target.write(rows, emission);
      await target.write(rows, emission);

      // Assess: the retry overwrites the same object.
      expect(written).toEqual({ written: 2, target: key });
      const calls = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(calls.map((input) => input.Key)).toEqual([key, key]);
      const body = calls[0]!.Body as Buffer;
      const text = (compression === 'gzip' ? gunzipSync(body) : body).toString();
      expect(
        text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual(rows);
    },
  );

  it('s3 writes nothing for a window without rows', async () => {
    const written = await sink({
      type: 's3',
      prefix: 'a/',
      format: 'jsonl',
      compression: 'none',
      partitioned: false,
    }).write([], emission);
    expect(written.written).toBe(0);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('firehose sends one newline-terminated JSON record per row', async () => {
    // Act
    await sink({ type: 'firehose', deliveryStream: 'results' }).write(rows, emission);

    // Assess
    const sent = firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input;
    expect(sent.DeliveryStreamName).toBe('results');
    expect(sent.Records!.map((record) => Buffer.from(record.Data!).toString())).toEqual(
      rows.map((row) => `${JSON.stringify(row)}\n`),
    );
  });

  it.each([
    [undefined, ['shardId-000000000001', 'shardId-000000000001']],
    ['event_type', ['click', 'view']],
  ])('kinesis partitions by %s', async (partitionKeyField, keys) => {
    // Act
    await sink({ type: 'kinesis', stream: 'results', partitionKeyField }).write(rows, emission);

    // Assess
    const sent = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(sent.StreamName).toBe('results');
    expect(sent.Records!.map((record) => record.PartitionKey)).toEqual(keys);
    expect(JSON.parse(Buffer.from(sent.Records![0]!.Data!).toString())).toEqual(rows[0]);
  });

  it.each<[string, SinkConfig, () => void, RegExp]>([
    [
      's3 refusing the write',
      { type: 's3', prefix: 'a/', format: 'jsonl', compression: 'none', partitioned: false },
      () => s3.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' })),
      /s3:a\/: .*denied/,
    ],
    [
      'firehose throttling every attempt',
      { type: 'firehose', deliveryStream: 'results' },
      () =>
        firehose.on(PutRecordBatchCommand).resolves({
          FailedPutCount: 2,
          RequestResponses: [
            { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' },
            { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' },
          ],
        }),
      /firehose:results: 2 of 2 rows not delivered \(ServiceUnavailableException\)/,
    ],
    [
      'kinesis losing one record',
      { type: 'kinesis', stream: 'results' },
      () =>
        // The first row lands; the second is throttled on every attempt.
        kinesis.on(PutRecordsCommand).callsFake(async (input: { Records: unknown[] }) => ({
          FailedRecordCount: 1,
          Records: input.Records.map((_, i) =>
            i === 0 && input.Records.length === 2
              ? { SequenceNumber: '1', ShardId: 's' }
              : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'busy' },
          ),
        })),
      /kinesis:results: 1 of 2 rows not delivered \(ProvisionedThroughputExceededException\)/,
    ],
  ])('%s throws ResultDeliveryError naming the sink', async (_name, config, fail, message) => {
    // Prepare
    fail();

    // Act
    const error = await sink(config)
      .write(rows, emission)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ResultDeliveryError);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[SinkConfig, string | undefined, RegExp]>([
    [
      { type: 's3', prefix: 'a/', format: 'jsonl', compression: 'none', partitioned: false },
      undefined,
      /needs a bucket/,
    ],
  ])('refuses at cold start %j (bucket %s)', (config, bucket, message) => {
    expect(() => createResultSink(config, { clients, bucket })).toThrow(message);
  });

  it('keys with milliseconds and an unparsable window stay safe', () => {
    const config = { prefix: 'p/', partitioned: true, compression: 'none' } as const;
    expect(resultObjectKey(config, { ...emission, windowStart: '2026-11-22T12:05:00.250Z', part: 0 })).toBe(
      'p/dt=2026-11-22/shardId-000000000001/20261122T120500250Z-part-0.jsonl',
    );
    expect(resultObjectKey(config, { ...emission, windowStart: 'soon/../x', part: 0 })).toBe(
      'p/dt=unknown/shardId-000000000001/soonx-part-0.jsonl',
    );
  });
});
