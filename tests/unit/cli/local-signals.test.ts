/**
 * `kpipe local` and Ctrl-C, and a run whose emulator died: what it says, its exit status, and the SIGINT
 * and SIGTERM handlers it adds and removes. The runtime and the console are mocked; signals are emitted in-process.
 */
import { startRunConsole } from '../../../lib/console/server/for-run';
import { EmulatorDownError } from '../../../lib/local/emulator-watch';
import { runLocalPipeline } from '../../../lib/local/runtime';
import { startKpipe } from '../../support/kpipe';
import { consoleAt, started, stdoutIsTTY } from '../../support/local-run';
import { localSummary } from '../../support/local-summary';

jest.mock('../../../lib/local/runtime', () => ({
  ...jest.requireActual<object>('../../../lib/local/runtime'),
  runLocalPipeline: jest.fn(),
}));
jest.mock('../../../lib/console/server/for-run', () => ({ startRunConsole: jest.fn() }));

const run = jest.mocked(runLocalPipeline);
const startConsole = jest.mocked(startRunConsole);
let exit: jest.SpiedFunction<typeof process.exit>;
let sigintListeners: number;
let sigtermListeners: number;

beforeEach(() => {
  run.mockReset();
  startConsole.mockReset();
  // The second Ctrl-C and a dead emulator end the process: here they only say they would.
  exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
  sigintListeners = process.listenerCount('SIGINT');
  sigtermListeners = process.listenerCount('SIGTERM');
});

afterEach(() => {
  exit.mockRestore();
  expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
  expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners);
});

/** A run that generates until its signal aborts, then drains and reports itself interrupted. */
function generateUntilAborted(): void {
  run.mockImplementation(async (options) => {
    options.onPhase?.('generating records');
    await new Promise((resolve) => options.signal!.addEventListener('abort', resolve));
    options.onPhase?.('draining Firehose buffers');
    return localSummary({
      interrupted: true,
      problems: ['interrupted: stopped by Ctrl-C or SIGTERM after 40 of 100 records'],
    });
  });
}

describe('Ctrl-C during a run', () => {
  it('stops generating, says what the run still does, and ends with the summary and 130', async () => {
    generateUntilAborted();
    const kpipe = startKpipe(['local', '--no-console']);
    await started(run);
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners + 1);

    process.emit('SIGINT');
    const result = await kpipe.done;

    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'stopping: generation stopped; now finishing what was generated… (Ctrl-C again to stop at once)\n',
    );
    expect(result.stderr).toContain('stopping: draining Firehose buffers…\n');
    expect(result.stdout).toMatch(
      /\ninterrupted before its count: every generated record is accounted for\.$/,
    );
    expect(exit).not.toHaveBeenCalled();
  });

  it('names the phase it was in when that was not generating', async () => {
    run.mockImplementation(async (options) => {
      options.onPhase?.('starting the emulators');
      await new Promise((resolve) => options.signal!.addEventListener('abort', resolve));
      return localSummary({ interrupted: true });
    });
    const kpipe = startKpipe(['local', '--no-console']);
    await started(run);

    process.emit('SIGINT');

    expect((await kpipe.done).stderr).toContain(
      'stopping: generation stopped; now starting the emulators… (Ctrl-C again to stop at once)\n',
    );
  });

  it('twice stops at once with 130, saying nothing was drained', async () => {
    generateUntilAborted();
    const kpipe = startKpipe(['local', '--no-console']);
    const options = await started(run);

    process.emit('SIGINT');
    expect(options.signal!.aborted).toBe(true);
    expect(exit).not.toHaveBeenCalled();
    process.emit('SIGINT');

    expect(exit).toHaveBeenCalledWith(130);
    expect((await kpipe.done).stderr).toContain(
      'stopped at once (second Ctrl-C): nothing drained, not reconciled\n',
    );
  });
});

