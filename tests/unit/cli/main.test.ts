/**
 * Every `kpipe` mistake gets the same treatment: a message naming it (with "did you mean" where something is
 * close), the command's usage, and exit code 2. None of these cases gets as far as starting anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../lib/cli/main';
import { kpipe } from '../../support/kpipe';

const ROOT = join(__dirname, '../../..');

it('kpipe --version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

  const result = await kpipe('--version');

  expect(result).toEqual({ code: 0, stdout: `kpipe ${version}`, stderr: '' });
});

it('kpipe --help prints the usage on stdout and exits 0', async () => {
  const result = await kpipe('--help');

  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^usage: kpipe <command>/);
  expect(result.stdout).toContain('kpipe --version');
});

describe.each<[string, string[], RegExp, RegExp]>([
  ['no command', [], /^kpipe: no command given/, /usage: kpipe <command>/],
  [
    'a mistyped command',
    ['generat'],
    /^kpipe: unknown command "generat" \(did you mean "generate"\?\)/,
    /usage: kpipe <command>/,
  ],
  ['an unknown command', ['deploy'], /^kpipe: unknown command "deploy"\n/, /usage: kpipe <command>/],
  [
    'an unknown top-level option',
    ['--verbose'],
    /^kpipe: unknown option "--verbose"/,
    /usage: kpipe <command>/,
  ],
  [
    'a mistyped flag of local',
    ['local', '--cont', '5'],
    /^kpipe local: unknown option --cont \(did you mean --count\?\)/,
    /usage: kpipe local \[pipeline.yml\]/,
  ],
  [
    'an unknown flag of local',
    ['local', '--zzzzzz'],
    /^kpipe local: unknown option --zzzzzz\n/,
    /usage: kpipe local/,
  ],
  [
    'a bad value of local',
    ['local', '--count', 'x'],
    /^kpipe local: --count must be an integer from 1 to 10000000, got "x"\n/,
    /usage: kpipe local/,
  ],
  [
    'two pipeline files for local',
    ['local', 'a.yml', 'b.yml'],
    /^kpipe local: one pipeline file at most, got a.yml b.yml/,
    /usage: kpipe local/,
  ],
  [
    'a mistyped flag of events',
    ['events', '--sed', '3'],
    /^kpipe events: unknown option --sed \(did you mean --seed\?\)/,
    /usage: kpipe events/,
  ],
  [
    'a bad value of events',
    ['events', '--count', '0'],
    /^kpipe events: --count must be a positive integer, got "0"/,
    /usage: kpipe events/,
  ],
  [
    'a stray argument to events',
    ['events', 'out'],
    /^kpipe events: Unexpected argument 'out'/,
    /usage: kpipe events/,
  ],
  [
    'a mistyped flag of generate',
    ['generate', '--cont', '5'],
    /^kpipe generate: unknown option --cont \(did you mean --count\?\)/,
    /usage: kpipe generate \[options\]/,
  ],
  [
    'a bad target of generate',
    ['generate', '--target', 'kafka:x'],
    /^kpipe generate: --target must be stdout, file:<path>, kinesis:<stream> or firehose:<name>/,
    /usage: kpipe generate/,
  ],
  [
    'a bad port for emulators',
    ['emulators', '--s3-port', '99999'],
    /^kpipe emulators: --s3-port must be a port from 1 to 65535, got "99999"/,
    /usage: kpipe emulators/,
  ],
  [
    'a flag value missing',
    ['generate', '--count'],
    /^kpipe generate: Option '--count <value>' argument missing/,
    /usage: kpipe generate/,
  ],
])('kpipe with %s', (_, argv, message, usage) => {
  it('names the mistake, prints the usage and exits 2', async () => {
    const result = await kpipe(...argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(usage);
    expect(result.stdout).toBe('');
  });
});

it.each(['local', 'events', 'generate', 'emulators'])(
  'kpipe %s --help prints its usage and exits 0',
  async (command) => {
    const result = await kpipe(command, '--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: kpipe ${command}`));
  },
);

describe('runCli, the entry point of bin/kpipe.js', () => {
  const saved = {
    exitCode: process.exitCode,
    warning: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
  };

  afterEach(() => {
    process.exitCode = saved.exitCode;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved.warning;
  });

  /** runCli returns nothing: its command is over once it sets the exit code. */
  async function runCliToEnd(argv: string[]): Promise<{ code: number | string | undefined; stderr: string }> {
    const printed: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((text: string) => void printed.push(text));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      process.exitCode = undefined;
      runCli(argv);
      while (process.exitCode === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      return { code: process.exitCode, stderr: printed.join('\n') };
    } finally {
      error.mockRestore();
      log.mockRestore();
    }
  }

  it("sets the command's exit code", async () => {
    expect(await runCliToEnd(['--version'])).toEqual({ code: 0, stderr: '' });
    expect((await runCliToEnd(['deploy'])).code).toBe(2);
  });

  it('prints an error other than a usage error after "kpipe:", without a stack, and exits 1', async () => {
    const result = await runCliToEnd(['events', '--pipeline', 'no-such-pipeline.yml']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^kpipe: \S*no-such-pipeline\.yml is not a valid pipeline:\n {2}- file not found$/,
    );
  });

  it('prints a thrown value that is not an Error as it is', async () => {
    // A command that rejects with a string (a dependency may). main.ts loads the command when it runs it, so
    // the mock stays in place until then, and is lifted for the other tests.
    jest.doMock('../../../lib/cli/events', () => ({ USAGE: '', run: () => Promise.reject('disk full') }));
    try {
      expect(await runCliToEnd(['events'])).toEqual({ code: 1, stderr: 'kpipe: disk full' });
    } finally {
      jest.dontMock('../../../lib/cli/events');
    }
  });

  it("turns off the AWS SDK's Node-version warning unless the user set the switch", async () => {
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    await runCliToEnd(['--version']);
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');

    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'false';
    await runCliToEnd(['--version']);
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('false');
  });
});
