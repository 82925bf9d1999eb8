/**
 * What a handler loads only sometimes ships as a file of its own beside the bundle (lib/deploy/lazy-chunks.ts):
 * the bundles are built here with the plugins serverless/esbuild-plugins.js hands to serverless-esbuild, then
 * loaded in a fresh `node`, which reports the files of the lazy folder it loaded (require.cache, which
 * import() of a CommonJS file fills too). Nothing is loaded on the default path (tracing off, the salt in the
 * environment or in Secrets Manager); the Tracer only with tracing on; the SSM reader only for an SSM name;
 * protobufjs only for a KPL aggregate.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LAZY_CHUNKS, LAZY_FOLDER, lazyChunksPlugin } from '../../../lib/deploy/lazy-chunks';
import { packagedPipelinePlugin } from '../../../lib/pipeline/packaged-build';
import { NODE_BUNDLE, printReport, reportOfFreshNode } from '../../support/fresh-node';

const ROOT = resolve(__dirname, '../../..');
let work: string;
const bundles: Record<string, string> = {};

/** One function's bundle as `sls package` builds it, in a folder of its own. */
async function packageFunction(entry: string): Promise<string> {
  const outdir = join(work, entry, 'functions');
  await build({
    ...NODE_BUNDLE,
    entryPoints: [join(ROOT, 'functions', `${entry}.ts`)],
    outdir,
    // Outside the bundle (and the chunks) to keep the test fast; found in node_modules from .esbuild/.
    external: ['@aws-sdk/*', '@smithy/*'],
    plugins: [
      packagedPipelinePlugin({
        file: join(ROOT, 'pipeline.yml'),
        functions: () => ['streamConsumer', 'partitionKeys'],
      }),
      lazyChunksPlugin(),
    ],
  });
  return join(outdir, `${entry}.js`);
}

beforeAll(async () => {
  work = join(ROOT, '.esbuild', `unit-lazy-${process.pid}`);
  mkdirSync(work, { recursive: true });
  bundles.consumer = await packageFunction('stream-consumer');
  bundles.keys = await packageFunction('partition-keys');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MARKER = 'lazy files loaded: ';

/**
 * Requires `bundle` in a fresh process, invokes it on `event` when given (its outcome does not matter here),
 * waits for what cold start started (the salt read), and returns the lazy files it loaded.
 */
async function lazyFilesLoaded(
  bundle: string,
  env: Record<string, string>,
  event?: string,
): Promise<string[]> {
  const script = `const { handler } = require(${JSON.stringify(bundle)});
    const invoked = ${event === undefined ? 'Promise.resolve()' : `handler(JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(ROOT, event))}, 'utf8')), { awsRequestId: 'unit' })`};
    invoked.catch(() => undefined).then(() => new Promise((done) => setTimeout(done, 300))).then(() => {
      const lazy = Object.keys(require.cache).filter((file) => file.includes('/${LAZY_FOLDER}/'));
      ${printReport(MARKER, "lazy.map((file) => file.split('/').pop())")};
      process.exit(0);
    });`;
  return reportOfFreshNode<string[]>(script, MARKER, {
    cwd: work,
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'unit',
      AWS_SECRET_ACCESS_KEY: 'unit',
      // Nothing listens there: a read fails at once, after its module is loaded.
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      BUCKET_NAME: 'unit-bucket',
      ...env,
    },
  });
}

describe('lazy chunks', () => {
  it('ships each lazily loaded module beside the bundle, not inside it', () => {
    // Assess
    // The credential chain is the SDK's, kept outside these bundles: lambda-credentials-bundle.test.ts builds it.
    for (const name of Object.values(LAZY_CHUNKS).filter((chunk) => chunk !== 'credential-chain')) {
      expect(existsSync(join(work, 'stream-consumer', 'functions', LAZY_FOLDER, `${name}.js`))).toBe(true);
    }
    const consumer = readFileSync(bundles.consumer!, 'utf8');
    expect(consumer).toContain(`"./${LAZY_FOLDER}/xray-tracer.js"`);
    expect(consumer).toContain(`"./${LAZY_FOLDER}/ssm-parameter.js"`);
    expect(consumer).toContain(`"./${LAZY_FOLDER}/protobuf.js"`);
    // Neither the X-Ray SDK, Powertools' SSM provider nor protobufjs is in the bundle V8 parses at every cold start.
    expect(consumer).not.toMatch(/aws-xray-sdk-core|class SSMProvider|node_modules\/protobufjs/);
    expect(readFileSync(join(work, 'stream-consumer/functions/lazy/xray-tracer.js'), 'utf8')).toContain(
      'aws-xray-sdk-core',
    );
  });

  it('loads none of them on the default path: tracing off, the salt from the environment', async () => {
    // Act
    const loaded = await lazyFilesLoaded(bundles.consumer!, { MASK_SALT: 'unit-salt' });

    // Assess
    expect(loaded).toEqual([]);
  }, 30_000);

  it('needs no SSM reader for the secret the stack generates (a Secrets Manager ARN)', async () => {
    // Act
    const loaded = await lazyFilesLoaded(bundles.consumer!, {
      MASK_SALT_PARAMETER: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt-AbCdEf',
    });

    // Assess
    expect(loaded).toEqual([]);
  }, 30_000);

  it('loads the SSM reader, at cold start, when the salt is kept in SSM', async () => {
    // Act
    const loaded = await lazyFilesLoaded(bundles.consumer!, { MASK_SALT_PARAMETER: '/kpipe/mask-salt' });

    // Assess
    expect(loaded).toEqual(['ssm-parameter.js']);
  }, 30_000);

  it('loads protobufjs at the first KPL aggregate, and not for plain records', async () => {
    // Act
    const plain = await lazyFilesLoaded(bundles.consumer!, { MASK_SALT: 'unit-salt' }, 'events/kinesis.json');
    const aggregated = await lazyFilesLoaded(
      bundles.consumer!,
      { MASK_SALT: 'unit-salt' },
      'events/kinesis-kpl.json',
    );

    // Assess
    expect(plain).toEqual([]);
    expect(aggregated).toEqual(['protobuf.js']);
  }, 30_000);

  it('loads the Tracer at the first invocation with tracing on, and not with it off', async () => {
    // Act
    const on = await lazyFilesLoaded(
      bundles.keys!,
      { POWERTOOLS_TRACE_ENABLED: 'true' },
      'events/firehose-direct-put.json',
    );
    const off = await lazyFilesLoaded(bundles.keys!, {}, 'events/firehose-direct-put.json');

    // Assess
    expect(on).toEqual(['xray-tracer.js']);
    expect(off).toEqual([]);
  }, 30_000);
});
