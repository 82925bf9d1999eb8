/**
 * createFirehoseProcessor's own rules, each on a small event: its options (refused at start, with the
 * cause), what it compiles from pipeline.yml (input format, partition keys or not, the per-object path),
 * and the invocation around the stages: the summary it starts, the time it stamps, a bug costing one record.
 */
import { gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchLogsPayload, firehoseTransformationEvent } from '../../../lib/events/factories';
import type { FirehoseInvocation } from '../../../lib/firehose';
import { clickEvent } from '../../fixtures/clickstream';
import {
  dataLines,
  FIXED_NOW,
  logLineSchema,
  pipelineOf,
  processorFor,
  results,
  SAMPLE_DELIVERY,
  SAMPLE_PARTITIONING,
} from './helpers';

const firehose = mockClient(FirehoseClient);
beforeEach(() => {
  firehose.reset();
  // Every part fails, with an error worth retrying.
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: input.Records.length,
    RequestResponses: input.Records.map(() => ({
      ErrorCode: 'ServiceUnavailableException',
      ErrorMessage: 'Slow down',
    })),
  }));
});

const json = (value: unknown): string => JSON.stringify(value);
const oneClick = () => firehoseTransformationEvent([{ data: json(clickEvent(1)) }]);
/** Sample pipeline parts without transforms (they need MASK_SALT). */
const plain = (parts: Parameters<typeof pipelineOf>[0] = {}) =>
  pipelineOf({ transforms: 'transforms: []', ...parts });

describe('options', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown option', { maxRecordByte: 5 }, 'firehose processor: unknown option "maxRecordByte"'],
    ['an unknown mode', { mode: 'enrich' }, 'firehose processor: mode must be transform or keys, got enrich'],
    [
      'an unknown input',
      { input: 'xml' },
      'firehose processor: input must be json or cloudwatch-logs, got xml',
    ],
  ])('refuses %s at start', (_case, options, message) => {
    expect(() => processorFor(plain(), options as never)).toThrow(new TypeError(message));
  });

  it.each(['maxDecompressedBytes', 'maxResponseBytes', 'maxRecordBytes', 'maxListedFailures'])(
    'refuses a %s that is not a positive integer, and takes 1',
    (name) => {
      for (const value of [0, 1.5]) {
        expect(() => processorFor(plain(), { [name]: value })).toThrow(
          new RangeError(`firehose processor: ${name} must be a positive integer, got ${value}`),
        );
      }
      expect(() => processorFor(plain(), { [name]: 1 })).not.toThrow();
    },
  );

  it('takes every option it documents, and an undefined one as its default', async () => {
    const process = processorFor(plain(), {
      mode: 'transform',
      input: 'json',
      env: {},
      retry: { maxAttempts: 1 },
      now: () => FIXED_NOW,
      maxDecompressedBytes: 1024,
      maxResponseBytes: undefined,
      maxRecordBytes: undefined,
      maxListedFailures: 5,
    });
    expect(results(await process(oneClick()))).toEqual(['Ok']);
  });

  it('retries re-ingestion as told by retry', async () => {
    // Two objects with different keys: the record is split and put back.
    const split = firehoseTransformationEvent([{ data: `${json(clickEvent(1))}${json(clickEvent(2))}` }]);
    const once = await processorFor(plain(), { retry: { maxAttempts: 1 } })(split);
    expect(results(once)).toEqual(['ProcessingFailed']);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
    firehose.resetHistory();
    await processorFor(plain(), { retry: { maxAttempts: 2, sleep: async () => undefined } })(split);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
  });

  it.each(['transform', 'keys'] as const)(
    'guards gzip records at 16 MiB decompressed by default (%s mode)',
    async (mode) => {
      const bomb = firehoseTransformationEvent([
        { data: gzipSync(Buffer.alloc(16 * 1024 * 1024 + 1, 0x20)) },
      ]);
      const outcome = await processorFor(plain(), { mode })(bomb);
      expect(outcome.summary.failed).toEqual({ 'decompressed-too-large': 1 });
    },
  );
});

