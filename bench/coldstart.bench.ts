/**
 * `npm run bench coldstart`: each function as `sls package` ships it, unzipped, then `require()` of its handler
 * plus the first invocation on its sample event, in a fresh `node` process per run, beside a bare bundle
 * (coldstart-bare.ts: middy, the Powertools logger, three SDK clients, one S3 PutObject) built in the same run
 * with serverless.yml's esbuild options. Both run with the function's environment from the packaged template
 * (NODE_OPTIONS included) against s3rver, and a Secrets Manager / SSM stand-in for the mask salt the consumer,
 * the transformer and the window aggregator read at cold start. Target: every function ≤ 1.3× the bare bundle.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { build } from 'esbuild';
import { createS3Client } from '../lib/aws/clients';
import { decodeS3Key } from '../lib/converter';
import { sampleRecords } from '../lib/events/samples';
import { createBucket, localOverrides, LOCAL_CREDENTIALS, startS3rver } from '../lib/local/emulators';
import { packagingOptions } from './bundle';
import { startSecretStub } from './secret-stub';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
/** Fresh processes per subject (COLDSTART_RUNS overrides): the figure is their median. */
const RUNS = Number(process.env.COLDSTART_RUNS ?? 5);
const TARGET = 1.3;

/** The committed sample event each function is invoked with. */
const SAMPLE_EVENTS: Record<string, string> = {
  streamConsumer: 'events/kinesis.json',
  firehoseTransformer: 'events/firehose-kinesis-source.json',
  partitionKeys: 'events/firehose-direct-put.json',
  parquetConverter: 'events/s3-object-created.json',
  windowAggregator: 'events/kinesis-window.json',
};

interface Subject {
  name: string;
  dir: string;
  handlerFile: string;
  event: string;
  bundleBytes: number;
  zipBytes?: number;
  env: Record<string, string>;
}

type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

/** `sls package` into `out`, offline and with an esbuild work folder of its own. */
async function slsPackage(out: string): Promise<Template> {
  const workFolder = `.esbuild/coldstart-${process.pid}`;
  try {
    await run(join(ROOT, 'node_modules/.bin/sls'), ['package', '--package', out], {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ESBUILD_WORK_FOLDER: workFolder },
      timeout: 300_000,
      maxBuffer: 10 * 1024 * 1024,
    });
  } finally {
    rmSync(join(ROOT, workFolder), { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

/** What the stack's own references resolve to in the bench (BUCKET_NAME is set below, for every function). */
const REFS: Record<string, string> = {
  // The salt secret the stack generates by default: its ARN, answered by the secret stand-in.
  MaskSaltSecret:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kinesis-pipeline-dev-mask-salt-AbCdEf',
};

/** The function's environment as deployed: its string values, and the Refs that REFS resolves. */
function deployedEnv(template: Template, handler: string): Record<string, string> {
  const fn = Object.values(template.Resources).find(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Handler === handler,
  );
  const variables = (fn?.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};
  const resolved = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string } | null)?.Ref;
    return ref === undefined ? undefined : REFS[ref];
  };
  return Object.fromEntries(
    Object.entries(variables).flatMap(([name, value]) => {
      const text = resolved(value);
      return text === undefined ? [] : [[name, text]];
    }),
  );
}

async function packagedFunctions(work: string): Promise<Subject[]> {
  const out = join(work, 'package');
  const template = await slsPackage(out);
  const zips = readdirSync(out).filter((file) => file.endsWith('.zip'));
  if (zips.length === 0) throw new Error(`sls package wrote no zip into ${out}`);
  return Promise.all(
    zips.map(async (zip) => {
      const name = zip.replace(/\.zip$/, '');
      const event = SAMPLE_EVENTS[name];
      if (!event) throw new Error(`no sample event for ${name}: add it to SAMPLE_EVENTS`);
      const dir = join(work, name);
      await run('unzip', ['-q', '-o', join(out, zip), '-d', dir]);
      const handlerFile = readdirSync(join(dir, 'functions')).find((file) => file.endsWith('.js'));
      if (!handlerFile) throw new Error(`${zip} holds no functions/*.js`);
      const relativeHandler = `functions/${handlerFile}`;
      return {
        name,
        dir,
        handlerFile: relativeHandler,
        event: join(ROOT, event),
        bundleBytes: statSync(join(dir, relativeHandler)).size,
        zipBytes: statSync(join(out, zip)).size,
        env: deployedEnv(template, relativeHandler.replace(/\.js$/, '.handler')),
      };
    }),
  );
}

/** The bare bundle, built now with the same esbuild options, run with the consumer's environment. */
async function bareBundle(work: string, env: Record<string, string>): Promise<Subject> {
  const dir = join(work, 'bare');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'bare.js');
  await build({
    ...packagingOptions(),
    sourcemap: 'linked',
    entryPoints: [join(__dirname, 'coldstart-bare.ts')],
    outfile,
    logLevel: 'warning',
  });
  return {
    name: 'bare bundle',
    dir,
    handlerFile: 'bare.js',
    event: join(ROOT, SAMPLE_EVENTS.streamConsumer!),
    bundleBytes: statSync(outfile).size,
    env,
  };
}

