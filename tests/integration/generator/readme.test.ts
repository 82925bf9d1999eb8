/**
 * README "`kpipe generate`" run as written, each command in a shell from the project folder: the stream
 * command against kinesalite, the default emulator (the README's way: AWS_ENDPOINT_URL_KINESIS), the stdout one as is, and the
 * delivery-stream one with no AWS at hand, where it must stop early with the cause instead of failing for
 * its full five minutes.
 */
import { exec } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../../lib/aws/clients';
import {
  createStreamAndWait,
  localOverrides,
  startKinesalite,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type KinesisEmulator,
} from '../support/emulators';
import { readmeSection, shellBlocks } from '../support/readme';

const run = promisify(exec);
const ROOT = resolve(__dirname, '../../..');
const commands = shellBlocks(
  readmeSection('`kpipe generate`: the Kinesis Data Generator, scriptable'),
).flat();
const find = (pattern: RegExp): string => {
  const found = commands.filter((command) => pattern.test(command));
  if (found.length !== 1)
    throw new Error(`expected one README command matching ${pattern}, got ${found.length}`);
  return found[0]!;
};

let emulator: KinesisEmulator;
let kinesis: KinesisClient;

beforeAll(async () => {
  emulator = await startKinesalite();
  kinesis = createKinesisClient({ env: {}, overrides: localOverrides(emulator.endpoint) });
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  await emulator?.stop();
});

/** A README line in bash from the project folder; exit code, output and how long it took. */
async function shell(command: string, env: Record<string, string> = {}) {
  const started = Date.now();
  const options = {
    cwd: ROOT,
    timeout: 150_000,
    maxBuffer: 10 * 1024 * 1024,
    env: { PATH: process.env.PATH, NPM_CONFIG_UPDATE_NOTIFIER: 'false', ...env },
  };
  try {
    const { stdout, stderr } = await run(command, { ...options, shell: 'bash' });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, ms: Date.now() - started };
  }
}

it('has the three commands the tests below run, and nothing else', () => {
  expect(commands).toHaveLength(3);
});

it('sends to a stream: every record acknowledged by the Kinesis emulator', async () => {
  // Prepare
  const command = find(/--target kinesis:/);
  const stream = /--target kinesis:(\S+)/.exec(command)![1]!;
  await createStreamAndWait(kinesis, stream, 2);

  // Act
  const result = await shell(command, {
    AWS_ENDPOINT_URL_KINESIS: emulator.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });

  // Assess
  const count = Number(/--count (\d+)/.exec(command)![1]);
  expect(count).toBeGreaterThan(0);
  expect(result.stderr).toContain(
    `generate: ${count.toLocaleString('en-US')} sent, ${count.toLocaleString('en-US')} acknowledged, 0 failed`,
  );
  expect(result.code).toBe(0);
}, 180_000);

it('writes to stdout: the same records on a second run', async () => {
  // Prepare
  const command = find(/> sample\.jsonl$/);
  const file = join(ROOT, 'sample.jsonl');

  // Act
  try {
    const first = await shell(command);
    const text = readFileSync(file, 'utf8');
    const second = await shell(command);

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(100);
    expect(JSON.parse(lines[0]!)).toHaveProperty('event_type');
    expect(readFileSync(file, 'utf8')).toBe(text);
  } finally {
    rmSync(file, { force: true });
  }
}, 120_000);

it('without AWS at hand, stops early naming the missing region instead of failing for five minutes', async () => {
  // Act: no region, no credentials, no endpoint
  const result = await shell(find(/--target firehose:/));

  // Assess
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/stopped early: nothing acknowledged in 3 batches in a row/);
  expect(result.stderr).toMatch(/region missing: Error: Region is missing/);
  expect(result.stderr).toMatch(/-> set AWS_REGION/);
  expect(result.ms).toBeLessThan(60_000);
}, 120_000);
