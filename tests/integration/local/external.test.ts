/**
 * `kpipe local` against emulators the test started (`--kinesis-endpoint`, `--s3-endpoint`): a second run on
 * the same emulators reconciles only what it wrote (the first run's records and objects stay there), and a
 * Firehose whose S3 writes are refused ends with an UNDELIVERED firehose line and exit status 1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKinesalite, startS3rver, type KinesisEmulator, type S3Emulator } from '../support/emulators';
import { startS3FaultProxy } from '../support/s3-fault-proxy';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kpipe(args: string[]): Promise<Result> {
  const child = spawn(
    process.execPath,
    [resolve('bin/kpipe.js'), 'local', '--no-console', '--invalid-ratio', '0.1', ...args],
    {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

let kinesis: KinesisEmulator;
let s3: S3Emulator;

beforeAll(async () => {
  [kinesis, s3] = await Promise.all([startKinesalite(), startS3rver()]);
});

afterAll(async () => {
  await Promise.all([kinesis?.stop(), s3?.stop()]);
});

const endpoints = () => ['--kinesis-endpoint', kinesis.endpoint, '--s3-endpoint', s3.endpoint];
const stateDir = () => ['--state-dir', mkdtempSync(join(tmpdir(), 'kpipe-external-'))];

it('reconciles a run on external emulators, twice: each run counts only what it wrote', async () => {
  for (const count of [300, 200]) {
    const run = await kpipe(['--count', String(count), ...endpoints(), ...stateDir()]);

    expect(run.stdout).not.toContain('not reconciled');
    expect(run.stdout).toMatch(new RegExp(`ok  streamConsumer: every record delivered.*expected ${count},`));
    expect(run.stdout).toMatch(new RegExp(`ok  Firehose: every record delivered.*expected ${count},`));
    expect(run.stdout).not.toContain('FAIL');
    expect(run.stdout).not.toContain('UNDELIVERED');
    expect(run.stdout).toContain('every generated record is accounted for.');
    expect(run.code).toBe(0);
  }
}, 120_000);

it('says by path when Firehose could not write to S3, and exits 1', async () => {
  // Prepare: S3 refuses every raw Firehose object for good (AccessDenied is not retried).
  const proxy = await startS3FaultProxy(s3.endpoint, ({ method, path }) =>
    method === 'PUT' && path.includes('/raw/')
      ? { kind: 'error', status: 403, code: 'AccessDenied', after: false }
      : { kind: 'pass' },
  );
  try {
    // Act
    const run = await kpipe([
      '--count',
      '200',
      '--kinesis-endpoint',
      kinesis.endpoint,
      '--s3-endpoint',
      proxy.endpoint,
      ...stateDir(),
    ]);

    // Assess
    expect(proxy.counts['error-before']).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^UNDELIVERED firehose: [\d,]+ records? not written to S3 after retries/m);
    expect(run.stdout).not.toMatch(/^UNDELIVERED (consumer|generator|windows)/m);
    expect(run.stdout).toMatch(/FAIL Firehose: every record delivered raw/);
    expect(run.stdout).toContain('records were lost or NOT delivered (see UNDELIVERED above)');
    expect(run.code).toBe(1);
  } finally {
    await proxy.close();
  }
}, 120_000);
