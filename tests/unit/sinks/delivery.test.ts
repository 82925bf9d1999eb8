import {
  awsError,
  firehoseSink,
  kinesisSink,
  range,
  recordingSleep,
  taggedData,
  type Script,
  type SinkUnderTest,
} from './helpers';

const allOk: Script = (tags) => tags.map(() => undefined);

describe.each([kinesisSink, firehoseSink])('$name', (sink: SinkUnderTest) => {
  let installed: ReturnType<SinkUnderTest['install']> | undefined;
  const install = (script: Script) => {
    installed = sink.install(script);
    return installed;
  };
  afterEach(() => installed?.restore());

  it('acknowledges everything in one request when nothing fails', async () => {
    // Prepare
    const { put, calls } = install(allOk);

    // Act
    const outcome = await put(range(5).map((i) => taggedData(i)));

    // Assess
    expect(outcome).toEqual({
      acknowledged: 5,
      failed: [],
      attempts: 1,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
    expect(calls()).toEqual([range(5)]);
  });

  it('returns an empty outcome without calling the API for no entries', async () => {
    const { put, calls } = install(allOk);

    const outcome = await put([]);

    expect(outcome).toEqual({
      acknowledged: 0,
      failed: [],
      attempts: 0,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
    expect(calls()).toEqual([]);
  });

  it('resends only the failed entries, in input order', async () => {
    // Prepare: the first response fails 4, 1 and 3 (listed out of order on purpose).
    const failFirst = new Map([
      [4, 'InternalFailure'],
      [1, 'ProvisionedThroughputExceededException'],
      [3, 'ServiceUnavailableException'],
    ]);
    const { put, calls } = install((tags, call) =>
      tags.map((t) => (call === 1 ? failFirst.get(t) : undefined)),
    );
    const { sleep, delays } = recordingSleep();

    // Act
    const outcome = await put(
      range(6).map((i) => taggedData(i)),
      { sleep },
    );

    // Assess
    // Refused entries were not stored: resent, but not as possible duplicates.
    expect(outcome).toEqual({
      acknowledged: 6,
      failed: [],
      attempts: 2,
      retries: 1,
      resent: 3,
      resentUnconfirmed: 0,
    });
    expect(calls()).toEqual([range(6), [1, 3, 4]]);
    expect(delays).toHaveLength(1);
  });

  it('reports entries still failing when attempts run out, by input index', async () => {
    // Prepare: 2 always throttled; 0 fails once.
    const { put, calls } = install((tags, call) =>
      tags.map((t) =>
        t === 2 || (t === 0 && call === 1) ? 'ProvisionedThroughputExceededException' : undefined,
      ),
    );
    const { sleep, delays } = recordingSleep();

    // Act
    const outcome = await put(
      range(4).map((i) => taggedData(i)),
      { sleep, maxAttempts: 3 },
    );

    // Assess
    expect(calls()).toEqual([[0, 1, 2, 3], [0, 2], [2]]);
    expect(delays).toHaveLength(2);
    expect(outcome.acknowledged).toBe(3);
    expect(outcome.attempts).toBe(3);
    expect(outcome.failed).toEqual([
      {
        index: 2,
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: expect.stringContaining('gave up after 3 attempts'),
      },
    ]);
  });

  it('reports every entry when all fail until attempts run out', async () => {
    const { put, calls } = install((tags) => tags.map(() => 'InternalFailure'));
    const { sleep } = recordingSleep();

    const outcome = await put(
      range(3).map((i) => taggedData(i)),
      { sleep, maxAttempts: 4 },
    );

    expect(calls()).toHaveLength(4);
    expect(outcome.acknowledged).toBe(0);
    expect(outcome.attempts).toBe(4);
    expect(outcome.failed.map((f) => [f.index, f.errorCode])).toEqual([
      [0, 'InternalFailure'],
      [1, 'InternalFailure'],
      [2, 'InternalFailure'],
    ]);
  });

  it('does not resend an entry whose error no retry fixes', async () => {
    const { put, calls } = install((tags) =>
      tags.map((t) => (t === 1 ? 'KMSAccessDeniedException' : undefined)),
    );
    const { sleep } = recordingSleep();

    const outcome = await put(
      range(3).map((i) => taggedData(i)),
      { sleep },
    );

    expect(calls()).toEqual([[0, 1, 2]]);
    expect(outcome.failed).toEqual([
      {
        index: 1,
        errorCode: 'KMSAccessDeniedException',
        errorMessage: expect.stringContaining('KMSAccessDenied'),
      },
    ]);
  });

  // The third column: entries resent that the failed request may have stored (possible duplicates).
  it.each([
    ['a throttling exception', awsError('ProvisionedThroughputExceededException'), 0],
    ['a $retryable SDK error', awsError('SomethingNew', { $retryable: { throttling: true } }), 0],
    ['an HTTP 500', awsError('InternalServerError', { $metadata: { httpStatusCode: 500 } }), 3],
    ['an HTTP 429', awsError('Unknown', { $metadata: { httpStatusCode: 429 } }), 0],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 3],
    ['a timeout', awsError('TimeoutError'), 3],
  ])('retries the whole request after %s', async (_name, error, unconfirmed) => {
    // Prepare
    const { put, calls } = install((tags, call) => (call === 1 ? error : tags.map(() => undefined)));
    const { sleep } = recordingSleep();

    // Act
    const outcome = await put(
      range(3).map((i) => taggedData(i)),
      { sleep },
    );

    // Assess
    expect(outcome).toEqual({
      acknowledged: 3,
      failed: [],
      attempts: 2,
      retries: 1,
      resent: 3,
      resentUnconfirmed: unconfirmed,
    });
    expect(calls()).toEqual([range(3), range(3)]);
  });

  it.each([
    ['ResourceNotFoundException', awsError('ResourceNotFoundException')],
    ['ValidationException', awsError('ValidationException', { $metadata: { httpStatusCode: 400 } })],
    ['a plain TypeError', new TypeError('bad')],
  ])('does not retry %s and reports every entry of the chunk with it', async (name, error) => {
    const { put, calls } = install(() => error);
    const { sleep, delays } = recordingSleep();

    const outcome = await put(
      range(2).map((i) => taggedData(i)),
      { sleep },
    );

    expect(calls()).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(outcome.acknowledged).toBe(0);
    expect(outcome.failed.map((f) => [f.index, f.errorCode])).toEqual([
      [0, name.replace('a plain ', '')],
      [1, name.replace('a plain ', '')],
    ]);
  });

  it('gives up on thrown throttling after maxAttempts, naming the last error', async () => {
    const { put, calls } = install(() => awsError('ThrottlingException'));
    const { sleep, delays } = recordingSleep();

    const outcome = await put([taggedData(0)], { sleep, maxAttempts: 5 });

    expect(calls()).toHaveLength(5);
    expect(delays).toHaveLength(4);
    expect(outcome).toEqual({
      acknowledged: 0,
      attempts: 5,
      retries: 4,
      resent: 4,
      resentUnconfirmed: 0,
      failed: [
        {
          index: 0,
          errorCode: 'ThrottlingException',
          errorMessage: 'ThrottlingException happened (gave up after 5 attempts)',
        },
      ],
    });
  });

  it('chunks 1,200 records into 500 + 500 + 200 and maps failures in later chunks to input indexes', async () => {
    // Prepare: entries 0, 700 and 1,199 fail once.
    const flaky = new Set([0, 700, 1199]);
    const { put, calls } = install((tags, call) =>
      tags.map((t) => (flaky.has(t) && call <= 5 && tags.length > 1 ? 'InternalFailure' : undefined)),
    );
    const { sleep } = recordingSleep();

    // Act
    const outcome = await put(
      range(1200).map((i) => taggedData(i)),
      { sleep },
    );

    // Assess: each chunk is finished (its retry included) before the next starts.
    expect(calls().map((c) => c.length)).toEqual([500, 1, 500, 1, 200, 1]);
    expect(calls()[1]).toEqual([0]);
    expect(calls()[3]).toEqual([700]);
    expect(calls()[5]).toEqual([1199]);
    expect(outcome).toEqual({
      acknowledged: 1200,
      failed: [],
      attempts: 6,
      retries: 3,
      resent: 3,
      resentUnconfirmed: 0,
    });
  });

  it('with afterFailedChunk "stop", reports later chunks as NotAttempted without sending them', async () => {
    const { put, calls } = install((tags) =>
      tags.map((t) => (t === 10 ? 'KMSDisabledException' : undefined)),
    );

    const outcome = await put(
      range(1001).map((i) => taggedData(i)),
      { afterFailedChunk: 'stop' },
    );

    expect(calls().map((c) => c.length)).toEqual([500]);
    expect(outcome.acknowledged).toBe(499);
    expect(outcome.failed).toHaveLength(1 + 501);
    expect(outcome.failed[0]).toMatchObject({ index: 10, errorCode: 'KMSDisabledException' });
    expect(outcome.failed[1]).toMatchObject({ index: 500, errorCode: 'NotAttempted' });
    expect(outcome.failed.at(-1)).toMatchObject({ index: 1000, errorCode: 'NotAttempted' });
  });

  it('with afterFailedChunk "stop", sends every chunk while nothing fails', async () => {
    const { put, calls } = install(allOk);

    const outcome = await put(
      range(600).map((i) => taggedData(i)),
      { afterFailedChunk: 'stop' },
    );

    expect(calls().map((c) => c.length)).toEqual([500, 100]);
    expect(outcome).toEqual({
      acknowledged: 600,
      failed: [],
      attempts: 2,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
  });

  it('reports entries instead of resending them when the response does not match the request', async () => {
    const { put, calls } = install((tags) => tags.slice(1).map(() => undefined));

    const outcome = await put(range(3).map((i) => taggedData(i)));

    expect(calls()).toHaveLength(1);
    expect(outcome.acknowledged).toBe(0);
    expect(outcome.failed.map((f) => f.errorCode)).toEqual(Array(3).fill('UnexpectedResponse'));
    expect(outcome.failed[0]?.errorMessage).toBe('response had 2 entry results for 3 entries sent');
  });

  describe('request size limits', () => {
    const record = (index: number, bytes: number) => taggedData(index, bytes - sink.overheadBytes);

    /** Record sizes (data + overhead) that sum to exactly the request limit, plus `extra` on the last. */
    const sizesSummingTo = (total: number, extra: number) => {
      const piece = Math.floor(sink.maxRecordBytes / 2);
      const sizes: number[] = Array(Math.floor(total / piece)).fill(piece);
      if (total % piece > 0) sizes.push(total % piece);
      return sizes.map((size, i) => (i === sizes.length - 1 ? size + extra : size));
    };

    it.each([
      ['fills one request up to exactly the byte limit', 0, 1],
      ['starts a new request when one more byte would pass the limit', 1, 2],
    ])('%s', async (_name, extra, requests) => {
      // Prepare
      const sizes = sizesSummingTo(sink.maxRequestBytes, extra);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(sink.maxRequestBytes + extra);
      const { put, calls } = install(allOk);

      // Act
      const outcome = await put(sizes.map((size, i) => record(i, size)));

      // Assess
      expect(calls().map((c) => c.length)).toEqual(requests === 1 ? [sizes.length] : [sizes.length - 1, 1]);
      expect(calls().flat()).toEqual(range(sizes.length));
      expect(outcome).toMatchObject({
        acknowledged: sizes.length,
        failed: [],
        attempts: requests,
        retries: 0,
      });
    });

    it.each([
      ['exactly at', 0, true],
      ['one byte over', 1, false],
    ])('a record %s the per-record limit', async (_name, extra, accepted) => {
      // Prepare
      const { put, calls } = install(allOk);
      const datas = [taggedData(0), record(1, sink.maxRecordBytes + extra), taggedData(2)];

      // Act
      const outcome = await put(datas);

      // Assess
      expect(calls()).toEqual([accepted ? [0, 1, 2] : [0, 2]]);
      expect(outcome.acknowledged).toBe(accepted ? 3 : 2);
      expect(outcome.failed).toEqual(
        accepted
          ? []
          : [
              {
                index: 1,
                errorCode: 'RecordTooLarge',
                errorMessage: expect.stringMatching(/\[1\].*at most/),
              },
            ],
      );
    });
  });
});
