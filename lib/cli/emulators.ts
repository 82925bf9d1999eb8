/**
 * `kpipe emulators`: what `sls invoke local` needs on this machine, until Ctrl-C. s3rver on a fixed port
 * with the bucket the sample events use and the raw object `events/s3-object-created.json` names, and the
 * exports that point the functions at it.
 */
import { createServer } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/clients';
import { sampleRawObject } from '../events/samples';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localOverrides, startS3rver } from '../local/emulators';
import { loadPipeline } from '../pipeline/load';
import { parseCommandArgs, UsageError } from './usage';

export const USAGE = `usage: kpipe emulators [--s3-port N] [--pipeline FILE]

Starts s3rver on 127.0.0.1 (default port 4569) with the bucket the sample events use and the raw object
events/s3-object-created.json names, prints the exports for \`sls invoke local\` and runs until Ctrl-C.`;

export const DEFAULT_S3_PORT = 4569;

/** The shell line that points the functions at the emulator (what README "Try one function" shows). */
export function exportsFor(endpoint: string, bucket: string): string {
  return [
    `export AWS_ENDPOINT_URL_S3=${endpoint} AWS_REGION=${LOCAL_REGION}`,
    `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    `BUCKET_NAME=${bucket}`,
  ].join(' ');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function port(text: string | undefined): number {
  if (text === undefined) return DEFAULT_S3_PORT;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new UsageError(`--s3-port must be a port from 1 to 65535, got "${text}"`);
  return value;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      's3-port': { type: 'string' },
      pipeline: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const s3Port = port(values['s3-port']);
  const object = sampleRawObject(loadPipeline(values.pipeline).config);
  // s3rver does not reject on a busy port: its server emits an unhandled 'error' that ends the process.
  if (!(await portIsFree(s3Port))) {
    console.error(
      `kpipe emulators: port ${s3Port} is in use (another kpipe emulators?); stop it or pass --s3-port`,
    );
    return 1;
  }
  const emulator = await startS3rver({ port: s3Port, buckets: [object.bucket] });
  const client = createS3Client({ env: {}, overrides: localOverrides(emulator.endpoint) });
  try {
    await client.send(new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: object.body }));
  } catch (error) {
    // A running server would keep the process alive behind the error.
    await emulator.stop();
    throw error;
  } finally {
    client.destroy();
  }
  console.log(
    `s3rver on ${emulator.endpoint}: bucket ${object.bucket}, with s3://${object.bucket}/${object.key}`,
  );
  console.log(`  (${object.records} sample records, the object events/s3-object-created.json names)`);
  console.log('In another shell:');
  console.log(exportsFor(emulator.endpoint, object.bucket));
  console.log('Ctrl-C stops the emulator (its data is removed).');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.stop();
  return 0;
}
