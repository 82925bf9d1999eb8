import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformer } from '../../../lib/local/firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { ManualClock } from '../../../lib/local/firehose-buffer';
import { createEmulatedFirehose, type BufferFill } from '../../../lib/local/firehose';
import type { DeliveryConfig } from '../../../lib/pipeline/types';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const MIB = 1024 * 1024;

beforeEach(() => {
  s3mock.reset();
  s3mock.on(PutObjectCommand).resolves({ ETag: '"etag"' });
});
afterAll(() => s3mock.restore());

const delivery: DeliveryConfig = {
  name: 'clicks',
  source: 'direct-put',
  processor: { function: 'firehoseTransformer', bufferSizeMB: 1, bufferIntervalSeconds: 30, retries: 0 },
  buffering: { sizeMB: 64, intervalSeconds: 60 },
  prefix: 'raw/event_type=!{partitionKeyFromLambda:event_type}/',
  errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
  compression: 'UNCOMPRESSED',
  sourceRecordBackup: true,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
};

/** Keys each record by its event_type; a record without one has no key and fails its prefix. */
const keyed: FirehoseTransformer = (event) => ({
  records: event.records.map((record) => {
    const { event_type } = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as {
      event_type?: string;
    };
    const partitionKeys: Record<string, string> = event_type === undefined ? {} : { event_type };
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: record.data,
      metadata: { partitionKeys },
    };
  }),
});

const byStage = (fills: BufferFill[]): Record<string, Omit<BufferFill, 'stage' | 'partition'>> =>
  Object.fromEntries(fills.map(({ stage, partition, ...rest }) => [`${stage}:${partition}`, rest] as const));

describe('bufferFill', () => {
  it('shows each buffer with its records, bytes, age and limits as records move through the stages', async () => {
    // Prepare
    const clock = new ManualClock(T0);
    const stream = createEmulatedFirehose({ delivery, s3, bucket: 'lake', clock, transformer: keyed });
    const a = '{"event_type":"a"}';
    const b = '{"event_type":"bb"}';
    const none = '{"n":1}';

    // Act 1: three records wait in the processor buffer (and the backup) for 10 s.
    stream.put([a, a, b]);
    clock.advance(10_000);
    const waiting = byStage(stream.bufferFill());

    // Act 2: the processor flushes at 30 s; a record without key reaches the error buffer; 5 s later.
    stream.put([none]);
    clock.advance(20_000);
    await stream.drain();
    clock.advance(5_000);
    const partitioned = byStage(stream.bufferFill());

    // Act 3: everything written.
    await stream.flush();
    const flushed = byStage(stream.bufferFill());

    // Assess
    const backupLimits = { maxBytes: 128 * MIB, intervalMs: 900_000 };
    expect(waiting).toEqual({
      'processor:': {
        records: 3,
        bytes: 2 * a.length + b.length,
        ageMs: 10_000,
        maxBytes: MIB,
        intervalMs: 30_000,
      },
      'backup:': { records: 3, bytes: 2 * a.length + b.length, ageMs: 10_000, ...backupLimits },
    });
    const partitionLimits = { maxBytes: 64 * MIB, intervalMs: 60_000 };
    expect(partitioned).toEqual({
      'processor:': { records: 0, bytes: 0, ageMs: 0, maxBytes: MIB, intervalMs: 30_000 },
      'partition:event_type=a': { records: 2, bytes: 2 * a.length, ageMs: 5_000, ...partitionLimits },
      'partition:event_type=bb': { records: 1, bytes: b.length, ageMs: 5_000, ...partitionLimits },
      'error:processing-failed': {
        records: 1,
        bytes: expect.any(Number) as number,
        ageMs: 5_000,
        ...partitionLimits,
      },
      'backup:': { records: 4, bytes: 2 * a.length + b.length + none.length, ageMs: 35_000, ...backupLimits },
    });
    expect(partitioned['error:processing-failed']?.bytes).toBeGreaterThan(none.length);
    expect(flushed).toEqual({
      'processor:': { records: 0, bytes: 0, ageMs: 0, maxBytes: MIB, intervalMs: 30_000 },
      'error:processing-failed': { records: 0, bytes: 0, ageMs: 0, ...partitionLimits },
      'backup:': { records: 0, bytes: 0, ageMs: 0, ...backupLimits },
    });
  });

  it('lists no processor buffer without a processor, and one unnamed partition for a prefix without keys', () => {
    // Prepare
    const clock = new ManualClock(T0);
    const stream = createEmulatedFirehose({
      delivery: {
        ...delivery,
        processor: { ...delivery.processor, function: 'none' },
        prefix: 'raw/',
        sourceRecordBackup: false,
      },
      s3,
      bucket: 'lake',
      clock,
    });

    // Act
    stream.put(['x', 'yy']);
    clock.advance(1_500);

    // Assess
    expect(stream.bufferFill()).toEqual([
      {
        stage: 'partition',
        partition: '',
        records: 2,
        bytes: 3,
        ageMs: 1_500,
        maxBytes: 64 * MIB,
        intervalMs: 60_000,
      },
    ]);
  });
});
