/** The exit codes a shell sees from bin/kpipe.js itself (main.test.ts covers the messages in-process). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function kpipe(...args: string[]) {
  return spawnSync('node', [join(ROOT, 'bin/kpipe.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH },
  });
}

it('kpipe --version exits 0 with the version', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = kpipe('--version');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(`kpipe ${version}\n`);
});

it.each([
  [['local', '--cont', '5'], /^kpipe local: unknown option --cont \(did you mean --count\?\)/],
  [['events', '--sed', '1'], /^kpipe events: unknown option --sed \(did you mean --seed\?\)/],
  [['generate', '--quite'], /^kpipe generate: unknown option --quite \(did you mean --quiet\?\)/],
])('kpipe %j exits 2 with the mistake and the usage', (args, message) => {
  const result = kpipe(...args);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/\nusage: kpipe /);
});

it('prints no AWS SDK Node-version warning', () => {
  const result = kpipe('generate', '--count', '1', '--target', 'kinesis:s', '--quiet');
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/region missing: /);
  expect(result.stderr).not.toMatch(/NodeVersionSupportWarning/);
});
