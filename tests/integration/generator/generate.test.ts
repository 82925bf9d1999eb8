/**
 * `kpipe generate` against kinesis-local, through the real CLI and the standard endpoint variable:
 * what it reports as acknowledged is exactly what GetRecords reads back.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../../lib/aws/clients';
import { deaggregate } from '../../../lib/records';
import {
  createStreamAndWait,
  localOverrides,
  startKinesisLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type KinesisEmulator,
} from '../support/emulators';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
let emulator: KinesisEmulator;
let kinesis: KinesisClient;

beforeAll(async () => {
  emulator = await startKinesisLocal();
  kinesis = createKinesisClient({ env: {}, overrides: localOverrides(emulator.endpoint) });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

async function generate(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('node', [resolve(ROOT, 'bin/kpipe.js'), 'generate', '--quiet', ...args], {
      cwd: ROOT,
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_KINESIS: emulator.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

/** Every user record on every shard, KPL aggregates opened. */
async function readAll(stream: string): Promise<Buffer[]> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const records: Buffer[] = [];
  for (const shard of shards.Shards ?? []) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        const data = Buffer.from(record.Data!);
        const opened = deaggregate(data);
        if (opened.ok && opened.aggregated) records.push(...opened.records.map((user) => user.data));
        else records.push(data);
      }
      iterator = page.Records?.length ? page.NextShardIterator : undefined;
    }
  }
  return records;
}

function acknowledged(stderr: string): number {
  const match = /(\d[\d,]*) acknowledged/.exec(stderr);
  if (!match) throw new Error(`no report in: ${stderr}`);
  return Number(match[1]!.replace(/,/g, ''));
}

it.each([
  ['plain records', 'plain', []],
  ['KPL-aggregated records', 'aggregated', ['--aggregate']],
])(
  'acknowledges exactly what the stream holds: %s',
  async (_name, stream, extra) => {
    await createStreamAndWait(kinesis, stream, 2);
    const result = await generate([
      '--target',
      `kinesis:${stream}`,
      '--count',
      '1200',
      '--seed',
      '7',
      ...extra,
    ]);
    expect(result.code).toBe(0);
    expect(acknowledged(result.stderr)).toBe(1200);
    const records = await readAll(stream);
    expect(records).toHaveLength(1200);
    expect(
      records.every(
        (data) => typeof (JSON.parse(data.toString()) as { event_id: string }).event_id === 'string',
      ),
    ).toBe(true);
  },
  120_000,
);

it('exits non-zero, names the missing stream and stops early when the stream does not exist', async () => {
  const result = await generate([
    ...['--target', 'kinesis:missing-stream', '--count', '5000', '--batch-size', '100'],
  ]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^generate: 300 sent, 0 acknowledged, 300 failed/m);
  expect(result.stderr).toMatch(/stopped early: nothing acknowledged in 3 batches in a row/);
  expect(result.stderr).toMatch(/stream not found: ResourceNotFoundException: .*missing-stream/);
  expect(result.stderr).toMatch(/-> stream "missing-stream" does not exist/);
}, 60_000);
