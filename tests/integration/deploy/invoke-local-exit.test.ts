/**
 * A cold-start error in `sls invoke local` ends the command: the error is printed and the process exits
 * non-zero soon after, instead of hanging on serverless-esbuild's esbuild service child
 * (serverless/kpipe-plugin.js stops it on the `error` hook).
 */
import { spawn } from 'node:child_process';
import { cleanUp, offlineEnv, ROOT, SLS } from './support/sls';

interface Outcome {
  code: number | null;
  output: string;
  /** From the moment the cold-start error reached the output to the process' exit. */
  exitAfterErrorMs: number | undefined;
  killed: boolean;
}

/** Runs the command; kills it after `limitMs` so a hang fails the test instead of the suite. */
function invokeLocal(args: string[], env: NodeJS.ProcessEnv, expected: RegExp, limitMs: number) {
  return new Promise<Outcome>((resolve) => {
    const child = spawn(SLS, ['invoke', 'local', ...args], { cwd: ROOT, env });
    let output = '';
    let errorSeenAt: number | undefined;
    let killed = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (errorSeenAt === undefined && expected.test(output)) errorSeenAt = Date.now();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const exitAfterErrorMs = errorSeenAt === undefined ? undefined : Date.now() - errorSeenAt;
      resolve({ code, output, exitAfterErrorMs, killed });
    });
  });
}

describe.each([
  ['streamConsumer', 'events/kinesis.json', /stream consumer: BUCKET_NAME is not set/],
  ['windowAggregator', 'events/kinesis-window.json', /an s3 sink needs a bucket \(set BUCKET_NAME\)/],
])('sls invoke local -f %s -p %s with BUCKET_NAME unset', (fn, event, message) => {
  it('prints the cold-start error and exits non-zero within 30 s of it', async () => {
    // Prepare: no BUCKET_NAME (offlineEnv passes only PATH and its own settings)
    const env = offlineEnv();

    // Act
    let outcome: Outcome;
    try {
      outcome = await invokeLocal(['-f', fn, '-p', event], env, message, 150_000);
    } finally {
      cleanUp(env);
    }

    // Assess
    expect(outcome.killed).toBe(false);
    expect(outcome.output).toMatch(message);
    expect(outcome.code).not.toBe(0);
    expect(outcome.code).not.toBeNull();
    expect(outcome.exitAfterErrorMs).toBeLessThan(30_000);
  }, 180_000);
});

it('sls invoke local -f streamconsumer lists the functions there are, with "did you mean"', async () => {
  // Prepare
  const env = offlineEnv();
  const expected =
    /Function "streamconsumer" does not exist in this service \(did you mean "streamConsumer"\?\)/;

  // Act
  let outcome: Outcome;
  try {
    outcome = await invokeLocal(
      ['-f', 'streamconsumer', '-p', 'events/kinesis.json'],
      env,
      expected,
      150_000,
    );
  } finally {
    cleanUp(env);
  }

  // Assess
  expect(outcome.output).toMatch(expected);
  expect(outcome.output).toMatch(
    /Its functions \(those pipeline.yml enables\): streamConsumer, firehoseTransformer, partitionKeys, parquetConverter, windowAggregator/,
  );
  expect(outcome.code).toBe(1);
}, 180_000);
