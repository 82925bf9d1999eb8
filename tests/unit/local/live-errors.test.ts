/** The Firehose side's error records on the live feed: processing, delivery and format-conversion failures. */
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { ManualClock } from '../../../lib/local/firehose-buffer';
import { createEmulatedFirehose, type FirehoseErrorRecord } from '../../../lib/local/firehose';
import { createLiveChannel } from '../../../lib/local/live';
import { conversionErrorInputs, firehoseErrorInput } from '../../../lib/local/live-errors';
import { createLivePublisher, type LivePublisher } from '../../../lib/local/live-model';
import type { ErrorsMessage } from '../../../lib/local/live-types';
import type { DeliveryConfig } from '../../../lib/pipeline/types';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

beforeEach(() => s3mock.reset());
afterAll(() => s3mock.restore());

const delivery: DeliveryConfig = {
  name: 'clicks',
  source: 'direct-put',
  processor: { function: 'firehoseTransformer', bufferSizeMB: 1, bufferIntervalSeconds: 60, retries: 0 },
  buffering: { sizeMB: 64, intervalSeconds: 60 },
  prefix: 'raw/',
  errorOutputPrefix: 'errors/',
  compression: 'UNCOMPRESSED',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
};

/** Records starting with `bad` fail in the transformer; the rest pass unchanged. */
const transformer = (event: FirehoseTransformationEvent) => ({
  records: event.records.map((record) => ({
    recordId: record.recordId,
    result: Buffer.from(record.data, 'base64').toString().startsWith('bad')
      ? ('ProcessingFailed' as const)
      : ('Ok' as const),
    data: record.data,
  })),
});

function publisherWithErrors(): { publisher: LivePublisher; errors: () => ErrorsMessage } {
  const channel = createLiveChannel();
  const publisher = createLivePublisher({
    channel,
    read: () => ({ run: {}, shards: [], buffers: undefined }),
    rawLimit: 16,
  });
  return {
    publisher,
    errors: () => channel.snapshot().find((message) => message.type === 'errors') as ErrorsMessage,
  };
}

describe('the emulated Firehose tells onErrorRecord of each failed record', () => {
  it('processing failures with their error code and raw data, delivery failures with why the write failed', async () => {
    // Prepare: objects under raw/ are refused for good (403); error objects are stored.
    s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (String(input.Key).startsWith('raw/'))
        throw Object.assign(new Error('denied by the test'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      return { ETag: '"e"' };
    });
    const { publisher, errors } = publisherWithErrors();
    const seen: FirehoseErrorRecord[] = [];
    const stream = createEmulatedFirehose({
      delivery,
      s3,
      bucket: 'lake',
      clock: new ManualClock(Date.UTC(2026, 11, 5)),
      transformer,
      logger: { warn: jest.fn(), error: jest.fn() },
      onErrorRecord: (record) => {
        seen.push(record);
        publisher.error(firehoseErrorInput(record));
      },
    });

    // Act
    stream.put(['bad <img src=x onerror=alert(1)> and more bytes\n', 'good-1\n', 'good-2\n']);
    await stream.flush();

    // Assess
    expect(seen.map((record) => [record.kind, record.errorCode, record.rawData.toString()])).toEqual([
      ['processing', 'Lambda.ProcessingFailedStatus', 'bad <img src=x onerror=alert(1)> and more bytes\n'],
      ['delivery', 'S3.PutObjectFailed', 'good-1\n'],
      ['delivery', 'S3.PutObjectFailed', 'good-2\n'],
    ]);
    expect(seen[0]!.outputType).toBe('processing-failed');
    expect(seen[1]!.errorMessage).toMatch(
      /PutObject s3:\/\/lake\/raw\/.* failed: AccessDenied: denied by the test \(after 1 attempt\(s\)\)$/,
    );
    const last = errors().last;
    expect(last.map((sample) => [sample.stage, sample.reason])).toEqual([
      ['firehose', 'Lambda.ProcessingFailedStatus'],
      ['objects', 'S3.PutObjectFailed'],
      ['objects', 'S3.PutObjectFailed'],
    ]);
    expect(last[0]).toMatchObject({
      message: 'processing-failed: ProcessingFailed status set for record',
      rawData: 'bad <img src=x o',
      truncated: true,
      rawBytes: 48,
    });
    expect(last[1]!.message).toMatch(/^delivery failed: S3WriteError: S3 PutObject/);
    expect(stream.stats()).toMatchObject({ errorOutput: 1, deliveryFailed: 2 });
  });

  it('a listener that throws changes nothing for the records', async () => {
    s3mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const stream = createEmulatedFirehose({
      delivery,
      s3,
      bucket: 'lake',
      transformer,
      onErrorRecord: () => {
        throw new Error('broken watcher');
      },
    });

    stream.put(['bad\n', 'good\n']);
    await stream.flush();

    expect(stream.stats()).toMatchObject({ delivered: 1, errorOutput: 1, deliveryFailed: 0, pending: 0 });
  });
});

describe('conversionErrorInputs', () => {
  /** The part of the SDK's body stream the reader uses. */
  const body = (bytes: Buffer) => ({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } });
  const line = (fields: Record<string, unknown>) => JSON.stringify(fields);

  it('reads the first records of a gzip error object as converter errors, their raw data decoded', async () => {
    const lines = [
      line({
        code: 'DataFormatConversion.MalformedData',
        message: 'price is not a number',
        sourceKey: 'raw/a.gz',
        recordNumber: 3,
        rawData: Buffer.from('{"price":"x"}').toString('base64'),
      }),
      'not json at all',
      line({
        code: 'DataFormatConversion.MissingField',
        sourceKey: 'raw/a.gz',
        recordNumber: 9,
        rawData: '',
      }),
      line({ code: 'third', rawData: '' }),
    ];
    s3mock
      .on(GetObjectCommand, { Bucket: 'lake', Key: 'errors/a.jsonl.gz' })
      .resolves(body(gzipSync(lines.join('\n'))) as never);
    const { publisher, errors } = publisherWithErrors();

    const inputs = await conversionErrorInputs(s3, 'lake', 'errors/a.jsonl.gz', 2);
    for (const input of inputs) publisher.error(input);

    expect(inputs.map((input) => [input.stage, input.reason, input.message])).toEqual([
      [
        'converter',
        'DataFormatConversion.MalformedData',
        'format conversion failed (raw/a.gz record 3): price is not a number',
      ],
      ['converter', 'DataFormatConversion.MissingField', 'format conversion failed (raw/a.gz record 9)'],
    ]);
    expect(errors().last[0]).toMatchObject({ rawData: '{"price":"x"}', rawBytes: 13, truncated: false });
  });

  it('gives nothing for an object that does not decompress', async () => {
    s3mock.on(GetObjectCommand).resolves(body(Buffer.from([0x1f, 0x8b, 1, 2, 3])) as never);

    await expect(conversionErrorInputs(s3, 'lake', 'errors/bad.gz', 5)).resolves.toEqual([]);
  });
});
