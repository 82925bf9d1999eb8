/**
 * The bare bundle coldstart.bench.ts compares each function with: what any function here starts with (middy,
 * the Powertools logger, the three SDK clients the sinks use) and the least I/O a function does on its first
 * invocation, one S3 PutObject. It is built without the package plugins, so it keeps the SDK's whole default
 * credential chain, where the packaged functions carry its environment link only (lib/aws/lambda-credentials.ts):
 * part of what `sls package` saves at every cold start, and so part of the ratios.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const logger = new Logger({ serviceName: 'bare' });
const s3 = new S3Client({ forcePathStyle: true });
const clients = [s3, new KinesisClient({}), new FirehoseClient({})];

export const handler = middy(async (event: { Records?: unknown[]; records?: unknown[] }) => {
  const records = (event.Records ?? event.records ?? []).length;
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: 'bare/object', Body: '{}\n' }));
  logger.info('batch processed', { records, clients: clients.length });
  return { records };
}).use(injectLambdaContext(logger));
