/**
 * `sls package` ships each function with its pipeline checked (lib/pipeline/packaged-build.ts): the bundle is
 * built here with the same esbuild plugin serverless/esbuild-plugins.js hands to serverless-esbuild, then run
 * in a fresh `node` whose PIPELINE_FILE names nothing, so whatever it does comes from the package.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import type { FunctionKey } from '../../../lib/deploy';
import { packagedModules, packagedPipelinePlugin } from '../../../lib/pipeline/packaged-build';
import { schemaKey } from '../../../lib/schema/schema-key';
import { CHECKED_AT_PACKAGE_TIME } from '../../../lib/schema/standalone';
import partitioningSchema from '../../../schemas/pipeline/partitioning.schema.json';
import transformsSchema from '../../../schemas/pipeline/transforms.schema.json';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const SCHEMA = join(ROOT, 'schemas/clickstream.schema.json');
let work: string;

beforeAll(() => {
  // Inside the project (.esbuild/ is ignored by git) so that the bundles find the SDK left outside them.
  work = join(ROOT, '.esbuild', `unit-packaged-${process.pid}`);
  mkdirSync(work, { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A pipeline whose Firehose partition key is `key` (a field of the clickstream records). */
function pipelineFile(name: string, key: string, extra = ''): string {
  const file = join(work, `${name}.yml`);
  writeFileSync(
    file,
    `name: packaged
stream: { name: packaged }
record: { schema: ${SCHEMA} }
partitioning: { keys: [{ name: ${key.replace('.', '_')}, path: ${key} }] }
delivery:
  name: packaged-delivery
  prefix: raw/!{partitionKeyFromLambda:${key.replace('.', '_')}}/
  errorOutputPrefix: errors/!{firehose:error-output-type}/
${extra}`,
  );
  return file;
}

interface Built {
  outfile: string;
  inputs: string[];
}

