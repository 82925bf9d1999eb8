/**
 * One retry layer decides (docs/retries.md): a chunk that keeps failing costs lib/sinks/retry.ts's
 * maxAttempts requests on the wire, not that times the SDK's own attempts. The clients are the project's
 * factories; the HTTP handler below answers every request with a 500 and counts what reaches it.
 */
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { createFirehoseClient, createKinesisClient, createS3Client } from '../../../lib/aws/clients';
import { putRecordBatchReliably } from '../../../lib/sinks/firehose';
import { putRecordsReliably } from '../../../lib/sinks/kinesis';
import { DEFAULT_RETRY_OPTIONS } from '../../../lib/sinks/retry';

const base = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

/** An HTTP handler that fails every request with a 500 (a transient error to both layers). */
function failingHandler(type: string) {
  const requests: HttpRequest[] = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      return {
        response: {
          statusCode: 500,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify({ __type: type, message: 'try later' }))]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { requests, requestHandler };
}

const noSleep = async () => undefined;
const env = { AWS_MAX_ATTEMPTS: '5' }; // ignored for Kinesis and Firehose: the project's retry decides

describe('requests per failing chunk', () => {
  it(`Kinesis PutRecords: ${DEFAULT_RETRY_OPTIONS.maxAttempts}, the project's attempts, each sent once by the SDK`, async () => {
    // Prepare
    const { requests, requestHandler } = failingHandler('InternalFailure');
    const client = createKinesisClient({ env, overrides: { ...base, requestHandler } });

    // Act
    const outcome = await putRecordsReliably(
      client,
      { streamName: 's' },
      [{ data: Buffer.from('{}'), partitionKey: 'k' }],
      { sleep: noSleep },
    );

    // Assess
    expect(outcome.failed).toHaveLength(1);
    expect(outcome.attempts).toBe(DEFAULT_RETRY_OPTIONS.maxAttempts);
    expect(requests).toHaveLength(DEFAULT_RETRY_OPTIONS.maxAttempts);
  });

  it(`Firehose PutRecordBatch: ${DEFAULT_RETRY_OPTIONS.maxAttempts} as well`, async () => {
    // Prepare
    const { requests, requestHandler } = failingHandler('ServiceUnavailableException');
    const client = createFirehoseClient({ env, overrides: { ...base, requestHandler } });

    // Act
    const outcome = await putRecordBatchReliably(client, 'd', [Buffer.from('{}')], { sleep: noSleep });

    // Assess
    expect(outcome.failed).toHaveLength(1);
    expect(requests).toHaveLength(DEFAULT_RETRY_OPTIONS.maxAttempts);
  });

  it('S3 PutObject, which has no retry of its own, keeps the SDK attempts', async () => {
    // Prepare
    const { requests, requestHandler } = failingHandler('InternalError');
    const client = createS3Client({ env: {}, overrides: { ...base, requestHandler, retryMode: 'standard' } });

    // Act
    const sent = client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));

    // Assess
    await expect(sent).rejects.toBeDefined();
    expect(requests).toHaveLength(3);
  }, 20_000);
});