describe('what it compiles from pipeline.yml', () => {
  const logsPipeline = (input: string) =>
    plain({
      schema: logLineSchema(),
      partitioning: 'partitioning: { keys: [{ name: group, path: logGroup }] }',
      delivery: SAMPLE_DELIVERY.replace('delivery:', `delivery:\n  input: ${input}`).replace(
        /event_type=.*\/$/m,
        'g=!{partitionKeyFromLambda:group}/',
      ),
    });
  const logsEvent = () =>
    firehoseTransformationEvent([{ data: cloudWatchLogsPayload([{ message: 'a' }, { message: 'b' }]) }]);

  it('reads CloudWatch Logs records as delivery.input says, and as the input option says over it', async () => {
    expect((await processorFor(logsPipeline('cloudwatch-logs'))(logsEvent())).summary.objects).toBe(2);
    const overridden = processorFor(logsPipeline('json'), { input: 'cloudwatch-logs' });
    expect((await overridden(logsEvent())).summary.objects).toBe(2);
    // Read as JSON, the gzip'd payload is one object of another shape.
    expect(results(await processorFor(logsPipeline('json'))(logsEvent()))).toEqual(['ProcessingFailed']);
  });

  it('reads JSON when neither says otherwise', async () => {
    expect(results(await processorFor(plain())(oneClick()))).toEqual(['Ok']);
  });

  it.each<[string, string, string, boolean]>([
    ['engine lambda and a dynamic prefix', SAMPLE_PARTITIONING, SAMPLE_DELIVERY, true],
    [
      'no engine named and no delivery block',
      'partitioning: { keys: [{ name: event_type, path: event_type }] }',
      ' ',
      true,
    ],
    [
      'engine lambda but a static prefix',
      SAMPLE_PARTITIONING,
      SAMPLE_DELIVERY.replace(/prefix: .*$/m, 'prefix: raw/'),
      false,
    ],
    ['engine jq', 'partitioning: { engine: jq, keys: [{ name: event_type, path: event_type }] }', ' ', false],
    ['no partitioning block', ' ', ' ', false],
  ])(
    'in transform mode, returns partition keys or not as Firehose reads them, with %s',
    async (_case, partitioning, delivery, keys) => {
      const entry = (await processorFor(plain({ partitioning, delivery }))(oneClick())).response.records[0]!;
      expect(entry.result).toBe('Ok');
      expect(entry.metadata !== undefined).toBe(keys);
    },
  );

  it('returns partition keys in keys mode with a static prefix too, and with no engine named', async () => {
    const pipeline = plain({
      partitioning: 'partitioning: { keys: [{ name: event_type, path: event_type }] }',
      delivery: SAMPLE_DELIVERY.replace(/prefix: .*$/m, 'prefix: raw/'),
    });
    const entry = (await processorFor(pipeline, { mode: 'keys' })(oneClick())).response.records[0]!;
    expect(entry.metadata).toEqual({ partitionKeys: { event_type: 'click' } });
  });

  it('reads a partitioning block without an engine, as one built without the loader, as engine lambda', async () => {
    const pipeline = plain({ partitioning: SAMPLE_PARTITIONING });
    delete (pipeline.config.partitioning as { engine?: string }).engine;
    const entry = (await processorFor(pipeline, { mode: 'keys' })(oneClick())).response.records[0]!;
    expect(entry.metadata?.partitionKeys).toMatchObject({ event_type: 'click' });
  });

  it('compiles no transforms in keys mode, so it needs none of their settings', async () => {
    // The sample transforms mask with a salt from MASK_SALT, which this env lacks.
    expect(() => processorFor(pipelineOf({}), { env: {} })).toThrow(/MASK_SALT/);
    const keys = processorFor(pipelineOf({}), { mode: 'keys', env: {} });
    expect(results(await keys(oneClick()))).toEqual(['Ok']);
  });

  it.each<[string, string]>([
    ['no partitioning block', ' '],
    ['engine jq', 'partitioning: { engine: jq, keys: [{ name: event_type, path: event_type }] }'],
  ])('refuses keys mode with %s, naming pipeline.yml', (_case, partitioning) => {
    const pipeline = plain({ partitioning, delivery: ' ' });
    expect(() => processorFor(pipeline, { mode: 'keys' })).toThrow(
      new Error(
        `${pipeline.file}: partitionKeys needs a \`partitioning\` block with engine lambda` +
          ' (with engine jq, Firehose extracts the keys itself)',
      ),
    );
  });

  it('validates against the record schema, applies the transforms with env, and holds lines to record.maxBytes', async () => {
    const process = processorFor(pipelineOf({ maxBytes: 2000 }));
    const event = firehoseTransformationEvent([
      { data: json({ ...clickEvent(1), event_type: 'teleport' }) },
      { data: json(clickEvent(1, { customer: { email: 'a@example.com' } })) },
      { data: json(clickEvent(1, { search_query: 'x'.repeat(2000) })) },
    ]);
    const outcome = await process(event);
    expect(results(outcome)).toEqual(['ProcessingFailed', 'Ok', 'ProcessingFailed']);
    expect(outcome.summary.failed).toEqual({ 'schema-violation': 1, 'record-too-large': 1 });
    const [line] = dataLines(outcome.response.records[1]!);
    expect(line).toMatchObject({ ingested_at: FIXED_NOW.toISOString() });
    expect(line!.customer).not.toEqual({ email: 'a@example.com' });
  });
});

