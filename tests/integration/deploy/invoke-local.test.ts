/**
 * README "Try one function on a sample event", run as written: its first block starts the emulator
 * (`npx kpipe emulators`), its second exports what that command prints and invokes each function on its
 * sample event through the real CLI and the bundled handler. The commands come from README.md itself, so
 * the README and this test cannot drift apart.
 */
import { exec, execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../lib/aws/clients';
import { localOverrides } from '../../../lib/local/emulators';
import { parseExport, readmeSection, shellBlocks } from '../support/readme';
import { cleanUp, offlineEnv, ROOT, SLS } from './support/sls';

const run = promisify(exec);
const runFile = promisify(execFile);
const [startBlock = [], invokeBlock = []] = shellBlocks(readmeSection('Try one function on a sample event'));
const [exportLine = '', ...invocations] = invokeBlock;
const exported = parseExport(exportLine);

let emulator: ChildProcess;
let printed = '';
let s3: S3Client;

/** Starts the README's emulator command as a user would in a shell of its own; resolves on its export line. */
function startEmulator(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    emulator = spawn('bash', ['-c', command], { cwd: ROOT, env: offlineEnv(), detached: true });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no export line within 90 s:\n${output}`)), 90_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('export '));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    emulator.stdout!.on('data', collect);
    emulator.stderr!.on('data', collect);
    emulator.on('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  expect(startBlock).toEqual(['npx kpipe emulators']);
  printed = await startEmulator(startBlock[0]!);
  s3 = createS3Client({ env: {}, overrides: localOverrides(exported.AWS_ENDPOINT_URL_S3!) });
}, 120_000);

afterAll(async () => {
  if (emulator?.pid !== undefined && emulator.exitCode === null) {
    const closed = new Promise((resolve) => emulator.once('close', resolve));
    process.kill(-emulator.pid, 'SIGINT');
    await closed;
  }
  s3?.destroy();
});

/** `sls invoke local` expected to fail: its exit code and everything it printed. */
async function invokeLocalFailing(args: string[]): Promise<{ code: unknown; output: string }> {
  const env = offlineEnv({ ...exported, POWERTOOLS_LOG_LEVEL: 'ERROR' });
  try {
    const pending = runFile(SLS, ['invoke', 'local', ...args], {
      cwd: ROOT,
      env,
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    // A terminal gives no event on stdin; an open pipe would keep sls waiting for one.
    pending.child.stdin?.end();
    const { stdout, stderr } = await pending;
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: unknown; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  } finally {
    cleanUp(env);
  }
}

it('sls invoke local -f streamConsumer without -p names the event it expects, by its error type', async () => {
  const { code, output } = await invokeLocalFailing(['-f', 'streamConsumer']);
  expect(code).not.toBe(0);
  expect(output).toContain('"errorType": "WrongEventError"');
  expect(output).toMatch(/streamConsumer expects a Kinesis Data Streams event .*-p events\/kinesis\.json/);
  expect(output).not.toContain('TypeError');
}, 180_000);

async function keys(prefix: string): Promise<string[]> {
  const bucket = exported.BUCKET_NAME!;
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

/** Runs one README line in a shell with the README's exports; the handler's response (last JSON on stdout). */
async function invoke(command: string): Promise<unknown> {
  const env = offlineEnv(exported);
  try {
    const { stdout } = await run(command, { cwd: ROOT, env, timeout: 150_000, maxBuffer: 10 * 1024 * 1024 });
    return JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1)) as unknown;
  } finally {
    cleanUp(env);
  }
}

type FirehoseResponse = {
  records: { recordId: string; result: string; metadata?: { partitionKeys: object } }[];
};

/** Firehose functions answer every record, with partition keys on those that are Ok. */
function answersEveryRecord(event: string, response: unknown): void {
  const input = JSON.parse(readFileSync(join(ROOT, event), 'utf8')) as { records: { recordId: string }[] };
  const { records } = response as FirehoseResponse;
  expect(records.map((record) => record.recordId)).toEqual(input.records.map((record) => record.recordId));
  const ok = records.filter((record) => record.result === 'Ok');
  expect(ok.length).toBeGreaterThan(0);
  expect(ok.every((record) => record.metadata?.partitionKeys)).toBe(true);
}

/** What each function must have done, by function and sample event; the prefix it must have written to. */
const EXPECTED: Record<string, { prefix: string; check: (response: unknown, event: string) => void }> = {
  'streamConsumer events/kinesis.json': {
    prefix: 'consumer/',
    check: (response) => expect(response).toEqual({ batchItemFailures: [] }),
  },
  'streamConsumer events/kinesis-kpl.json': {
    prefix: 'consumer/',
    check: (response) => expect(response).toEqual({ batchItemFailures: [] }),
  },
  'streamConsumer events/kinesis-with-bad-records.json': {
    prefix: 'consumer-errors/',
    check: (response) => expect(response).toEqual({ batchItemFailures: [] }),
  },
  'firehoseTransformer events/firehose-kinesis-source.json': {
    prefix: '',
    check: (r, e) => answersEveryRecord(e, r),
  },
  'firehoseTransformer events/firehose-cloudwatch-logs.json': {
    prefix: '',
    check: (r, e) => answersEveryRecord(e, r),
  },
  'partitionKeys events/firehose-direct-put.json': { prefix: '', check: (r, e) => answersEveryRecord(e, r) },
  'parquetConverter events/s3-object-created.json': {
    prefix: 'curated/event_type=click/dt=2026-11-22/',
    check: (response) =>
      expect(response).toMatchObject({ rows: 5, errors: 0, objects: [{ outcome: 'converted' }] }),
  },
  'windowAggregator events/kinesis-window.json': {
    prefix: 'analytics/',
    check: (response) => expect((response as { state?: object }).state).toBeDefined(),
  },
};

function caseOf(command: string): string {
  const match = /sls invoke local -f (\S+) -p (\S+)/.exec(command);
  if (match === null) throw new Error(`README line is not an invoke: ${command}`);
  return `${match[1]} ${match[2]}`;
}

it('shows the export line kpipe emulators prints', () => {
  expect(exportLine).toBe(printed);
});

it('invokes every function on its sample events, each case checked here', () => {
  expect(invocations.map(caseOf).sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(invocations)('README: %s', (command) => {
  it('exits 0 with the response the function owes and writes to the bucket', async () => {
    // Prepare
    const { prefix, check } = EXPECTED[caseOf(command)]!;
    const before = prefix === '' ? [] : await keys(prefix);

    // Act
    const response = await invoke(command);

    // Assess
    check(response, caseOf(command).split(' ')[1]!);
    if (prefix !== '') expect((await keys(prefix)).length).toBeGreaterThan(before.length);
  }, 180_000);
});
