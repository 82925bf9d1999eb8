/**
 * `kpipe local` as a command, its runtime and console mocked: the options it hands the run, what it prints,
 * its exit status, and the numeric flags refused before anything starts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRunConsole } from '../../../lib/console/server/for-run';
import { LocalRunError, runLocalPipeline } from '../../../lib/local/runtime';
import { kpipe } from '../../support/kpipe';
import { localSummary } from '../../support/local-summary';
import { consoleAt, runOptions, stdoutIsTTY, succeed } from '../../support/local-run';

jest.mock('../../../lib/local/runtime', () => ({
  ...jest.requireActual<object>('../../../lib/local/runtime'),
  runLocalPipeline: jest.fn(),
}));
jest.mock('../../../lib/console/server/for-run', () => ({ startRunConsole: jest.fn() }));

const run = jest.mocked(runLocalPipeline);
const startConsole = jest.mocked(startRunConsole);
let restoreTTY: () => void;
let sigintListeners: number;

beforeEach(() => {
  run.mockReset();
  startConsole.mockReset();
  // In a pipe, as under jest: the console closes after the summary.
  restoreTTY = stdoutIsTTY(false);
  sigintListeners = process.listenerCount('SIGINT');
});

afterEach(() => {
  restoreTTY();
  // Every path removes the Ctrl-C handler it added.
  expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
});

describe('a run that did its job', () => {
  it('hands the run its flags, prints the summary and exits 0', async () => {
    succeed(run);

    const result = await kpipe(
      'local',
      '--no-console',
      ...['--count', '10', '--seed', '7', '--rate', '2.5', '--invalid-ratio', '0', '--producers', '2'],
      ...['--template', 'clickstream', '--state-dir', 'runs/x', '--kinesis-emulator', 'kinesis-mock'],
      ...['--kinesis-endpoint', 'http://127.0.0.1:1', '--s3-endpoint', 'http://127.0.0.1:2', '--follow'],
    );

    expect(result.code).toBe(0);
    expect(runOptions(run)).toMatchObject({
      count: 10,
      seed: 7,
      ratePerSecond: 2.5,
      invalidRatio: 0,
      producers: 2,
      template: 'clickstream',
      workDir: 'runs/x',
      kinesisEmulator: 'kinesis-mock',
      endpoints: { kinesis: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2' },
      follow: true,
    });
    expect(result.stdout).toMatch(/^\nkpipe local — summary \(Kinesis emulator: kinesalite\)\n/);
    expect(result.stdout.split('\n').at(-1)).toBe('every generated record is accounted for.');
    expect(startConsole).not.toHaveBeenCalled();
  });

  it('runs the sample pipeline with the defaults USAGE names, and a mask salt that needs no secret', async () => {
    succeed(run);
    const salt = process.env.MASK_SALT;
    delete process.env.MASK_SALT;

    try {
      await kpipe('local', '--no-console');
    } finally {
      if (salt !== undefined) process.env.MASK_SALT = salt;
    }

    const options = runOptions(run);
    expect(options).toMatchObject({
      count: 2000,
      invalidRatio: 0.05,
      producers: 4,
      seed: undefined,
      ratePerSecond: undefined,
      workDir: '.local',
      kinesisEmulator: 'kinesalite',
      follow: false,
    });
    expect(options.pipeline.file).toBe(resolve('pipeline.yml'));
    expect(options.env.MASK_SALT).toBe('kpipe-local-salt');
    expect(options.converter).toEqual(expect.any(Function));
  });

  it('keeps a MASK_SALT the user set, and takes --work-dir, the former name of --state-dir', async () => {
    succeed(run);
    const salt = process.env.MASK_SALT;
    process.env.MASK_SALT = 'mine';

    try {
      await kpipe('local', '--no-console', '--work-dir', 'old');
    } finally {
      if (salt === undefined) delete process.env.MASK_SALT;
      else process.env.MASK_SALT = salt;
    }

    expect(runOptions(run)).toMatchObject({
      workDir: 'old',
      env: expect.objectContaining({ MASK_SALT: 'mine' }),
    });
  });

  it.each([
    ['a run that did not do its job', { problems: ['Firehose received nothing'] }, 1],
    ['a run with records undelivered', { undelivered: ['firehose: 3 records not written'] }, 1],
    ['a run stopped before its count', { interrupted: true }, 130],
  ])('exits non-zero for %s', async (_, change, code) => {
    run.mockResolvedValue(localSummary(change));

    expect((await kpipe('local', '--no-console')).code).toBe(code);
  });

  it('prints the pipeline warnings, each with the way to refuse them', async () => {
    succeed(run);
    const dir = mkdtempSync(join(tmpdir(), 'kpipe-warn-'));
    const file = join(dir, 'pipeline.yml');
    const sample = readFileSync('pipeline.yml', 'utf8');
    writeFileSync(
      file,
      sample
        .replace('pattern: yyyy-MM-dd', 'pattern: yyyy-mm-dd')
        .replace('schema: schemas/', `schema: ${resolve('schemas')}/`),
    );

    try {
      const result = await kpipe('local', '--no-console', file);

      expect(result.stderr).toMatch(
        /^kpipe: warning: partitioning\.keys\[1\]\.timestamp\.pattern: 'yyyy-mm-dd'.* \(--strict makes this an error\)$/m,
      );
      expect(runOptions(run).pipeline.file).toBe(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('numbers refused before anything starts', () => {
  it.each([
    ['--count', '2.5', 'an integer from 1 to 10000000'],
    ['--count', '0', 'an integer from 1 to 10000000'],
    ['--producers', '1.5', 'an integer from 1 to 64'],
    ['--producers', '65', 'an integer from 1 to 64'],
    ['--seed', '1.5', 'an integer from 0 to 2^32-1'],
    ['--seed', '-1', 'an integer from 0 to 2^32-1'],
    ['--seed', '', 'an integer from 0 to 2^32-1'],
    ['--rate', '0', 'a number from 1 to 1000000'],
    ['--rate', 'fast', 'a number from 1 to 1000000'],
    ['--invalid-ratio', '1.5', 'a number from 0 to 1'],
    ['--console-port', '80.5', 'an integer from 1 to 65535'],
    ['--console-port', '0', 'an integer from 1 to 65535'],
    ['--console-port', '65536', 'an integer from 1 to 65535'],
  ])('%s %j: names the flag, what it takes and what it got; exit 2', async (flag, value, expected) => {
    // A pipeline file that does not exist: the number is refused before the pipeline is read.
    const result = await kpipe('local', 'missing-pipeline.yml', `${flag}=${value}`);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^kpipe local: ${flag} must be ${expected.replace(/[$^]/g, '\\$&')}, got "${value}"\n`),
    );
    expect(startConsole).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses an unknown Kinesis emulator, naming the ones there are', async () => {
    const result = await kpipe('local', '--kinesis-emulator', 'localstack');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^kpipe local: --kinesis-emulator must be one of kinesalite, kinesis-mock, got "localstack"\n/,
    );
    expect(run).not.toHaveBeenCalled();
  });
});

describe('progress and warnings on stderr', () => {
  it('prints the progress of every stage, and the warnings the run reports', async () => {
    run.mockImplementation(async (options) => {
      options.onProgress?.({
        generated: { acknowledged: 1200 } as never,
        consumer: { records: 1100, batches: 1 } as never,
        firehose: { recordsIn: 1000, delivered: 990, errorOutput: 10, objects: 1 } as never,
        converted: { objects: 1, rows: 1, errors: 0, failedObjects: 0 },
      });
      options.onWarning?.('warning: GetRecords failed once (see .local/kpipe-local.log)');
      return localSummary();
    });

    const result = await kpipe('local', '--no-console');

    expect(result.stderr).toContain(
      'generated 1,200 | consumed 1,100 (1 batch) | firehose in 1,000 → 990 delivered, 10 errors, 1 object | parquet 1 row\n',
    );
    expect(result.stderr).toContain('warning: GetRecords failed once (see .local/kpipe-local.log)\n');
  });

  it('leaves out the stages that have not started yet', async () => {
    run.mockImplementation(async (options) => {
      options.onProgress?.({
        consumer: undefined,
        firehose: undefined,
        converted: { objects: 0, rows: 0, errors: 0, failedObjects: 0 },
      });
      return localSummary();
    });

    expect((await kpipe('local', '--no-console')).stderr).toContain('generated 0 | parquet 0 rows\n');
  });
});

describe('a run that failed', () => {
  it('names the phase, what answered and where its state is kept', async () => {
    const cause = Object.assign(new Error('We encountered an internal error.'), {
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    run.mockRejectedValue(new LocalRunError('mirroring the bucket to disk', cause));

    await expect(kpipe('local', '--no-console', '--state-dir', 'runs/y')).rejects.toThrow(
      'the run failed while mirroring the bucket to disk: InternalError (HTTP 500) from the emulator: ' +
        'We encountered an internal error.; what it wrote is kept in runs/y',
    );
  });

  it('names the phase the run last reported for an error of its own', async () => {
    run.mockImplementation(async (options) => {
      options.onPhase?.('creating the stream');
      throw new Error('ECONNRESET');
    });

    await expect(kpipe('local', '--no-console')).rejects.toThrow(
      'the run failed while creating the stream: ECONNRESET; what it wrote is kept in .local',
    );
  });
});

describe('the console', () => {
  it('starts on the port asked for, says where, and closes after the summary in a pipe', async () => {
    const running = consoleAt(startConsole);
    succeed(run);

    const result = await kpipe('local', '--console-port', '8123', '--s3-endpoint', 'http://127.0.0.1:2');

    expect(result.code).toBe(0);
    expect(startConsole).toHaveBeenCalledWith(
      expect.objectContaining({
        port: 8123,
        stateDir: '.local',
        endpoints: { kinesis: undefined, s3: 'http://127.0.0.1:2' },
      }),
    );
    expect(startConsole.mock.calls[0]![0].live).toBe(runOptions(run).live);
    expect(result.stderr).toContain('console: http://127.0.0.1:8123/?token=t\n');
    expect(running.runEnded).toHaveBeenCalledTimes(1);
    expect(running.close).toHaveBeenCalledTimes(1);
    expect(result.stdout).not.toContain('the console stays up');
  });

  it('on a free port by default', async () => {
    consoleAt(startConsole);
    succeed(run);

    await kpipe('local');

    expect(startConsole.mock.calls[0]![0].port).toBe(0);
  });

  it('that cannot start is named with the way to hide it, and the run goes on', async () => {
    startConsole.mockRejectedValue(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8123'));
    succeed(run);

    const result = await kpipe('local', '--console-port', '8123');

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'kpipe: console not started: listen EADDRINUSE: address already in use 127.0.0.1:8123 ' +
        '(the run goes on; --no-console hides this)\n',
    );
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('is closed when the run fails', async () => {
    const running = consoleAt(startConsole);
    run.mockRejectedValue(new LocalRunError('starting the emulators', new Error('spawn ENOENT')));

    await expect(kpipe('local')).rejects.toThrow(
      /^the run failed while starting the emulators: spawn ENOENT;/,
    );
    expect(running.close).toHaveBeenCalledTimes(1);
    expect(running.runEnded).not.toHaveBeenCalled();
  });
});
