/**
 * The rules of retry.ts that the sink tests reach only indirectly: how a failure is named and worded, which
 * option values are the edge of valid, and how one chunk's answers turn into acknowledged / failed entries.
 */
import {
  deliverInChunks,
  errorMessage,
  errorName,
  isRetryableError,
  resolveDeliveryOptions,
  type EntryResult,
  type PreparedEntry,
} from '../../../lib/sinks/retry';

const noSleep = async (): Promise<void> => {};

function entries(count: number): PreparedEntry<number>[] {
  return Array.from({ length: count }, (_, index) => ({ index, size: 1, request: index }));
}

describe('errorName: the code a failed entry reports', () => {
  it.each([
    [
      'an SDK error by its name',
      Object.assign(new Error('x'), { name: 'ThrottlingException', code: 'C' }),
      'ThrottlingException',
    ],
    [
      'a socket error by its code, not "Error"',
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      'ECONNRESET',
    ],
    ['a plain Error as "Error"', new Error('x'), 'Error'],
    ['a non-string name falls back to the code', { name: 42, code: 'EPIPE' }, 'EPIPE'],
    ['a plain Error with a non-string code as "Error"', Object.assign(new Error('x'), { code: 7 }), 'Error'],
    ['an object without name or code', {}, 'UnknownError'],
    ['a thrown string', 'boom', 'UnknownError'],
    ['null', null, 'UnknownError'],
  ])('names %s', (_case, error, expected) => {
    expect(errorName(error)).toBe(expected);
  });
});

describe('errorMessage: the text a failed entry reports', () => {
  it.each([
    [new Error('socket hang up'), 'socket hang up'],
    ['a thrown string', 'a thrown string'],
    [{ message: 5 }, '[object Object]'],
    [null, 'null'],
  ])('of %p is %p', (error, expected) => {
    expect(errorMessage(error)).toBe(expected);
  });
});

describe('resolveDeliveryOptions: the edges of valid values are accepted', () => {
  it.each([
    [{ maxAttempts: 1 }],
    [{ baseDelayMs: 0, maxDelayMs: 0 }],
    [{ baseDelayMs: 250, maxDelayMs: 250 }],
    [{ afterFailedChunk: 'stop' as const }],
  ])('%j', (options) => {
    expect(resolveDeliveryOptions(options)).toMatchObject(options);
  });

  it('rejects a maxAttempts that is not a safe integer', () => {
    expect(() => resolveDeliveryOptions({ maxAttempts: 2 ** 53 })).toThrow('maxAttempts must be an integer');
  });
});

