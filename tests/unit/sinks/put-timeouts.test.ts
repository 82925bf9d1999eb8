import 'aws-sdk-client-mock-jest';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { putRecordsReliably } from '../../../lib/sinks/kinesis';
import { PUT_TIMEOUTS, putDeadlineMs, putTimeoutFor, withDeadline } from '../../../lib/sinks/put-timeouts';
import type { Resend } from '../../../lib/sinks/retry';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'us-east-1' });
const MiB = 1024 * 1024;

afterEach(() => {
  kinesis.reset();
  jest.useRealTimers();
});
afterAll(() => kinesis.restore());

describe('PUT_TIMEOUTS', () => {
  it('gives kinesalite 30 s + 15 s per MiB and every other target 120 s + 60 s per MiB', () => {
    expect(putTimeoutFor('kinesalite')).toEqual({ baseMs: 30_000, perMiBMs: 15_000 });
    expect(putTimeoutFor('kinesis-mock')).toBe(PUT_TIMEOUTS.other);
    expect(putTimeoutFor(undefined)).toEqual({ baseMs: 120_000, perMiBMs: 60_000 });
  });

  it.each([
    ['an empty request', 'kinesalite', 0, 30_000],
    ['a full 5 MiB request', 'kinesalite', 5 * MiB, 105_000],
    ['half a MiB', 'kinesalite', MiB / 2, 37_500],
    ['a full request to kinesis-mock', 'kinesis-mock', 5 * MiB, 420_000],
  ])('fits the deadline to the payload: %s', (_case, target, bytes, expected) => {
    expect(putDeadlineMs(putTimeoutFor(target), bytes)).toBe(expected);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s bytes, naming the value', (bytes) => {
    expect(() => putDeadlineMs(PUT_TIMEOUTS.kinesalite, bytes)).toThrow(
      `bytes must be a number >= 0, got ${bytes}`,
    );
  });
});

describe('withDeadline', () => {
  it('returns what the call returns in time', async () => {
    await expect(withDeadline(1000, 'a call', async () => 'answer')).resolves.toBe('answer');
  });

  it('passes the call failure through unchanged', async () => {
    const failure = new Error('refused');
    await expect(withDeadline(1000, 'a call', () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('gives up at the deadline with a retryable TimeoutError and aborts the call', async () => {
    jest.useFakeTimers();
    let signal: AbortSignal | undefined;
    const outcome = withDeadline(5000, 'PutRecords of 3 records', (given) => {
      signal = given;
      return new Promise<never>(() => undefined);
    });
    const assertion = expect(outcome).rejects.toMatchObject({
      name: 'TimeoutError',
      message: expect.stringContaining('PutRecords of 3 records got no answer within 5000 ms'),
    });

    await jest.advanceTimersByTimeAsync(5000);

    await assertion;
    expect(signal?.aborted).toBe(true);
  });
});

describe('putRecordsReliably with a deadline', () => {
  it('resends a request that passed its deadline once, and counts it as possibly stored', async () => {
    // Prepare: the first request never answers, the second does.
    jest.useFakeTimers();
    let calls = 0;
    kinesis.on(PutRecordsCommand).callsFake(async (input: { Records: unknown[] }) => {
      calls += 1;
      if (calls === 1) return new Promise(() => undefined);
      return { FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: '1' })) };
    });
    const resends: Resend[] = [];

    // Act
    const outcome = putRecordsReliably(
      client,
      { streamName: 'clicks' },
      [{ data: new Uint8Array(10), partitionKey: 'k' }],
      {
        timeout: PUT_TIMEOUTS.kinesalite,
        sleep: async () => undefined,
        onResend: (resend) => resends.push(resend),
      },
    );
    await jest.advanceTimersByTimeAsync(30_001);

    // Assess
    await expect(outcome).resolves.toMatchObject({ acknowledged: 1, resent: 1, resentUnconfirmed: 1 });
    expect(resends).toEqual([{ entries: 1, unconfirmed: true, reason: 'TimeoutError' }]);
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 2);
  });
});
