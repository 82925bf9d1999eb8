/**
 * `kpipe local` without emulators: the test files that use these mock lib/local/runtime's runLocalPipeline
 * and the console (lib/console/server/for-run), and hand the mocks here.
 */
import type { startRunConsole } from '../../lib/console/server/for-run';
import type { LocalRunOptions, runLocalPipeline } from '../../lib/local/runtime';
import { localSummary } from './local-summary';

export type RunMock = jest.MockedFunction<typeof runLocalPipeline>;
export type ConsoleMock = jest.MockedFunction<typeof startRunConsole>;

/** The options the command gave the runtime (its only call). */
export function runOptions(run: RunMock): LocalRunOptions {
  expect(run).toHaveBeenCalledTimes(1);
  return run.mock.calls[0]![0];
}

/** A run that did its job, at once. */
export function succeed(run: RunMock): void {
  run.mockResolvedValue(localSummary());
}

/** A console that started; its runEnded and close are mocks to look at. */
export function consoleAt(console_: ConsoleMock, url = 'http://127.0.0.1:8123/?token=t') {
  const running = { url, token: 't', port: 8123, runEnded: jest.fn(), close: jest.fn(async () => {}) };
  console_.mockResolvedValue(running);
  return running;
}

/** Resolves once the mocked run has been called, with the options it was given. */
export async function started(run: RunMock): Promise<LocalRunOptions> {
  while (run.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
  return run.mock.calls[0]![0];
}

/** Sets process.stdout.isTTY for one test (the console stays up after a run only on a terminal). */
export function stdoutIsTTY(value: boolean): () => void {
  const saved = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value, configurable: true });
  return () => {
    if (saved) Object.defineProperty(process.stdout, 'isTTY', saved);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  };
}