async function packageFunction(file: string, entry: string, functions: FunctionKey[]): Promise<Built> {
  const outfile = join(work, `${entry}-${Math.random().toString(36).slice(2)}.js`);
  const result = await build({
    entryPoints: [join(ROOT, 'functions', `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['@aws-sdk/*', '@smithy/*'],
    metafile: true,
    logLevel: 'silent',
    plugins: [packagedPipelinePlugin({ file, functions: () => functions })],
  });
  const metafile = result.metafile as Metafile;
  return { outfile, inputs: Object.keys(metafile.inputs) };
}

const RESPONSE_MARKER = 'handler response: ';

/**
 * Loads the bundle in a fresh process with no pipeline file to read and invokes it on `event`. The response is
 * the line after a marker: the handler's metrics (EMF) go to stdout too.
 */
async function invoke(outfile: string, event: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const script = `require(${JSON.stringify(outfile)}).handler(${JSON.stringify(event)}, { awsRequestId: 'unit' })
    .then((result) => process.stdout.write('\\n${RESPONSE_MARKER}' + JSON.stringify(result) + '\\n'))`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: work,
    env: {
      PATH: process.env.PATH,
      PIPELINE_FILE: join(work, 'no-such-pipeline.yml'),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  const line = stdout.split('\n').find((text) => text.startsWith(RESPONSE_MARKER));
  if (line === undefined) throw new Error(`the handler printed no response:\n${stdout}`);
  return JSON.parse(line.slice(RESPONSE_MARKER.length)) as unknown;
}

const firehoseEvent = JSON.parse(readFileSync(join(ROOT, 'events/firehose-direct-put.json'), 'utf8')) as {
  records: { data: string }[];
};
const firstRecord = JSON.parse(Buffer.from(firehoseEvent.records[0]!.data, 'base64').toString()) as {
  event_type: string;
  customer_id: string;
};
type FirehoseResponse = {
  records: { result: string; metadata?: { partitionKeys: Record<string, string> } }[];
};

describe('packaged pipeline', () => {
  it('ships the pipeline checked at package time, and the next package picks up a changed file', async () => {
    // Prepare
    const file = pipelineFile('changing', 'event_type');
    const first = await packageFunction(file, 'partition-keys', ['partitionKeys']);
    writeFileSync(file, readFileSync(pipelineFile('other', 'customer_id')));

    // Act
    const second = await packageFunction(file, 'partition-keys', ['partitionKeys']);
    const before = (await invoke(first.outfile, firehoseEvent)) as FirehoseResponse;
    const after = (await invoke(second.outfile, firehoseEvent)) as FirehoseResponse;

    // Assess
    expect(before.records[0]?.metadata?.partitionKeys).toEqual({ event_type: firstRecord.event_type });
    expect(after.records[0]?.metadata?.partitionKeys).toEqual({ customer_id: firstRecord.customer_id });
  }, 120_000);

  it('ships the custom transforms of transforms/index.ts: the handler runs them, as the sources do', async () => {
    // Prepare
    const file = pipelineFile('custom', 'event_type', 'transforms: [{ custom: { name: amountInUsd } }]\n');
    const bundle = await packageFunction(file, 'firehose-transformer', ['firehoseTransformer']);
    const record = { ...firstRecord, amount: 10, currency: 'EUR' };
    const event = {
      ...firehoseEvent,
      records: [
        { ...firehoseEvent.records[0], data: Buffer.from(JSON.stringify(record)).toString('base64') },
      ],
    };

    // Act
    const response = (await invoke(bundle.outfile, event)) as { records: { result: string; data: string }[] };

    // Assess
    expect(response.records[0]?.result).toBe('Ok');
    const line = Buffer.from(response.records[0]!.data, 'base64').toString();
    expect(JSON.parse(line)).toMatchObject({ amount: 10, currency: 'EUR', amount_usd: 10.8 });
  }, 120_000);

  it('leaves the YAML parser, Ajv and the SQL parser out of the bundles', async () => {
    const file = pipelineFile(
      'lean',
      'event_type',
      'conversion: { inputPrefix: raw/, outputPrefix: curated/, errorPrefix: conversion-errors/ }\n',
    );
    const keys = await packageFunction(file, 'partition-keys', ['partitionKeys', 'parquetConverter']);
    // The converter names PipelineConfigError from its own leaf module: it does not reach the loader at all.
    const converter = await packageFunction(file, 'parquet-converter', ['partitionKeys', 'parquetConverter']);
    for (const { inputs } of [keys, converter]) {
      expect(
        inputs.filter((input) => /node_modules\/(yaml|ajv\/dist\/(core|2020)|node-sql-parser)\//.test(input)),
      ).toEqual([]);
    }
    expect(converter.inputs).toContain('lib/pipeline/errors.ts');
    expect(converter.inputs.filter((input) => /lib\/pipeline\/(load|checks)\.ts$/.test(input))).toEqual([]);
    // Each bundle has the record validators its own cold start compiles: neither of these validates records.
    expect(converter.inputs.filter((input) => /node_modules\/ajv-formats\//.test(input))).toEqual([]);
    const { compileModules, pipeline } = packagedModules(file, ['firehoseTransformer', 'parquetConverter']);
    const recordValidator = `validators[${JSON.stringify(schemaKey(pipeline.recordSchema))}] = (function`;
    expect(compileModules.firehoseTransformer).toContain(recordValidator);
    expect(compileModules.parquetConverter).not.toContain(recordValidator);
  }, 120_000);

  it('plans the analytics query at package time: the window aggregator folds records without the SQL parser', async () => {
    // Prepare: names in another case than the fields, resolved against the record schema when packaging
    const file = pipelineFile(
      'analytics',
      'event_type',
      `analytics:
  sql: SELECT Event_Type, COUNT(*) AS events FROM Stream AS s WHERE s.EVENT_TYPE <> 'purchase' GROUP BY event_type
  tumblingWindowInSeconds: 60
  records: validated
  sink: { type: s3, prefix: analytics/ }
`,
    );
    const built = await packageFunction(file, 'window-aggregator', ['windowAggregator']);
    const event = JSON.parse(readFileSync(join(ROOT, 'events/kinesis-window.json'), 'utf8')) as {
      Records: { kinesis: { data: string } }[];
      isFinalInvokeForWindow: boolean;
    };
    const types = event.Records.map(
      (record) =>
        (JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()) as { event_type: string })
          .event_type,
    );

    // Act
    const response = (await invoke(
      built.outfile,
      { ...event, isFinalInvokeForWindow: false },
      { BUCKET_NAME: 'lake' },
    )) as { state: { stats: { aggregated: number; filtered: number } } };

    // Assess
    expect(built.inputs.some((input) => input.includes('node_modules/node-sql-parser'))).toBe(false);
    const purchases = types.filter((type) => type === 'purchase').length;
    expect(response.state.stats).toMatchObject({ aggregated: types.length - purchases, filtered: purchases });
  }, 120_000);

  it('ships the standalone validator of the record schema, and refuses a schema it has none for only when used', () => {
    // Prepare: the shipped lib/schema/compile.ts, run with requires resolved from lib/schema
    const { compileModule, pipeline } = packagedModules(pipelineFile('validators', 'event_type'), [
      'partitionKeys',
    ]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module's own require, resolved here
    const local = (id: string): unknown => require(id.startsWith('./') ? join(ROOT, 'lib/schema', id) : id);
    const module = {
      exports: {} as { compileSchema: (schema: object) => ((value: unknown) => boolean) & object },
    };
    new Function('require', 'module', 'exports', compileModule)(local, module, module.exports);

    // Act
    const validate = module.exports.compileSchema(pipeline.recordSchema);
    const unknown = module.exports.compileSchema({ $id: 'elsewhere.json', type: 'string' });

    // Assess
    expect(validate({ ...firstRecord })).toBe(true);
    expect(validate({ ...firstRecord, event_type: 'teleport' })).toBe(false);
    expect(() => unknown('x')).toThrow(/elsewhere\.json: no validator for it in this bundle/);
  });

  it('ships no code for the pipeline config checks (sls package ran them on this config), real code for records', () => {
    // Prepare: the transformer compiles the transforms' and the partitioning's schemas too
    const file = pipelineFile(
      'config-checks',
      'event_type',
      'transforms: [{ drop: { fields: [page_url] } }]\n',
    );

    // Act
    const { compileModule, pipeline } = packagedModules(file, ['firehoseTransformer']);

    // Assess
    const shipped = [...compileModule.matchAll(/validators\[("[0-9a-f]+")\] = (\w+|\(function)/g)];
    const byKey = Object.fromEntries(shipped.map(([, key, value]) => [JSON.parse(key!) as string, value]));
    expect(byKey[schemaKey(pipeline.recordSchema)]).toBe('(function');
    expect(byKey[schemaKey(transformsSchema, { pipelineConfig: true })]).toBe(CHECKED_AT_PACKAGE_TIME);
    expect(byKey[schemaKey(partitioningSchema, { allErrors: false, pipelineConfig: true })]).toBe(
      CHECKED_AT_PACKAGE_TIME,
    );
  });

  it.each([
    ['a value out of range', 'stream: { name: packaged, shards: 0 }', 'stream.shards'],
    ['a misspelt field', 'stream: { name: packaged, shard: 2 }', 'stream.shard'],
  ])(
    'fails the package on %s, naming the field',
    async (_case, stream, field) => {
      const file = join(work, `bad-${field}.yml`);
      writeFileSync(file, `name: packaged\n${stream}\nrecord: { schema: ${SCHEMA} }\n`);
      expect(() => packagedModules(file, [])).toThrow(field);
      await expect(packageFunction(file, 'partition-keys', ['partitionKeys'])).rejects.toThrow(field);
    },
    120_000,
  );
});