describe('one invocation', () => {
  it('refuses an event without a records array, saying so', async () => {
    const process = processorFor(plain());
    for (const event of [undefined, {}, { records: 'none' }]) {
      await expect(process(event as unknown as FirehoseInvocation)).rejects.toThrow(
        new TypeError('Firehose event: `records` is not an array'),
      );
    }
  });

  it('starts the summary from the event', async () => {
    const event = firehoseTransformationEvent(
      [{ data: json(clickEvent(1)) }, { data: json(clickEvent(2)) }],
      { invocationId: 'inv-7', sourceStreamName: 'clicks' },
    );
    const { summary } = await processorFor(plain())(event);
    expect(summary).toMatchObject({
      invocationId: 'inv-7',
      deliveryStreamArn: event.deliveryStreamArn,
      source: 'kinesis',
      records: 2,
      ok: 2,
      dropped: 0,
      processingFailed: 0,
      objects: 2,
      droppedObjects: {},
      droppedRecords: {},
      failed: {},
      reingest: { target: undefined, records: 0, parts: 0, failedParts: 0, errors: [] },
      failures: [],
    });
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);
    expect(summary.durationMs).toBeLessThan(60_000);
    const direct = await processorFor(plain())({ ...oneClick(), sourceKinesisStreamArn: '' });
    expect(direct.summary.source).toBe('direct-put');
  });

  it('stamps the ingestion time once per invocation, now by default', async () => {
    const before = Date.now();
    const outcome = await processorFor(pipelineOf({}), { now: undefined })(oneClick());
    const stamped = Date.parse(dataLines(outcome.response.records[0]!)[0]!.ingested_at as string);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('fails only the record a bug throws on, with the error message', async () => {
    const event = firehoseTransformationEvent([{ data: json(clickEvent(1)) }, { data: json(clickEvent(2)) }]);
    Object.defineProperty(event.records[0], 'approximateArrivalTimestamp', {
      get: () => {
        throw new Error('boom');
      },
    });
    const outcome = await processorFor(plain())(event);
    expect(results(outcome)).toEqual(['ProcessingFailed', 'Ok']);
    expect(outcome.summary.failures).toEqual([
      { recordId: event.records[0]!.recordId, reason: 'internal-error', message: 'unexpected error: boom' },
    ]);
  });
});