describe('deliverInChunks: one chunk, answered per entry', () => {
  const limits = { maxCount: 10, maxBytes: 100 };

  it('counts an empty or null ErrorCode as stored, as the APIs send it for successes', async () => {
    const send = jest.fn(async (): Promise<EntryResult[]> => [
      {},
      { ErrorCode: '' },
      { ErrorCode: null as unknown as string },
    ]);

    const outcome = await deliverInChunks(
      entries(3),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(outcome).toMatchObject({ acknowledged: 3, failed: [], attempts: 1, retries: 0, resent: 0 });
  });

  it('reports a permanent entry error without resending it, with an empty message when the API gives none', async () => {
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> =>
      requests.map((request) => (request === 1 ? { ErrorCode: 'AccessDeniedException' } : {})),
    );

    const outcome = await deliverInChunks(
      entries(3),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(send).toHaveBeenCalledTimes(1);
    expect(outcome).toEqual({
      acknowledged: 2,
      failed: [{ index: 1, errorCode: 'AccessDeniedException', errorMessage: '' }],
      attempts: 1,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
  });

  it('says "1 attempt" when it gave up after one, and keeps the last message of a transient entry', async () => {
    const send = jest.fn(async (): Promise<EntryResult[]> => [
      { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
    ]);

    const outcome = await deliverInChunks(
      entries(1),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep, maxAttempts: 1 }),
    );

    expect(outcome.failed).toEqual([
      {
        index: 0,
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded (gave up after 1 attempt)',
      },
    ]);
  });

  it('does not sleep before the first attempt, only before each retry', async () => {
    const sleeps: number[] = [];
    const send = jest
      .fn<Promise<EntryResult[]>, [number[]]>()
      .mockResolvedValueOnce([{ ErrorCode: 'InternalFailure' }])
      .mockResolvedValueOnce([{}]);

    const outcome = await deliverInChunks(
      entries(1),
      [],
      limits,
      send,
      resolveDeliveryOptions({
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0.5,
      }),
    );

    expect(outcome).toEqual({
      acknowledged: 1,
      failed: [],
      attempts: 2,
      retries: 1,
      resent: 1,
      resentUnconfirmed: 0,
    });
    expect(sleeps).toEqual([50]);
  });

  it('stops at a thrown permanent error, reporting every pending entry with its name and message', async () => {
    const send = jest.fn(async (): Promise<EntryResult[]> => {
      throw Object.assign(new Error('no such stream'), { name: 'ResourceNotFoundException' });
    });

    const outcome = await deliverInChunks(
      entries(2),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(send).toHaveBeenCalledTimes(1);
    expect(outcome.failed).toEqual(
      [0, 1].map((index) => ({
        index,
        errorCode: 'ResourceNotFoundException',
        errorMessage: 'no such stream (gave up after 1 attempt)',
      })),
    );
  });

  it('reports a missing response as UnexpectedResponse without resending', async () => {
    const send = jest.fn(async (): Promise<undefined> => undefined);

    const outcome = await deliverInChunks(
      entries(2),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(send).toHaveBeenCalledTimes(1);
    expect(outcome.failed).toEqual(
      [0, 1].map((index) => ({
        index,
        errorCode: 'UnexpectedResponse',
        errorMessage: 'response had no entry results for 2 entries sent',
      })),
    );
  });

  it('keeps upfront failures and sorts every failure by input index', async () => {
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> =>
      requests.map(() => ({ ErrorCode: 'ValidationException', ErrorMessage: 'bad' })),
    );

    const outcome = await deliverInChunks(
      entries(2).map((entry) => ({ ...entry, index: entry.index * 2 })),
      [{ index: 1, errorCode: 'RecordTooLarge', errorMessage: 'too big' }],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(outcome.failed.map((failure) => [failure.index, failure.errorCode])).toEqual([
      [0, 'ValidationException'],
      [1, 'RecordTooLarge'],
      [2, 'ValidationException'],
    ]);
  });
});

describe('retry.ts: the remaining rules', () => {
  const limits = { maxCount: 2, maxBytes: 100 };

  it('names and words a thrown undefined instead of crashing', () => {
    expect(errorName(undefined)).toBe('UnknownError');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('does not trust an HTTP status that is not a number (the SDK always sends a number)', () => {
    expect(isRetryableError({ name: 'SomeNewError', $metadata: { httpStatusCode: '503' } })).toBe(false);
  });

  it('the default sleep really waits', async () => {
    const { sleep } = resolveDeliveryOptions();
    const start = performance.now();

    await sleep(40);

    expect(performance.now() - start).toBeGreaterThanOrEqual(35);
  });

  it('reports an entry larger than a whole request as RecordTooLarge without sending it', async () => {
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> => requests.map(() => ({})));
    const prepared = [
      { index: 0, size: 1, request: 0 },
      { index: 1, size: 101, request: 1 },
    ];

    const outcome = await deliverInChunks(
      prepared,
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(send.mock.calls).toEqual([[[0]]]);
    expect(outcome.acknowledged).toBe(1);
    expect(outcome.failed).toEqual([
      { index: 1, errorCode: 'RecordTooLarge', errorMessage: expect.stringContaining('101') },
    ]);
  });

  it('in "continue" mode sends the next chunk after one with undelivered entries', async () => {
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> =>
      requests.map((request) => (request === 0 ? { ErrorCode: 'AccessDeniedException' } : {})),
    );

    const outcome = await deliverInChunks(
      entries(4),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(send.mock.calls).toEqual([[[0, 1]], [[2, 3]]]);
    expect(outcome.acknowledged).toBe(3);
    expect(outcome.failed.map((failure) => failure.index)).toEqual([0]);
  });

  it('in "stop" mode says why the later chunk was not sent', async () => {
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> =>
      requests.map(() => ({ ErrorCode: 'AccessDeniedException' })),
    );

    const outcome = await deliverInChunks(
      entries(3),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep, afterFailedChunk: 'stop' }),
    );

    expect(send).toHaveBeenCalledTimes(1);
    expect(outcome.failed[2]).toEqual({
      index: 2,
      errorCode: 'NotAttempted',
      errorMessage: 'not sent: an earlier chunk had undelivered entries (afterFailedChunk: stop)',
    });
  });
});
