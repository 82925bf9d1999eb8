import { gzipSync } from 'node:zlib';
import { decodeCloudWatchLogs } from '../../../lib/records';
import { CLOUDWATCH_CONTROL_MESSAGE, cloudWatchLogsData, gzipJson } from './factories';

describe('decodeCloudWatchLogs accepts', () => {
  it('a gzip DATA_MESSAGE, with its events', () => {
    // Prepare
    const payload = cloudWatchLogsData({}, 5);

    // Act
    const result = decodeCloudWatchLogs(gzipJson(payload));

    // Assess
    expect(result).toEqual({ ok: true, value: payload });
    expect(result.ok && result.value.messageType === 'DATA_MESSAGE' && result.value.logEvents).toHaveLength(
      5,
    );
  });

  it.each([
    ['a CONTROL_MESSAGE (empty group, stream and filters)', CLOUDWATCH_CONTROL_MESSAGE],
    [
      'events with extracted fields',
      cloudWatchLogsData({
        logEvents: [{ id: '1', timestamp: 1, message: 'GET /', extractedFields: { verb: 'GET' } }],
      }),
    ],
    ['an account-level policy payload', cloudWatchLogsData({ policyLevel: 'ACCOUNT_LEVEL_POLICY' })],
    ['an empty message', cloudWatchLogsData({ logEvents: [{ id: '1', timestamp: 0, message: '' }] })],
  ])('%s', (_name, payload) => {
    // Act
    const result = decodeCloudWatchLogs(gzipJson(payload));

    // Assess
    expect(result).toEqual({ ok: true, value: payload });
  });

  it('uncompressed JSON (already inflated by a re-ingestion path)', () => {
    // Prepare
    const payload = cloudWatchLogsData();

    // Act
    const result = decodeCloudWatchLogs(Buffer.from(JSON.stringify(payload)));

    // Assess
    expect(result).toEqual({ ok: true, value: payload });
  });

  it('a large payload of 5,000 events (depth check over many objects)', () => {
    // Prepare
    const payload = cloudWatchLogsData({}, 5000);

    // Act
    const result = decodeCloudWatchLogs(gzipJson(payload));

    // Assess
    expect(result.ok && result.value.logEvents).toHaveLength(5000);
  });
});

describe('decodeCloudWatchLogs rejects', () => {
  const event = { id: '1', timestamp: 1, message: 'm' };
  it.each([
    [
      'an unknown messageType',
      { messageType: 'OTHER_MESSAGE' },
      'messageType "OTHER_MESSAGE" is neither DATA_MESSAGE nor CONTROL_MESSAGE',
    ],
    [
      'no messageType',
      { messageType: undefined },
      'messageType undefined is neither DATA_MESSAGE nor CONTROL_MESSAGE',
    ],
    [
      'a messageType inherited from Object.prototype',
      { messageType: 'toString' },
      'messageType "toString" is neither DATA_MESSAGE nor CONTROL_MESSAGE',
    ],
    ['a missing owner', { owner: undefined }, 'DATA_MESSAGE: owner must be a non-empty string'],
    [
      'an empty logGroup in a data message',
      { logGroup: '' },
      'DATA_MESSAGE: logGroup must be a non-empty string',
    ],
    ['a numeric logStream', { logStream: 7 }, 'DATA_MESSAGE: logStream must be a non-empty string'],
    [
      'subscriptionFilters not an array',
      { subscriptionFilters: 'to-firehose' },
      'DATA_MESSAGE: subscriptionFilters must be an array of strings',
    ],
    [
      'a non-string filter',
      { subscriptionFilters: ['a', 1] },
      'DATA_MESSAGE: subscriptionFilters must be an array of strings',
    ],
    ['no logEvents', { logEvents: undefined }, 'DATA_MESSAGE: logEvents must be a non-empty array'],
    [
      'empty logEvents in a data message',
      { logEvents: [] },
      'DATA_MESSAGE: logEvents must be a non-empty array',
    ],
    [
      'an event that is a string',
      { logEvents: [event, 'line'] },
      'DATA_MESSAGE: logEvents[1] must be an object',
    ],
    [
      'an event without id',
      { logEvents: [{ timestamp: 1, message: 'm' }] },
      'DATA_MESSAGE: logEvents[0].id must be a string',
    ],
    [
      'a string timestamp',
      { logEvents: [event, event, { ...event, timestamp: '2025-06-01' }] },
      'DATA_MESSAGE: logEvents[2].timestamp must be a number (epoch milliseconds)',
    ],
    [
      'a numeric message',
      { logEvents: [{ ...event, message: 42 }] },
      'DATA_MESSAGE: logEvents[0].message must be a string',
    ],
    [
      'extractedFields as an array',
      { logEvents: [{ ...event, extractedFields: ['GET'] }] },
      'DATA_MESSAGE: logEvents[0].extractedFields must be an object',
    ],
  ])('%s → invalid-cloudwatch-logs', (_name, overrides, message) => {
    // Prepare
    const payload = cloudWatchLogsData(overrides);

    // Act
    const result = decodeCloudWatchLogs(gzipJson(payload));

    // Assess
    expect(result).toEqual({ ok: false, reason: 'invalid-cloudwatch-logs', message });
  });

  it('a control message without logEvents → invalid-cloudwatch-logs', () => {
    // Act
    const result = decodeCloudWatchLogs(gzipJson({ ...CLOUDWATCH_CONTROL_MESSAGE, logEvents: null }));

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-cloudwatch-logs',
      message: 'CONTROL_MESSAGE: logEvents must be an array',
    });
  });

  const gzipped = gzipJson(cloudWatchLogsData({}, 50));
  it.each([
    ['truncated gzip', 'decompression-failed', gzipped.subarray(0, gzipped.length - 8), {}],
    [
      'a payload over maxDecompressedBytes',
      'decompressed-too-large',
      gzipped,
      { maxDecompressedBytes: 1000 },
    ],
    [
      'a gzip bomb under the default limit',
      'decompressed-too-large',
      gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
      {},
    ],
    ['gzip of text', 'invalid-json', gzipSync('START RequestId: 1 Version: $LATEST'), {}],
    ['gzip of an array', 'not-an-object', gzipJson([cloudWatchLogsData()]), {}],
    [
      'gzip of JSON lines',
      'invalid-json',
      gzipSync(`${JSON.stringify(cloudWatchLogsData())}\n${JSON.stringify(cloudWatchLogsData())}`),
      {},
    ],
    [
      'Latin-1 JSON',
      'invalid-utf8',
      gzipSync(Buffer.from(JSON.stringify(cloudWatchLogsData({ owner: 'Köln' })), 'latin1')),
      {},
    ],
    [
      'a __proto__ key',
      'forbidden-key',
      gzipSync('{"messageType":"DATA_MESSAGE","__proto__":{"owner":"x"}}'),
      {},
    ],
  ])('%s → %s', (_name, reason, data, options) => {
    // Act
    const result = decodeCloudWatchLogs(data, options);

    // Assess
    expect(result).toMatchObject({ ok: false, reason });
  });
});
