/** functions/window-aggregator.ts as Lambda runs it: configuration from the environment, S3 mocked. */
import 'aws-sdk-client-mock-jest';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context, KinesisStreamStateResponse } from 'aws-lambda';
import { tumblingWindowEvent, windowOf, type WindowEvent } from '../../../lib/analytics';
import { sequenceNumber } from '../../../lib/events/factories';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import { PIPELINE_FILE } from './helpers';

type Handler = (event: WindowEvent, context: Context) => Promise<KinesisStreamStateResponse>;

const s3 = mockClient(S3Client);
const context = {
  functionName: 'windowAggregator',
  awsRequestId: 'unit-request',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:windowAggregator',
  memoryLimitInMB: '512',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const saved = { ...process.env };
let handler: Handler;

beforeAll(async () => {
  Object.assign(process.env, {
    PIPELINE_FILE,
    BUCKET_NAME: 'lake',
    MASK_SALT: 'unit-salt',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  handler = (await import('../../../functions/window-aggregator')).handler as unknown as Handler;
});

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});

afterAll(() => {
  s3.restore();
  process.env = saved;
});

const window = windowOf(Date.UTC(2026, 10, 22, 12, 0, 0), 60);
const events = [clickEvent(0), purchaseEvent(1), purchaseEvent(2)].map((object, index) => ({
  data: JSON.stringify(object),
  partitionKey: 'pk',
  sequenceNumber: sequenceNumber(index),
}));

describe('windowAggregator handler', () => {
  it('returns the state on every invoke and writes the window to S3 on the final one', async () => {
    // Act
    const folded = await handler(tumblingWindowEvent(events, { window }), context);
    const final = await handler(
      tumblingWindowEvent([], { window, state: folded.state, final: true }),
      context,
    );

    // Assess
    expect(Object.keys(folded.state)).toEqual(expect.arrayContaining(['v', 'groups', 'seq']));
    expect(final).toEqual({ state: {} });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Bucket).toBe('lake');
    expect(put.Key).toBe('analytics/dt=2026-11-22/shardId-000000000000/20261122T120000Z-part-0.jsonl.gz');
    const rows = gunzipSync(put.Body as Buffer)
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.find((row) => row.event_type === 'purchase')).toMatchObject({ events: 2, revenue: 85 });
  });

  it('fails the final invoke when S3 refuses, so Lambda retries with the same state', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const folded = await handler(tumblingWindowEvent(events, { window }), context);

    // Act
    const failure = handler(tumblingWindowEvent([], { window, state: folded.state, final: true }), context);

    // Assess
    await expect(failure).rejects.toThrow(/not emitted: s3:analytics\/: .*Access Denied/);
  });
});
