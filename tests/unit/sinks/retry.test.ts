import {
  backoffDelay,
  DEFAULT_RETRY_OPTIONS,
  isRetryableEntryError,
  isRetryableError,
  resolveDeliveryOptions,
} from '../../../lib/sinks/retry';
import { awsError, firehoseSink, recordingSleep, taggedData } from './helpers';

describe('backoffDelay', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [12, 1_000],
  ])('retry %i draws from [0, %i)', (retry, cap) => {
    // Full jitter: the lowest and highest draws span the whole window.
    expect(backoffDelay(retry, { ...options, random: () => 0 })).toBe(0);
    expect(backoffDelay(retry, { ...options, random: () => 0.999999 })).toBe(cap - 1);
    expect(backoffDelay(retry, { ...options, random: () => 0.5 })).toBe(cap / 2);
  });
});

describe('retry delays between attempts', () => {
  let installed: ReturnType<typeof firehoseSink.install> | undefined;
  afterEach(() => installed?.restore());

  it('sleeps a jittered, growing and bounded delay before each retry', async () => {
    // Prepare: always throttled, random values scripted.
    installed = firehoseSink.install(() => awsError('ServiceUnavailableException'));
    const { sleep, delays } = recordingSleep();
    const draws = [0.9, 0.1, 0.9, 0.9, 0.9, 0.5];
    const random = () => draws.shift() ?? 0;

    // Act
    const outcome = await installed.put([taggedData(0)], {
      sleep,
      random,
      maxAttempts: 7,
      baseDelayMs: 50,
      maxDelayMs: 300,
    });

    // Assess: caps 50, 100, 200, 300, 300, 300 scaled by the draws.
    expect(outcome.attempts).toBe(7);
    expect(delays).toEqual([45, 10, 180, 270, 270, 150]);
  });

  it('uses the defaults when no options are given', () => {
    const resolved = resolveDeliveryOptions();

    expect(resolved).toMatchObject({ ...DEFAULT_RETRY_OPTIONS, afterFailedChunk: 'continue' });
    expect(resolved.random).toBe(Math.random);
  });

  it('ignores undefined fields instead of erasing defaults', () => {
    expect(resolveDeliveryOptions({ maxAttempts: undefined }).maxAttempts).toBe(
      DEFAULT_RETRY_OPTIONS.maxAttempts,
    );
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts must be an integer >= 1, got 0'],
    [{ maxAttempts: 2.5 }, 'maxAttempts must be an integer >= 1, got 2.5'],
    [{ baseDelayMs: -1 }, 'baseDelayMs must be a number >= 0, got -1'],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, 'maxDelayMs must be a number >= 0, got Infinity'],
    [{ baseDelayMs: 500, maxDelayMs: 100 }, 'maxDelayMs (100) must be >= baseDelayMs (500)'],
    [{ afterFailedChunk: 'halt' as 'stop' }, 'afterFailedChunk must be "continue" or "stop", got halt'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveDeliveryOptions(options)).toThrow(message);
  });
});

describe('error classification', () => {
  it.each([
    [awsError('ProvisionedThroughputExceededException'), true],
    [awsError('KMSThrottlingException'), true],
    [awsError('Anything', { $metadata: { httpStatusCode: 503 } }), true],
    [Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), true],
    [awsError('AccessDeniedException', { $metadata: { httpStatusCode: 403 } }), false],
    [Object.assign(new Error('aborted'), { name: 'AbortError', $retryable: {} }), false],
    ['a string', false],
    [null, false],
  ])('thrown %p retryable = %s', (error, expected) => {
    expect(isRetryableError(error)).toBe(expected);
  });

  it.each([
    ['ProvisionedThroughputExceededException', true],
    ['InternalFailure', true],
    ['ServiceUnavailableException', true],
    ['KMSThrottlingException', true],
    ['KMSAccessDeniedException', false],
    ['KMSNotFoundException', false],
  ])('per-entry %s retryable = %s', (code, expected) => {
    expect(isRetryableEntryError(code)).toBe(expected);
  });
});

describe('error classification tables', () => {
  // Each name AWS documents for throttling or a transient fault; a blanked entry fails its row.
  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'SlowDown',
    'KMSThrottlingException',
    'LimitExceededException',
    'ServiceUnavailableException',
    'ServiceUnavailable',
    'InternalFailure',
    'InternalFailureException',
    'InternalError',
    'InternalServerError',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
  ])('a thrown %s is retried', (name) => {
    expect(isRetryableError(awsError(name))).toBe(true);
  });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ERR_HTTP2_STREAM_ERROR',
    'ERR_HTTP2_SESSION_ERROR',
    'ERR_HTTP2_GOAWAY_SESSION',
  ])('a socket error %s is retried', (code) => {
    expect(isRetryableError(Object.assign(new Error('socket'), { code }))).toBe(true);
  });

  it.each([
    [429, true],
    [428, false],
    [499, false],
    [500, true],
    [501, true],
    [503, true],
    [400, false],
  ])('an unnamed error with HTTP status %s retryable = %s', (status, expected) => {
    expect(isRetryableError(awsError('SomeNewError', { $metadata: { httpStatusCode: status } }))).toBe(
      expected,
    );
  });

  it.each(['SomeNewError', 'ValidationException', 'AccessDenied', 'ECONNRESETX'])(
    'an unknown or permanent thrown %s without a status is not retried',
    (name) => {
      expect(isRetryableError(awsError(name))).toBe(false);
    },
  );

  it.each([
    'KMSAccessDeniedException',
    'KMSDisabledException',
    'KMSInvalidStateException',
    'KMSNotFoundException',
    'KMSOptInRequired',
    'AccessDeniedException',
    'ResourceNotFoundException',
    'InvalidArgumentException',
    'ValidationException',
  ])('a per-entry %s is permanent', (code) => {
    expect(isRetryableEntryError(code)).toBe(false);
  });

  it('treats a per-entry code it does not know as transient (codes AWS adds later are resent)', () => {
    expect(isRetryableEntryError('SomethingNew')).toBe(true);
  });
});
