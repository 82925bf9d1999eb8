/**
 * `kpipe` run in-process (lib/cli/main.ts) with what it prints captured: console.log is stdout; console.error
 * and direct writes to process.stderr (the status line and notes of `kpipe local`) are stderr.
 */
import { main } from '../../lib/cli/main';

export interface KpipeResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunningKpipe {
  /** Settles when the command returns; the capture ends then. */
  done: Promise<KpipeResult>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr matches (polls every 5 ms; rejects after 5 s with what was printed). */
  printed(pattern: RegExp): Promise<void>;
}

export function startKpipe(argv: string[]): RunningKpipe {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((text: string) => void out.push(text));
  const error = jest.spyOn(console, 'error').mockImplementation((text: string) => void err.push(text));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
    err.push(String(text));
    return true;
  });
  const stdout = () => out.join('\n');
  const stderr = () => err.join('\n');
  const done = (async () => {
    try {
      return { code: await main(argv), stdout: stdout(), stderr: stderr() };
    } finally {
      log.mockRestore();
      error.mockRestore();
      write.mockRestore();
    }
  })();
  const printed = async (pattern: RegExp) => {
    const deadline = Date.now() + 5_000;
    while (!pattern.test(stdout()) && !pattern.test(stderr())) {
      if (Date.now() > deadline)
        throw new Error(`kpipe did not print ${pattern}; stdout:\n${stdout()}\nstderr:\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { done, stdout, stderr, printed };
}

/** Runs `kpipe ...argv` to its end. */
export function kpipe(...argv: string[]): Promise<KpipeResult> {
  return startKpipe(argv).done;
}