interface Run {
  requireMs: number;
  invokeMs: number;
  cpuMs: number;
  lazy: string[];
  result: unknown;
}

type Json = Record<string, unknown>;
const records = (result: Json) => (result.records as { result: string }[]) ?? [];

/** A run that did not do its job is not a figure: each function's first response is checked. */
const DID_ITS_JOB: Record<string, (result: Json) => boolean> = {
  'bare bundle': (result) => typeof result.records === 'number',
  streamConsumer: (result) =>
    Array.isArray(result.batchItemFailures) && result.batchItemFailures.length === 0,
  firehoseTransformer: (result) => records(result).some((record) => record.result === 'Ok'),
  partitionKeys: (result) => records(result).some((record) => record.result === 'Ok'),
  parquetConverter: (result) => (result.objects as { outcome: string }[])?.[0]?.outcome === 'converted',
  windowAggregator: (result) => typeof result.state === 'object',
};

async function coldStart(subject: Subject, awsEnv: Record<string, string>): Promise<Run> {
  const { stdout } = await run(
    process.execPath,
    [join(__dirname, 'coldstart-probe.js'), subject.handlerFile, subject.event],
    {
      cwd: subject.dir,
      env: { PATH: process.env.PATH, ...subject.env, ...awsEnv },
      timeout: 60_000,
    },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  const measured = JSON.parse(line) as Run;
  const check = DID_ITS_JOB[subject.name];
  if (!check?.(measured.result as Json)) {
    throw new Error(
      `${subject.name}: the first invocation did not do its job: ${JSON.stringify(measured.result)}`,
    );
  }
  return measured;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The bucket events/s3-object-created.json names, which every function uses (BUCKET_NAME), holding the raw
 * object the event announces so that the converter has something to convert.
 */
async function prepareBucket(endpoint: string): Promise<string> {
  const s3 = createS3Client({ env: {}, overrides: localOverrides(endpoint) });
  const event = JSON.parse(readFileSync(join(ROOT, SAMPLE_EVENTS.parquetConverter!), 'utf8')) as S3Event;
  const { bucket, object } = event.Records[0]!.s3;
  await createBucket(s3, bucket.name);
  const body = gzipSync(`${sampleRecords(50, 1).join('\n')}\n`);
  await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: decodeS3Key(object.key), Body: body }));
  return bucket.name;
}

const kb = (bytes: number | undefined): string =>
  bytes === undefined ? '-' : `${Math.round(bytes / 1024)} KB`;

export default async function coldstartBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'coldstart-'));
  const s3rver = await startS3rver();
  // Deployed, the functions that mask read their salt at cold start (MASK_SALT_PARAMETER): by default from the
  // Secrets Manager secret the stack generates.
  const secrets = await startSecretStub('bench-salt');
  try {
    const bucket = await prepareBucket(s3rver.endpoint);
    const awsEnv = {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3rver.endpoint,
      AWS_ENDPOINT_URL_SSM: secrets.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BUCKET_NAME: bucket,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const functions = await packagedFunctions(work);
    const bare = await bareBundle(work, functions[0]!.env);
    const subjects = [bare, ...functions];
    const runs = new Map<Subject, Run[]>(subjects.map((subject) => [subject, []]));
    // Rounds alternate subjects so that every one sees the same machine noise.
    for (let round = 0; round < RUNS; round += 1) {
      for (const subject of subjects) runs.get(subject)!.push(await coldStart(subject, awsEnv));
    }
    const total = (run: Run) => run.requireMs + run.invokeMs;
    // Each run against the bare bundle's run of the same round: the machine's load drifts between rounds.
    const ratios = (subject: Subject, of: (run: Run) => number) =>
      median(runs.get(subject)!.map((run, round) => of(run) / of(runs.get(bare)![round]!)));
    const load = loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
    console.log(
      `cold start: require() + first invocation, median of ${RUNS} fresh processes each (load average ${load})`,
    );
    const rows = subjects.map((subject) => {
      const list = runs.get(subject)!;
      const ratio = ratios(subject, total);
      return {
        function: subject.name,
        bundle: kb(subject.bundleBytes),
        zip: kb(subject.zipBytes),
        'require ms': Math.round(median(list.map((r) => r.requireMs))),
        'first invoke ms': Math.round(median(list.map((r) => r.invokeMs))),
        'total ms': Math.round(median(list.map(total))),
        ratio: ratio.toFixed(2),
        [`≤ ${TARGET}×`]: subject === bare ? '' : ratio <= TARGET ? 'yes' : 'NO',
        'cpu ms': Math.round(median(list.map((r) => r.cpuMs))),
        'cpu ratio': ratios(subject, (run) => run.cpuMs).toFixed(2),
        'lazy files loaded': [...new Set(list.flatMap((r) => r.lazy))].join(' ') || '-',
      };
    });
    console.table(rows);
    console.log(
      `ratio: the median over the ${RUNS} rounds of (require + first invocation) / the bare bundle's in the same round`,
    );
  } finally {
    await secrets.stop();
    await s3rver.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
