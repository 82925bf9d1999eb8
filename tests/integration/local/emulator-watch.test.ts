/**
 * A dead or hung emulator during `kpipe local`: kill -9 of the kinesalite kpipe started, an external
 * emulator (started here) that goes away, and one that hangs (SIGSTOP). Each run says so in one line naming
 * the emulator, the cause and the way out within 10 s, prints what was in flight and exits 3; Ctrl-C ends a
 * run whose emulator hangs. With --follow, kpipe restarts its own emulator on its data and loses nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startS3rver, type S3Emulator } from '../support/emulators';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function kpipe(args: string[]): Run {
  const child = spawn(
    process.execPath,
    [
      resolve('bin/kpipe.js'),
      'local',
      '--no-console',
      '--count',
      '1000000',
      '--rate',
      '300',
      '--invalid-ratio',
      '0',
      '--state-dir',
      mkdtempSync(join(tmpdir(), 'kpipe-watch-')),
      ...args,
    ],
    { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** Milliseconds until the run exits (it is killed after `limitMs`, and the test fails). */
async function exitWithin(run: Run, limitMs: number): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const timer = setTimeout(() => run.child.kill('SIGKILL'), limitMs);
  const code = await run.exit;
  clearTimeout(timer);
  return { code, ms: Date.now() - started };
}

/** A standalone kinesalite, as a user runs it (README: bring your own emulators). */
async function externalKinesalite(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, [resolve('lib/local/kinesalite-server.cjs'), '{"standalone":true}'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((done) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(text);
      if (match) done(Number(match[1]));
    });
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

let s3: S3Emulator;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

it('kill -9 of the kinesalite it started: one line, what was in flight, exit 3 within 10 s', async () => {
  // Prepare
  const run = kpipe([]);
  await until(() => /generated [1-9]/.test(run.stderr()), 60_000, 'the run to generate');
  const table = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(run.child.pid)], {
    encoding: 'utf8',
  });
  const kinesalite = Number(/^\s*(\d+) .*kinesalite-server\.cjs/m.exec(table)?.[1]);
  expect(kinesalite).toBeGreaterThan(0);

  // Act
  process.kill(kinesalite, 'SIGKILL');
  const { code, ms } = await exitWithin(run, 20_000);

  // Assess
  expect(run.stderr()).toMatch(
    /^kpipe: kinesalite \(http:\/\/127\.0\.0\.1:\d+\) exited \(killed by SIGKILL\): the run stops now; run kpipe local again/m,
  );
  expect(run.stdout()).toContain('kpipe local — stopped: kinesalite exited (killed by SIGKILL)');
  expect(run.stdout()).toMatch(/in flight when it stopped[\s\S]*generated +[\d]+ records acknowledged/);
  expect(run.stdout()).not.toContain('reconciliation');
  expect(code).toBe(3);
  expect(ms).toBeLessThan(10_000);
}, 120_000);

it('an external Kinesis emulator that goes away: named with its endpoint, exit 3 within 10 s', async () => {
  // Prepare
  const kinesis = await externalKinesalite();
  const run = kpipe(['--kinesis-endpoint', kinesis.endpoint, '--s3-endpoint', s3.endpoint]);
  try {
    await until(() => /generated [1-9]/.test(run.stderr()), 60_000, 'the run to generate');

    // Act
    kinesis.child.kill('SIGKILL');
    const { code, ms } = await exitWithin(run, 20_000);

    // Assess
    expect(run.stderr()).toContain(
      `kpipe: the Kinesis emulator of --kinesis-endpoint (${kinesis.endpoint}) stopped answering (3 health calls in a row: ECONNREFUSED): the run stops now; start it again (or point --kinesis-endpoint at one that runs)`,
    );
    expect(code).toBe(3);
    expect(ms).toBeLessThan(10_000);
  } finally {
    kinesis.child.kill('SIGKILL');
  }
}, 120_000);

it('an external emulator that hangs (SIGSTOP): found within 10 s, and Ctrl-C works meanwhile', async () => {
  // Prepare
  const kinesis = await externalKinesalite();
  const run = kpipe(['--kinesis-endpoint', kinesis.endpoint, '--s3-endpoint', s3.endpoint]);
  try {
    await until(() => /generated [1-9]/.test(run.stderr()), 60_000, 'the run to generate');

    // Act: it hangs; Ctrl-C right away (the drain it asks for cannot reach the emulator).
    kinesis.child.kill('SIGSTOP');
    run.child.kill('SIGINT');
    const { code, ms } = await exitWithin(run, 20_000);

    // Assess
    expect(run.stderr()).toMatch(
      /kpipe: the Kinesis emulator of --kinesis-endpoint \(\S+\) stopped answering \(3 health calls in a row: no answer within 2000 ms\)/,
    );
    expect(code).toBe(3);
    expect(ms).toBeLessThan(12_000);
  } finally {
    kinesis.child.kill('SIGKILL');
    kinesis.child.kill('SIGCONT');
  }
}, 120_000);

/** The first number after `label` in the summary (`generated   5,521 records` → 5521). */
function figure(summary: string, label: RegExp): number {
  const match = new RegExp(`${label.source}\\s+([\\d,]+)`, 'm').exec(summary);
  if (!match) throw new Error(`no ${label.source} figure in:\n${summary}`);
  return Number(match[1]!.replace(/,/g, ''));
}

it('--follow: kill -9 of its kinesalite restarts it on its data; the run goes on and loses nothing', async () => {
  // Prepare
  const run = kpipe(['--follow', '--rate', '200']);
  await until(() => /generated [1-9]/.test(run.stderr()), 60_000, 'the run to generate');
  const table = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(run.child.pid)], {
    encoding: 'utf8',
  });
  const kinesalite = Number(/^\s*(\d+) .*kinesalite-server\.cjs/m.exec(table)?.[1]);

  // Act: kill it, let the run go on, then Ctrl-C.
  process.kill(kinesalite, 'SIGKILL');
  await until(() => run.stderr().includes('restarting it on its data'), 10_000, 'the restart line');
  const afterRestart = run.stderr().length;
  await until(
    () => /generated [\d,]+ \| consumed [1-9]/.test(run.stderr().slice(afterRestart)),
    30_000,
    'progress after the restart',
  );
  run.child.kill('SIGINT');
  const { code } = await exitWithin(run, 60_000);

  // Assess
  expect(run.stderr()).toMatch(
    /^kpipe: kinesalite \(http:\/\/127\.0\.0\.1:\d+\) exited \(killed by SIGKILL\): restarting it on its data \(restart 1 of 3\); the run goes on$/m,
  );
  const summary = run.stdout();
  const generated = figure(summary, /^ {2}generated/);
  expect(generated).toBeGreaterThan(0);
  expect(figure(summary, /^ {2}consumer/)).toBe(generated);
  expect(figure(summary, /^ {2}firehose/)).toBe(generated);
  expect(summary).not.toContain('UNDELIVERED');
  expect(code).toBe(0);
}, 150_000);
