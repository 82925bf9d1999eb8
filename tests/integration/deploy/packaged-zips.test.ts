/**
 * The zips `sls package` writes, run as Lambda runs them: for the sample pipeline and every example, each
 * function's zip is unzipped and its handler `require()`d in a fresh `node` (the folder as task root, no
 * pipeline file to read: what it runs was checked and shipped at package time), then invoked on a committed
 * sample event against s3rver.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { createS3Client } from '../../../lib/aws/clients';
import { decodeS3Key } from '../../../lib/converter';
import { sampleRecords } from '../../../lib/events/samples';
import {
  createBucket,
  localOverrides,
  LOCAL_CREDENTIALS,
  startS3rver,
  type S3Emulator,
} from '../support/emulators';
import { CONFIGURATIONS } from './support/configurations';
import { ROOT, sharedPackage } from './support/sls';

const run = promisify(execFile);
type Json = Record<string, unknown>;
type Check = (response: Json, event: Json) => void;

const answersEveryRecord: Check = (response, event) => {
  const records = (response.records as { recordId: string; result: string }[]).map(
    (record) => record.recordId,
  );
  expect(records).toEqual((event.records as { recordId: string }[]).map((record) => record.recordId));
};

/** Each function's sample event and what its response must show. */
const SAMPLES: Record<string, { event: string; check: Check }> = {
  streamConsumer: {
    event: 'events/kinesis.json',
    check: (r) => expect(r).toEqual({ batchItemFailures: [] }),
  },
  firehoseTransformer: { event: 'events/firehose-kinesis-source.json', check: answersEveryRecord },
  partitionKeys: { event: 'events/firehose-direct-put.json', check: answersEveryRecord },
  parquetConverter: {
    event: 'events/s3-object-created.json',
    check: (r) => expect(r).toMatchObject({ objects: [{ outcome: 'converted' }] }),
  },
  windowAggregator: { event: 'events/kinesis-window.json', check: (r) => expect(r.state).toBeDefined() },
};

/** The pipelines packaged: the documented configurations (shared with package.test.ts) and the CloudWatch Logs example. */
const PACKAGES: [string, string[], Record<string, string>, Record<string, string>][] = [
  ['pipeline.yml', CONFIGURATIONS.fresh.args, CONFIGURATIONS.fresh.env, {}],
  [
    'examples/cloudwatch-logs/pipeline.yml',
    [],
    { PIPELINE_FILE: 'examples/cloudwatch-logs/pipeline.yml' },
    { firehoseTransformer: 'events/firehose-cloudwatch-logs.json' },
  ],
  ...(['opensearch', 'splunk', 'redshift'] as const).map(
    (name): [string, string[], Record<string, string>, Record<string, string>] => [
      CONFIGURATIONS[name].env.PIPELINE_FILE,
      CONFIGURATIONS[name].args,
      CONFIGURATIONS[name].env,
      {},
    ],
  ),
];

let s3Emulator: S3Emulator;
let bucket: string;

beforeAll(async () => {
  s3Emulator = await startS3rver();
  const s3: S3Client = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  const event = JSON.parse(readFileSync(join(ROOT, SAMPLES.parquetConverter!.event), 'utf8')) as S3Event;
  const { object } = event.Records[0]!.s3;
  bucket = event.Records[0]!.s3.bucket.name;
  await createBucket(s3, bucket);
  const body = gzipSync(`${sampleRecords(5, 1).join('\n')}\n`);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: decodeS3Key(object.key), Body: body }));
}, 60_000);

afterAll(async () => {
  await s3Emulator?.stop();
});

/** Loads the handler from the unzipped folder in a fresh process and invokes it once. */
async function invokeFromZip(dir: string, handlerFile: string, eventFile: string): Promise<Json> {
  const script = `require(${JSON.stringify(join(dir, handlerFile))})
    .handler(JSON.parse(require('node:fs').readFileSync(${JSON.stringify(eventFile)}, 'utf8')), { awsRequestId: 'zip' })
    .then((response) => process.stdout.write('\\n' + JSON.stringify(response)))`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: dir,
    timeout: 60_000,
    maxBuffer: 10 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      PIPELINE_FILE: 'no-such-pipeline.yml',
      MASK_SALT: 'zip-salt',
      BUCKET_NAME: bucket,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3Emulator.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1)) as Json;
}

describe.each(PACKAGES)('sls package with %s', (_file, args, env, events) => {
  it('every zip starts and answers its sample event', async () => {
    // Prepare: the package is shared with package.test.ts, so its zips are unpacked into a folder of our own.
    const { folder } = await sharedPackage(args, env);
    const out = mkdtempSync(join(tmpdir(), 'sls-zips-'));
    try {
      const zips = readdirSync(folder).filter((file) => file.endsWith('.zip'));
      expect(zips.length).toBeGreaterThan(0);

      for (const zip of zips) {
        const name = zip.replace(/\.zip$/, '');
        const dir = join(out, name);
        await run('unzip', ['-q', join(folder, zip), '-d', dir]);
        // Nothing but the bundle, its map and its lazy chunks: the pipeline was compiled into the bundle.
        expect(readdirSync(dir)).toEqual(['functions']);
        const handlerFile = `functions/${readdirSync(join(dir, 'functions')).find((file) => file.endsWith('.js'))}`;
        const eventFile = join(ROOT, events[name] ?? SAMPLES[name]!.event);

        // Act
        const response = await invokeFromZip(dir, handlerFile, eventFile);

        // Assess
        SAMPLES[name]!.check(response, JSON.parse(readFileSync(eventFile, 'utf8')) as Json);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
