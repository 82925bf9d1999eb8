/**
 * `kpipe <command> [options]`. Each command is one entry in the table below; a command module exports
 * `run(argv): Promise<number>` returning the process exit code, and its usage text. A UsageError from any
 * command prints the mistake and that usage, and exits 2.
 */
import { version } from '../../package.json';
import { didYouMean } from '../text/suggest';
import * as emulators from './emulators';
import * as events from './events';
import * as generate from './generate';
import * as local from './local';
import * as query from './query';
import { USAGE_EXIT_CODE, UsageError } from './usage';

type Command = { summary: string; usage: string; run: (argv: string[]) => Promise<number> };

const commands: Record<string, Command> = {
  local: {
    summary: 'run the whole pipeline on this machine against emulators',
    usage: local.USAGE,
    run: local.run,
  },
  query: {
    summary: 'run SQL (DuckDB) over the Parquet lake and error outputs of the last local run',
    usage: query.USAGE,
    run: query.run,
  },
  generate: {
    summary: 'send records from a template to a stream, a delivery stream, stdout or a file',
    usage: generate.USAGE,
    run: generate.run,
  },
  events: {
    summary: 'write Lambda sample events for `sls invoke local`',
    usage: events.USAGE,
    run: events.run,
  },
  emulators: {
    summary: 'run s3rver with the sample bucket and object for `sls invoke local`, until Ctrl-C',
    usage: emulators.USAGE,
    run: emulators.run,
  },
};

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
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`kpipe ${name}: ${error.message}\n\n${command.usage}`);
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
