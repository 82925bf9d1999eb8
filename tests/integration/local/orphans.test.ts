/**
 * No emulator outlives `kpipe local`, even when kpipe is killed with SIGKILL (no handler of its own runs):
 * kinesalite and s3rver watch their stdin pipe (server-lifetime.cjs), kinesis-mock gets the same watch
 * preloaded (exit-with-parent.cjs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Descendants of a process with their command lines, from ps. */
function descendants(pid: number): { pid: number; args: string }[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }));
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number) => {
    for (const row of table) {
      if (row.ppid === parent) {
        found.push({ pid: row.pid, args: row.args });
        walk(row.pid);
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

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

it.each([
  ['kinesalite', /kinesalite-server\.cjs/],
  ['kinesis-mock', /exit-with-parent\.cjs main\.js/],
])(
  'SIGKILL of kpipe local on %s leaves no emulator process within 5 s',
  async (emulator, pattern) => {
    // Prepare: a long run, generating.
    const run = spawn(
      process.execPath,
      [
        resolve('bin/kpipe.js'),
        'local',
        '--no-console',
        '--kinesis-emulator',
        emulator,
        '--count',
        '1000000',
        '--rate',
        '100',
        '--state-dir',
        mkdtempSync(join(tmpdir(), 'kpipe-orphans-')),
      ],
      { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((done) => run.once('exit', done));
    expect(await until(() => /generated [1-9]/.test(stderr), 90_000)).toBe(true);
    const children = descendants(run.pid!);
    expect(children.map((child) => child.args)).toEqual(
      expect.arrayContaining([expect.stringMatching(pattern), expect.stringMatching(/s3rver-server\.cjs/)]),
    );

    // Act
    run.kill('SIGKILL');
    await exited;

    // Assess
    const gone = await until(() => children.every((child) => !alive(child.pid)), 5_000);
    const left = children.filter((child) => alive(child.pid));
    for (const child of left) process.kill(child.pid, 'SIGKILL');
    expect(left).toEqual([]);
    expect(gone).toBe(true);
  },
  150_000,
);
