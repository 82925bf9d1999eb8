/**
 * `kpipe local` as a user runs it: a second run on the same state folder is refused with the first one's
 * PID; Ctrl-C once says what the run does, drains and ends "interrupted" with status 130; Ctrl-C twice stops
 * at once; no emulator process survives either; a --follow run stopped by Ctrl-C resumes where it stopped,
 * and the lake of both runs holds each delivered record once (DuckDB, by event_id).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function kpipe(args: string[]): Run {
  const child = spawn(process.execPath, [resolve('bin/kpipe.js'), 'local', ...args], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Descendants of a process (the emulators it started), from ps. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

const LONG_RUN = ['--count', '1000000', '--rate', '500', '--invalid-ratio', '0'];

it('refuses a second run on the same state folder, and Ctrl-C once drains and ends "interrupted"', async () => {
  // Prepare: a long run, generating.
  const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-cli-'));
  const first = kpipe([...LONG_RUN, '--state-dir', stateDir]);
  await until(() => first.stderr().includes('generated'), 60_000, 'the first run to generate');
  const emulators = descendants(first.child.pid!);
  expect(emulators.length).toBeGreaterThan(0);

  // Act: a second run on the same folder, then Ctrl-C on the first.
  const second = kpipe(['--count', '10', '--state-dir', stateDir]);
  const secondCode = await second.exit;
  first.child.kill('SIGINT');
  const firstCode = await first.exit;

  // Assess
  expect(secondCode).toBe(1);
  expect(second.stderr()).toContain(`another kpipe local (PID ${first.child.pid}) is using ${stateDir}`);
  expect(second.stderr()).toContain('--state-dir');
  expect(first.stderr()).toMatch(/stopping: generation stopped; now .*Ctrl-C again to stop at once/);
  expect(first.stdout()).toContain('PROBLEM interrupted: stopped by Ctrl-C or SIGTERM after');
  expect(first.stdout()).toContain('interrupted before its count: every generated record is accounted for.');
  expect(firstCode).toBe(130);
  await until(() => emulators.every((pid) => !alive(pid)), 10_000, 'the emulators to exit');
}, 120_000);

it('stops at once on a second Ctrl-C, leaving no emulator behind', async () => {
  // Prepare
  const run = kpipe([...LONG_RUN, '--state-dir', mkdtempSync(join(tmpdir(), 'kpipe-cli-'))]);
  await until(() => run.stderr().includes('generated'), 60_000, 'the run to generate');
  const emulators = descendants(run.child.pid!);

  // Act
  const started = Date.now();
  run.child.kill('SIGINT');
  await until(() => run.stderr().includes('stopping:'), 10_000, 'the stopping message');
  run.child.kill('SIGINT');
  const code = await run.exit;

  // Assess
  expect(code).toBe(130);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(run.stderr()).toContain('stopped at once (second Ctrl-C)');
  expect(run.stdout()).not.toContain('reconciliation');
  await until(() => emulators.every((pid) => !alive(pid)), 10_000, 'the emulators to exit');
}, 120_000);

it('resumes a --follow run stopped by Ctrl-C, losing and duplicating nothing in the lake', async () => {
  // Prepare
  const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-follow-'));
  const delivered: number[] = [];

  // Act: two --follow runs on the same state folder, each stopped by Ctrl-C while generating.
  for (let round = 0; round < 2; round += 1) {
    const run = kpipe(['--follow', '--rate', '300', '--invalid-ratio', '0', '--state-dir', stateDir]);
    await until(() => /generated [1-9]/.test(run.stderr()), 60_000, 'the run to generate');
    await delay(3_000);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const line = /firehose +([\d,]+) in, [\d,]+ transformed, ([\d,]+) delivered/.exec(run.stdout());
    expect(line).not.toBeNull();
    const generated = /generated +([\d,]+) records/.exec(run.stdout())!;
    // The second run's delivery stream reads only that run's records: its checkpoint held.
    expect(line![1]).toBe(generated[1]);
    delivered.push(Number(line![2]!.replaceAll(',', '')));
  }

  // Assess
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const glob = join(stateDir, 'bucket', 'curated', '**', '*.parquet');
  const [row] = (
    await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM read_parquet('${glob}', hive_partitioning = true)`,
    )
  ).getRowObjectsJson();
  connection.closeSync();
  instance.closeSync();
  expect(delivered.every((count) => count > 0)).toBe(true);
  expect(row).toEqual({ n: delivered[0]! + delivered[1]!, ids: delivered[0]! + delivered[1]! });
}, 150_000);