describe('SIGTERM during a run (a process manager, docker stop)', () => {
  it('stops generating and drains as Ctrl-C does, naming the signal, and ends with the summary and 130', async () => {
    generateUntilAborted();
    const kpipe = startKpipe(['local', '--no-console']);
    await started(run);
    expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners + 1);

    process.emit('SIGTERM');
    const result = await kpipe.done;

    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'stopping on SIGTERM: generation stopped; now finishing what was generated… (Ctrl-C again to stop at once)\n',
    );
    expect(result.stdout).toMatch(
      /\ninterrupted before its count: every generated record is accounted for\.$/,
    );
    expect(exit).not.toHaveBeenCalled();
  });

  it('after a first Ctrl-C, stops at once, naming the signal that did', async () => {
    generateUntilAborted();
    const kpipe = startKpipe(['local', '--no-console']);
    await started(run);

    process.emit('SIGINT');
    process.emit('SIGTERM');

    expect(exit).toHaveBeenCalledWith(130);
    expect((await kpipe.done).stderr).toContain(
      'stopped at once (second SIGTERM): nothing drained, not reconciled\n',
    );
  });
});

describe('an emulator that died', () => {
  const down = {
    name: 'kinesalite',
    endpoint: 'http://127.0.0.1:4567',
    cause: 'exited (killed by SIGKILL)',
    line: 'kpipe: kinesalite exited (killed by SIGKILL); run kpipe local again',
  };

  afterEach(() => jest.useRealTimers());

  it('prints what was in flight instead of a summary, exits 3, and leaves 2 s later whatever still holds on', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    run.mockRejectedValue(new EmulatorDownError(down, ['generator: 40 records sent']));
    const running = consoleAt(startConsole);

    const result = await startKpipe(['local']).done;

    expect(result.code).toBe(3);
    expect(result.stdout).toContain('kpipe local — stopped: kinesalite exited (killed by SIGKILL)\n');
    expect(result.stdout).toContain('\n  generator: 40 records sent\n');
    expect(result.stdout).not.toContain('reconciliation');
    expect(running.close).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1_999);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(3);
  });
});

describe('the console on a terminal', () => {
  let restoreTTY: () => void;
  beforeEach(() => (restoreTTY = stdoutIsTTY(true)));
  afterEach(() => restoreTTY());

  it('stays up after the summary until Ctrl-C, then closes; the exit status is the run’s', async () => {
    const running = consoleAt(startConsole);
    run.mockResolvedValue(localSummary({ problems: ['Firehose received nothing'] }));
    const kpipe = startKpipe(['local']);

    await kpipe.printed(/the console stays up at http:\/\/127\.0\.0\.1:8123\/\?token=t .*; Ctrl-C closes it/);
    // The run's own handler is gone: this Ctrl-C closes the console, it does not stop a run.
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners + 1);
    expect(running.runEnded).toHaveBeenCalledTimes(1);
    expect(running.close).not.toHaveBeenCalled();
    process.emit('SIGINT');

    expect((await kpipe.done).code).toBe(1);
    expect(running.close).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
  });

  it('closes on SIGTERM too, and leaves no handler of either signal behind', async () => {
    const running = consoleAt(startConsole);
    run.mockResolvedValue(localSummary());
    const kpipe = startKpipe(['local']);

    await kpipe.printed(/the console stays up at .*; Ctrl-C closes it/);
    expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners + 1);
    process.emit('SIGTERM');

    expect((await kpipe.done).code).toBe(0);
    expect(running.close).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
  });

  it('does not stay up after a run stopped by Ctrl-C', async () => {
    const running = consoleAt(startConsole);
    generateUntilAborted();
    const kpipe = startKpipe(['local']);
    await started(run);

    process.emit('SIGINT');
    const result = await kpipe.done;

    expect(result.code).toBe(130);
    expect(result.stdout).not.toContain('the console stays up');
    expect(running.close).toHaveBeenCalledTimes(1);
  });
});
