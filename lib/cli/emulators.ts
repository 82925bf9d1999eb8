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
import { counted } from '../text/count';
import { integerFlag, parseCommandArgs } from './usage';

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
  const s3Port =
    values['s3-port'] === undefined
      ? DEFAULT_S3_PORT
      : integerFlag('s3-port', values['s3-port'], 1, 65535, 'a port from 1 to 65535');
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
  console.log(
    `  (${counted(object.records, 'sample record')}, the object events/s3-object-created.json names)`,
  );
  console.log('In another shell:');
  console.log(exportsFor(emulator.endpoint, object.bucket));
  console.log('Ctrl-C stops the emulator (its data is removed).');
  // Until Ctrl-C or SIGTERM, or until s3rver ends on its own: then say so rather than sit on a dead one.
  let stop!: () => void;
  const signalled = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const ended = await Promise.race([signalled, emulator.exited]);
  // Both, whichever came: a listener left behind would swallow the next Ctrl-C of whoever called run().
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  await emulator.stop();
  if (ended === undefined) return 0;
  console.error(`kpipe emulators: s3rver ended on its own (${ended}); run kpipe emulators again`);
  return 1;
}
