/**
 * `kpipe <command> [options]`. Each command is one entry in the table below; a command module exports
 * `run(argv): Promise<number>` returning the process exit code.
 */
import * as events from './events';
import * as generate from './generate';
import * as local from './local';

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const commands: Record<string, Command> = {
  local: { summary: 'run the whole pipeline on this machine against emulators', run: local.run },
  generate: {
    summary: 'send records from a template to a stream, a delivery stream, stdout or a file',
    run: generate.run,
  },
  events: { summary: 'write Lambda sample events for `sls invoke local`', run: events.run },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'usage: kpipe <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'kpipe <command> --help for options',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`kpipe: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

/** Entry point of bin/kpipe.js: runs a command and sets the exit code; errors print as one line. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
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
