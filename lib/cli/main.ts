/**
 * `kpipe <command> [options]`. Each command is one entry in the table below; a command module exports
 * `run(argv): Promise<number>` returning the process exit code, and its usage text. A UsageError from any
 * command prints the mistake and that usage, and exits 2.
 */
import { version } from '../../package.json';
import { didYouMean } from '../text/suggest';
import { USAGE_EXIT_CODE, UsageError } from './usage';

type CommandModule = { USAGE: string; run: (argv: string[]) => Promise<number> };
type Command = { summary: string; load: () => CommandModule };

// Each command's module is loaded only when that command runs: loading all of them (the AWS SDK, DuckDB,
// the emulators) cost every `kpipe` call about 3 s of tsx compiling before it printed a word. require(), not
// import(): bin/kpipe.js registers tsx for require() only, and jest compiles to CommonJS as well.
/* eslint-disable @typescript-eslint/no-require-imports */
const commands: Record<string, Command> = {
  local: {
    summary: 'run the whole pipeline on this machine against emulators',
    load: () => require('./local') as typeof import('./local'),
  },
  query: {
    summary: 'run SQL (DuckDB) over the Parquet lake and error outputs of the last local run',
    load: () => require('./query') as typeof import('./query'),
  },
  generate: {
    summary: 'send records from a template to a stream, a delivery stream, stdout or a file',
    load: () => require('./generate') as typeof import('./generate'),
  },
  events: {
    summary: 'write Lambda sample events for `sls invoke local`',
    load: () => require('./events') as typeof import('./events'),
  },
  emulators: {
    summary: 'run s3rver with the sample bucket and object for `sls invoke local`, until Ctrl-C',
    load: () => require('./emulators') as typeof import('./emulators'),
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'usage: kpipe <command> [options]',
    '       kpipe --version',
    '',
    'commands:',
    ...lines,
    '',
    'kpipe <command> --help for options',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(`kpipe ${version}`);
    return 0;
  }
  if (name === undefined) {
    console.error(`kpipe: no command given\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    const known = Object.keys(commands);
    const what = name.startsWith('-') ? 'option' : 'command';
    console.error(`kpipe: unknown ${what} "${name}"${didYouMean(name, known)}\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  const module = command.load();
  try {
    return await module.run(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`kpipe ${name}: ${error.message}\n\n${module.USAGE}`);
    return USAGE_EXIT_CODE;
  }
}

/** Entry point of bin/kpipe.js: runs a command and sets the exit code; errors print as one line. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  // The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22; the versions
  // package-lock.json pins run on 20, and the warning hid every command's output. The SDK's own switch;
  // a value the user set wins. README "Requirements" says the same.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`kpipe: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
