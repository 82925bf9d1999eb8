/**
 * Resends counted by retry.ts: which failures may have stored what they sent (mayHaveBeenStored), and the
 * onResend hook and outcome counts that let the generator report possible duplicates.
 */
import {
  deliverInChunks,
  mayHaveBeenStored,
  resolveDeliveryOptions,
  type EntryResult,
  type PreparedEntry,
  type Resend,
} from '../../../lib/sinks/retry';
import { awsError } from './helpers';

const noSleep = async (): Promise<void> => {};

function entries(count: number): PreparedEntry<number>[] {
  return Array.from({ length: count }, (_, index) => ({ index, size: 1, request: index }));
}

const limits = { maxCount: 500, maxBytes: 1_000_000 };

describe('mayHaveBeenStored', () => {
  it.each([
    ['a timeout', awsError('TimeoutError'), true],
    ['a socket timeout by code', Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), true],
    ['a reset after sending', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a broken pipe', Object.assign(new Error('x'), { code: 'EPIPE' }), true],
    ['an HTTP 500', awsError('InternalFailure', { $metadata: { httpStatusCode: 500 } }), true],
    ['an unknown error', new Error('what happened'), true],
    ['a thrown string', 'boom', true],
    ['null', null, true],
    ['throttling', awsError('ProvisionedThroughputExceededException'), false],
    ['SlowDown', awsError('SlowDown'), false],
    ['an HTTP 503', awsError('Unknown', { $metadata: { httpStatusCode: 503 } }), false],
    ['an HTTP 429', awsError('Unknown', { $metadata: { httpStatusCode: 429 } }), false],
    ['a refused connection', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), false],
    ['a DNS failure', Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), false],
    ['an SDK throttling error', awsError('New', { $retryable: { throttling: true } }), false],
  ])('%s → %s', (_case, error, expected) => {
    expect(mayHaveBeenStored(error)).toBe(expected);
  });
});

describe('onResend and the resent counts', () => {
  it('reports a resend after a timeout as unconfirmed, with its entries and reason', async () => {
    // Prepare: the first request times out, the second succeeds.
    const send = jest
      .fn<Promise<EntryResult[]>, [number[]]>()
      .mockRejectedValueOnce(awsError('TimeoutError'))
      .mockResolvedValueOnce([{}, {}, {}]);
    const resends: Resend[] = [];

    // Act
    const outcome = await deliverInChunks(
      entries(3),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep, onResend: (resend) => resends.push(resend) }),
    );

    // Assess
    expect(resends).toEqual([{ entries: 3, unconfirmed: true, reason: 'TimeoutError' }]);
    expect(outcome).toMatchObject({ acknowledged: 3, resent: 3, resentUnconfirmed: 3 });
  });

  it('reports resent refused entries as confirmed (not stored), only those entries', async () => {
    const send = jest
      .fn<Promise<EntryResult[]>, [number[]]>()
      .mockResolvedValueOnce([{}, { ErrorCode: 'ProvisionedThroughputExceededException' }, {}])
      .mockResolvedValueOnce([{}]);
    const resends: Resend[] = [];

    const outcome = await deliverInChunks(
      entries(3),
      [],
      limits,
      send,
      resolveDeliveryOptions({ sleep: noSleep, onResend: (resend) => resends.push(resend) }),
    );

    expect(resends).toEqual([
      { entries: 1, unconfirmed: false, reason: 'ProvisionedThroughputExceededException' },
    ]);
    expect(outcome).toMatchObject({ acknowledged: 3, resent: 1, resentUnconfirmed: 0 });
  });

  it('counts every resend until the attempts run out, and none after the last', async () => {
    const send = jest.fn(async (): Promise<EntryResult[]> => {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    const resends: Resend[] = [];

    const outcome = await deliverInChunks(
      entries(2),
      [],
      limits,
      send,
      resolveDeliveryOptions({
        sleep: noSleep,
        maxAttempts: 3,
        onResend: (resend) => resends.push(resend),
      }),
    );

    expect(send).toHaveBeenCalledTimes(3);
    expect(resends).toHaveLength(2);
    expect(outcome).toMatchObject({ acknowledged: 0, resent: 4, resentUnconfirmed: 4 });
    expect(outcome.failed).toHaveLength(2);
  });

  it('resends nothing after a permanent error, and nothing when the first request succeeds', async () => {
    const onResend = jest.fn();
    const permanent = jest.fn(async (): Promise<EntryResult[]> => {
      throw awsError('ResourceNotFoundException');
    });
    const fine = jest.fn(async (requests: number[]): Promise<EntryResult[]> => requests.map(() => ({})));

    const failed = await deliverInChunks(
      entries(2),
      [],
      limits,
      permanent,
      resolveDeliveryOptions({ onResend }),
    );
    const ok = await deliverInChunks(entries(2), [], limits, fine, resolveDeliveryOptions({ onResend }));

    expect(onResend).not.toHaveBeenCalled();
    expect(failed).toMatchObject({ resent: 0, resentUnconfirmed: 0 });
    expect(ok).toMatchObject({ resent: 0, resentUnconfirmed: 0 });
  });

  it('sums the counts over chunks', async () => {
    // Every chunk's first request answers 500 (ambiguous), its second succeeds.
    let call = 0;
    const send = jest.fn(async (requests: number[]): Promise<EntryResult[]> => {
      call += 1;
      if (call % 2 === 1) throw awsError('InternalFailure', { $metadata: { httpStatusCode: 500 } });
      return requests.map(() => ({}));
    });

    const outcome = await deliverInChunks(
      entries(5),
      [],
      { maxCount: 2, maxBytes: 1_000_000 },
      send,
      resolveDeliveryOptions({ sleep: noSleep }),
    );

    expect(outcome).toMatchObject({ acknowledged: 5, attempts: 6, resent: 5, resentUnconfirmed: 5 });
  });
});
