/**
 * lib/deploy/sdk-clients.ts: a function's bundle keeps the Kinesis and Firehose clients only when its sinks can
 * use them; a left-out client's factory throws, naming the cause and the way out.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { clientsUsedBy, sdkClientsPlugin } from '../../../lib/deploy/sdk-clients';
import type { SinkConfig } from '../../../lib/sinks/config';

const ROOT = resolve(__dirname, '../../..');
const s3: SinkConfig = { type: 's3', prefix: 'p/', format: 'jsonl', compression: 'gzip', partitioned: true };
const kinesis: SinkConfig = { type: 'kinesis', stream: 'out' };
const firehose: SinkConfig = { type: 'firehose', deliveryStream: 'out' };

type Config = Parameters<typeof clientsUsedBy>[1];
const consumerWith = (...sinks: SinkConfig[]) => ({ consumer: { sinks } }) as unknown as Config;
const analyticsWith = (sink: SinkConfig) => ({ analytics: { sink } }) as unknown as Config;

describe('clientsUsedBy', () => {
  it.each([
    ['only S3 sinks', consumerWith(s3), []],
    ['a Kinesis sink', consumerWith(s3, kinesis), ['kinesis']],
    ['both', consumerWith(firehose, kinesis), ['firehose', 'kinesis']],
  ])('gives the stream consumer with %s the clients its sinks write with', (_case, config, expected) => {
    // Act
    const used = clientsUsedBy('streamConsumer', config);

    // Assess
    expect([...used!].sort()).toEqual(expected);
  });

  it("follows the window aggregator's sink", () => {
    // Assess
    expect([...clientsUsedBy('windowAggregator', analyticsWith(firehose))!]).toEqual(['firehose']);
    expect([...clientsUsedBy('windowAggregator', analyticsWith(s3))!]).toEqual([]);
    expect([...clientsUsedBy('windowAggregator', {} as Config)!]).toEqual([]);
  });

  it('keeps both for the Firehose functions, which re-ingest to the source of each event', () => {
    // Assess
    expect(clientsUsedBy('firehoseTransformer', consumerWith(s3))).toBeUndefined();
    expect(clientsUsedBy('partitionKeys', consumerWith(s3))).toBeUndefined();
    expect([...clientsUsedBy('parquetConverter', consumerWith(kinesis))!]).toEqual([]);
  });
});

describe('sdkClientsPlugin', () => {
  let work: string;
  beforeAll(() => {
    work = join(ROOT, '.esbuild', `unit-sdk-clients-${process.pid}`);
    mkdirSync(work, { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function bundle(entry: string, config: Config): Promise<string> {
    const outfile = join(work, `${entry}-${Math.random().toString(36).slice(2)}.js`);
    await build({
      entryPoints: [`functions/${entry}.ts`],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      external: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'hyparquet-writer', 'ajv*', 'yaml'],
      logLevel: 'silent',
      plugins: [sdkClientsPlugin({ config: () => config })],
    });
    return readFileSync(outfile, 'utf8');
  }

  it('leaves out the clients no sink of the function uses, with a factory that says why', async () => {
    // Act
    const code = await bundle('stream-consumer', consumerWith(s3, firehose));

    // Assess
    // The sinks still name the commands; the client (and the runtime configuration it loads) is gone.
    expect(code).not.toMatch(/new import_client_kinesis\d*\.KinesisClient\(/);
    expect(code).toContain(
      'streamConsumer was packaged without the Kinesis client: no sink of it in pipeline.yml writes to Kinesis. Package again (sls package or sls deploy) after changing pipeline.yml.',
    );
    expect(code).toMatch(/new import_client_firehose\d*\.FirehoseClient\(/);
  }, 60_000);

  it('keeps every client of a Firehose function', async () => {
    // Act
    const code = await bundle('partition-keys', consumerWith(s3));

    // Assess
    expect(code).toMatch(/new import_client_kinesis\d*\.KinesisClient\(/);
    expect(code).toMatch(/new import_client_firehose\d*\.FirehoseClient\(/);
    expect(code).not.toContain('was packaged without');
  }, 60_000);
});
