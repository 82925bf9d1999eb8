import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createSinks, createStreamConsumer, processBatch, type Sink } from '../../../lib/consumer';
import { recordProcessorFor } from '../../../lib/processing/record-processor';
import { createErrorSink } from '../../../lib/sinks/error-sink';
import { kinesisStreamEvent, sequenceNumber } from '../../../lib/events/factories';
import { parsePipeline } from '../../../lib/pipeline/load';
import { aggregate } from '../../../lib/records';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import { resolve } from 'node:path';

const s3 = mockClient(S3Client);
const firehose = mockClient(FirehoseClient);
const kinesis = mockClient(KinesisClient);

function pipelineWith(sinks: string): ReturnType<typeof parsePipeline> {
  const text = `
name: test
stream: { name: clicks }
record: { schema: schemas/clickstream.schema.json, maxBytes: 4000 }
transforms:
  - filter: { name: no-heartbeats, drop: { field: event_type, equals: heartbeat } }
  - mask: { fields: [customer.email], saltFrom: MASK_SALT }
partitioning:
  keys:
    - { name: event_type, path: event_type }
consumer:
  errorPrefix: errors/
  sinks:
${sinks}
`;
  return parsePipeline(text, resolve('pipeline.test.yml'));
}

const S3_ONLY = '    - { type: s3, prefix: lake/ }';
const ALL_SINKS = `${S3_ONLY}
    - { type: firehose, deliveryStream: fanout }
    - { type: kinesis, stream: routed, partitionKeyField: customer_id }`;

const noSleep = { sleep: async () => undefined, maxAttempts: 2 };

function consumerFor(sinks: string) {
  return createStreamConsumer(pipelineWith(sinks), {
    bucket: 'lake-bucket',
    env: { MASK_SALT: 'pepper' },
    clients: {
      s3: () => new S3Client({}),
      firehose: () => new FirehoseClient({}),
      kinesis: () => new KinesisClient({}),
    },
    retry: noSleep,
  });
}

function eventOf(payloads: (string | Buffer)[]) {
  return kinesisStreamEvent(payloads.map((data, index) => ({ data, partitionKey: `pk-${index}` })));
}

function puts(): PutObjectCommandInput[] {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

function bodyLines(input: PutObjectCommandInput): Record<string, unknown>[] {
  const text = gunzipSync(input.Body as Buffer).toString('utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(() => {
  s3.reset();
  firehose.reset();
  kinesis.reset();
  s3.on(PutObjectCommand).resolves({});
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map(() => ({ RecordId: 'r' })),
  }));
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
  }));
});

describe('stream consumer batch', () => {
  it('delivers valid records to one object per partition, with deterministic keys', async () => {
    // Prepare
    const consume = consumerFor(S3_ONLY);
    const event = eventOf([0, 1, 2, 3, 4, 5].map((i) => JSON.stringify(clickEvent(i))));

    // Act
    const result = await consume(event.Records);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const keys = puts()
      .map((input) => input.Key)
      .sort();
    const first = sequenceNumber(0);
    const last = sequenceNumber(5);
    expect(keys).toEqual(
      ['add_to_cart', 'click', 'page_view', 'search'].map(
        (type) => `lake/event_type=${type}/shardId-000000000000/${first}-${last}.jsonl.gz`,
      ),
    );
    const lines = puts().flatMap(bodyLines);
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => typeof (line.customer as { email: string }).email === 'string')).toBe(true);
    expect(lines.some((line) => JSON.stringify(line).includes('@example.com'))).toBe(false);
    expect(puts().every((input) => input.ServerSideEncryption !== undefined)).toBe(true);
    expect(result.summary.delivered).toBe(6);
  });

  it('writes the same keys when the same batch is delivered again', async () => {
    const consume = consumerFor(S3_ONLY);
    const event = eventOf([0, 1, 2].map((i) => JSON.stringify(clickEvent(i))));
    await consume(event.Records);
    // Objects are compressed in parallel, so their PutObject calls come in any order.
    const firstKeys = puts()
      .map((input) => input.Key)
      .sort();
    s3.resetHistory();
    await consume(event.Records);
    expect(
      puts()
        .map((input) => input.Key)
        .sort(),
    ).toEqual(firstKeys);
  });

  it.each([
    ['invalid base64', '!!not base64!!', 'invalid-base64'],
    ['not JSON', Buffer.from('hello world').toString('base64'), 'invalid-json'],
    ['a JSON array', Buffer.from('[1,2]').toString('base64'), 'not-an-object'],
    [
      'a schema violation',
      Buffer.from(JSON.stringify(clickEvent(1, { event_type: 'teleport' }))).toString('base64'),
      'schema-violation',
    ],
    [
      'an oversize record',
      Buffer.from(JSON.stringify(clickEvent(1, { search_query: 'x'.repeat(5000) }))).toString('base64'),
      'record-too-large',
    ],
  ])('sends %s to the error output with its reason and keeps going', async (_name, data, reason) => {
    // Prepare: a poison record between two good ones.
    const consume = consumerFor(S3_ONLY);
    const event = eventOf([JSON.stringify(clickEvent(0)), 'placeholder', JSON.stringify(clickEvent(2))]);
    event.Records[1]!.kinesis.data = data;

    // Act
    const result = await consume(event.Records);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const errorPut = puts().find((input) => input.Key!.startsWith('errors/'));
    expect(errorPut).toBeDefined();
    const [error] = bodyLines(errorPut!);
    expect(error).toMatchObject({
      reason,
      shardId: 'shardId-000000000000',
      sequenceNumber: sequenceNumber(1),
      partitionKey: 'pk-1',
    });
    expect(typeof error!.rawData).toBe('string');
    expect(result.summary.failed).toEqual({ [reason]: 1 });
    const delivered = puts()
      .filter((input) => input.Key!.startsWith('lake/'))
      .flatMap(bodyLines);
    expect(delivered.map((line) => line.event_id).sort()).toEqual(
      [clickEvent(0).event_id, clickEvent(2).event_id].sort(),
    );
  });

  it('counts records dropped by a filter rule and writes nothing for them', async () => {
    const consume = consumerFor(S3_ONLY);
    const event = eventOf([
      JSON.stringify(clickEvent(0, { event_type: 'heartbeat' })),
      JSON.stringify(clickEvent(1)),
    ]);
    const result = await consume(event.Records);
    expect(result.summary.dropped).toEqual({ 'no-heartbeats': 1 });
    expect(puts().flatMap(bodyLines)).toHaveLength(1);
  });

  it('splits JSON lines inside one record into several records', async () => {
    const consume = consumerFor(S3_ONLY);
    const lines = [clickEvent(0), clickEvent(4)].map((record) => JSON.stringify(record)).join('\n');
    const result = await consume(eventOf([lines]).Records);
    expect(result.summary.objects).toBe(2);
    expect(puts().flatMap(bodyLines)).toHaveLength(2);
  });

  it('de-aggregates KPL records and sends only the bad user record to the error output', async () => {
    // Prepare: one aggregate of three user records, the middle one invalid for the schema.
    const consume = consumerFor(S3_ONLY);
    // One explicit hash key puts the three partition keys in one aggregate (one shard).
    const [kpl, extra] = aggregate([
      { partitionKey: 'a', explicitHashKey: '0', data: JSON.stringify(clickEvent(0)) },
      {
        partitionKey: 'b',
        explicitHashKey: '0',
        data: JSON.stringify(clickEvent(1, { device: { type: 'toaster' } })),
      },
      { partitionKey: 'c', explicitHashKey: '0', data: JSON.stringify(purchaseEvent(2)) },
    ]);
    expect(extra).toBeUndefined();
    const event = eventOf([kpl!.data]);

    // Act
    const result = await consume(event.Records);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary.userRecords).toBe(3);
    const errorPut = puts().find((input) => input.Key!.startsWith('errors/'));
    expect(bodyLines(errorPut!)).toEqual([
      expect.objectContaining({ reason: 'schema-violation', subSequenceNumber: 1, partitionKey: 'b' }),
    ]);
    expect(bodyLines(errorPut!)[0]!.message).toContain('device.type');
    const delivered = puts()
      .filter((input) => input.Key!.startsWith('lake/'))
      .flatMap(bodyLines);
    expect(delivered).toHaveLength(2);
  });

  it('reports the first record of a partition object S3 refused, and only that', async () => {
    // Prepare: records 0..5 cycle through four event types; the `search` object (record 2) fails.
    const consume = consumerFor(S3_ONLY);
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.includes('event_type=search')) {
        throw Object.assign(new Error('Slow Down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      }
      return {};
    });
    const event = eventOf([0, 1, 2, 3, 4, 5].map((i) => JSON.stringify(clickEvent(i))));

    // Act
    const result = await consume(event.Records);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(2) }]);
    expect(result.summary.sinkErrors.join(' ')).toContain('event_type=search');
  });

  it('writes only the errors before the first undelivered record, which the retry judges again', async () => {
    // Prepare: bad records at positions 1 and 4; the `search` object (record 2) fails to write.
    const consume = consumerFor(S3_ONLY);
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.includes('event_type=search'))
        throw Object.assign(new Error('Slow Down'), { name: 'SlowDown' });
      return {};
    });
    const event = eventOf([
      JSON.stringify(clickEvent(0)),
      'not json',
      JSON.stringify(clickEvent(2)),
      JSON.stringify(clickEvent(3)),
      'not json either',
    ]);

    // Act
    const result = await consume(event.Records);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(2) }]);
    const errorPut = puts().find((input) => input.Key!.startsWith('errors/'));
    expect(bodyLines(errorPut!).map((error) => error.sequenceNumber)).toEqual([sequenceNumber(1)]);
  });

  it('reports the first bad record when the error output cannot be written', async () => {
    const consume = consumerFor(S3_ONLY);
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.startsWith('errors/')) throw new Error('InternalError');
      return {};
    });
    const event = eventOf([JSON.stringify(clickEvent(0)), 'not json at all', JSON.stringify(clickEvent(2))]);
    const result = await consume(event.Records);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
  });

  it('delivers to Firehose and Kinesis too, routing by the configured field', async () => {
    const consume = consumerFor(ALL_SINKS);
    const event = eventOf([0, 1, 2].map((i) => JSON.stringify(clickEvent(i))));
    const result = await consume(event.Records);
    expect(result.batchItemFailures).toEqual([]);
    const batch = firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input;
    expect(batch.DeliveryStreamName).toBe('fanout');
    expect(batch.Records).toHaveLength(3);
    expect(Buffer.from(batch.Records![0]!.Data!).toString().endsWith('\n')).toBe(true);
    const routed = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(routed.Records!.map((entry) => entry.PartitionKey)).toEqual([
      'customer-0',
      'customer-1',
      'customer-2',
    ]);
  });

  it('reports the first record Firehose still refuses after the bounded retries', async () => {
    // Prepare: entry 1 is throttled on every attempt; entries 0 and 2 are accepted.
    const consume = consumerFor(ALL_SINKS);
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: { Data: Uint8Array }[] }) => ({
      FailedPutCount: 1,
      RequestResponses: input.Records.map((record) =>
        Buffer.from(record.Data)
          .toString()
          .includes(clickEvent(1).event_id as string)
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
          : { RecordId: 'ok' },
      ),
    }));
    const event = eventOf([0, 1, 2].map((i) => JSON.stringify(clickEvent(i))));

    // Act
    const result = await consume(event.Records);

    // Assess: only the failed entry was sent again.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Records).toHaveLength(1);
  });

  it('writes the text of records no transform changed as it came, and serialises the others', async () => {
    // No email to mask: nothing changes the first record, whose digits JSON.parse would round.
    const { customer: _customer, ...withoutEmail } = clickEvent(1);
    const untouched = JSON.stringify(withoutEmail).replace('{', '{"order":12345678901234567890,');
    const masked = JSON.stringify(clickEvent(5));
    const { batchItemFailures } = await consumerFor(ALL_SINKS)(eventOf([untouched, masked]).Records);
    expect(batchItemFailures).toEqual([]);
    const [object] = puts();
    const lines = gunzipSync(object!.Body as Buffer)
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe(untouched);
    expect(lines[1]).not.toBe(masked);
    expect(JSON.parse(lines[1]!)).toMatchObject({ event_id: clickEvent(5).event_id });
    const streamed = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records!;
    expect(Buffer.from(streamed[0]!.Data!).toString('utf8')).toBe(untouched);
  });

  it('delivers unchanged records as their own bytes to every sink, whatever surrounded them', async () => {
    const unmasked = (index: number, extra: string) => {
      const { customer: _customer, ...record } = clickEvent(index);
      return JSON.stringify(record).replace('{', `{${extra}`);
    };
    const plain = unmasked(1, '"order":12345678901234567890,');
    const nonAscii = unmasked(2, '"note":"Zoë 日本 🎉",');
    const padded = unmasked(3, '');
    const withBom = unmasked(4, '');
    const trailing = unmasked(5, '');
    const { batchItemFailures } = await consumerFor(ALL_SINKS)(
      eventOf([plain, nonAscii, ` \t${padded}`, `\ufeff${withBom}`, `${trailing}\r\n`]).Records,
    );
    expect(batchItemFailures).toEqual([]);
    const expected = [plain, nonAscii, padded, withBom, trailing];
    // One object per event type, of gzip'd lines each ending in a newline.
    const objects = puts().map((input) => gunzipSync(input.Body as Buffer).toString('utf8'));
    expect(objects.every((text) => text.endsWith('\n'))).toBe(true);
    const lines = objects.flatMap((text) => text.slice(0, -1).split('\n'));
    expect(lines.sort()).toEqual([...expected].sort());
    const streamed = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records!;
    expect(streamed.map((entry) => Buffer.from(entry.Data!).toString('utf8'))).toEqual(expected);
    const fanned = firehose.commandCalls(PutRecordBatchCommand)[0]!.args[0].input.Records!;
    expect(fanned.map((entry) => Buffer.from(entry.Data!).toString('utf8'))).toEqual(
      expected.map((line) => `${line}\n`),
    );
  });

  it('reports the batch from its first good record when a sink throws while records are added', async () => {
    // Prepare: a sink that fails on the third record it is given, beside the S3 sink.
    const pipeline = pipelineWith(S3_ONLY);
    let added = 0;
    const failing: Sink = {
      name: 'flaky',
      open: () => ({
        add: () => {
          added += 1;
          if (added === 3) throw new Error('out of buffers');
        },
        deliver: async () => ({ firstUndelivered: undefined, refused: [], written: added }),
      }),
    };
    const s3Sinks = createSinks(pipeline.config.consumer!.sinks, {
      clients: { s3: () => new S3Client({}) } as never,
      bucket: 'lake-bucket',
    });
    const event = eventOf(['not json', ...[1, 2, 3, 4].map((i) => JSON.stringify(clickEvent(i)))]);

    // Act
    const result = await processBatch(event.Records, {
      processor: recordProcessorFor(pipeline, { MASK_SALT: 'pepper' }),
      sinks: [...s3Sinks, failing],
      errorSink: createErrorSink({ client: new S3Client({}), bucket: 'lake-bucket', prefix: 'errors/' }),
    });

    // Assess: Lambda retries from the first good record; the throwing sink saw no more records.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.sinkErrors).toEqual(['flaky: out of buffers']);
    expect(added).toBe(3);
    // The S3 sink delivered all four; the bad record before them went to the error output.
    const keys = puts().map((input) => input.Key!);
    expect(keys.filter((key) => key.startsWith('lake/'))).toHaveLength(
      new Set([1, 2, 3, 4].map((i) => clickEvent(i).event_type)).size,
    );
    expect(keys.filter((key) => key.startsWith('errors/'))).toHaveLength(1);
  });

  it('lets the event loop turn during a batch only for a sink that works in the background', async () => {
    // Prepare: 600 records (over two yields' worth) and a probe sink noting the turns seen at each record.
    const pipeline = pipelineWith(S3_ONLY);
    const processor = recordProcessorFor(pipeline, { MASK_SALT: 'pepper' });
    const errorSink = createErrorSink({ client: new S3Client({}), bucket: 'lake-bucket', prefix: 'errors/' });
    const event = eventOf(Array.from({ length: 600 }, (_, i) => JSON.stringify(clickEvent(i))));
    const plain: Sink = {
      name: 'plain',
      open: () => ({
        add: () => undefined,
        deliver: async () => ({ firstUndelivered: undefined, refused: [], written: 0 }),
      }),
    };
    const turnsSeenByLastRecord = async (worksInBackground: boolean, alongside: Sink[] = []) => {
      let turns = 0;
      let seen = -1;
      let ticking = true;
      const tick = () => {
        turns += 1;
        if (ticking) setImmediate(tick);
      };
      const probe: Sink = {
        name: 'probe',
        worksInBackground,
        open: () => ({
          add: () => void (seen = turns),
          deliver: async () => ({ firstUndelivered: undefined, refused: [], written: 0 }),
        }),
      };
      setImmediate(tick);
      try {
        await processBatch(event.Records, { processor, sinks: [...alongside, probe], errorSink });
      } finally {
        ticking = false;
      }
      return seen;
    };

    // Act
    const straight = await turnsSeenByLastRecord(false);
    const turning = await turnsSeenByLastRecord(true);
    const besidePlain = await turnsSeenByLastRecord(true, [plain]);

    // Assess: one turn per 256 records (two by record 600) when any sink works in the background, none
    // otherwise; a turn costs time, so not one per record.
    expect(straight).toBe(0);
    for (const turns of [turning, besidePlain]) {
      expect(turns).toBeGreaterThanOrEqual(2);
      expect(turns).toBeLessThanOrEqual(4);
    }
  });

  it('returns no failures for an empty batch', async () => {
    const consume = consumerFor(S3_ONLY);
    await expect(consume([])).resolves.toMatchObject({ batchItemFailures: [] });
    expect(puts()).toHaveLength(0);
  });
});

describe('stream consumer configuration', () => {
  it('refuses to start without a bucket', () => {
    expect(() =>
      createStreamConsumer(pipelineWith(S3_ONLY), { bucket: undefined, env: { MASK_SALT: 'x' } }),
    ).toThrow(/BUCKET_NAME/);
  });

  it('refuses to start without the mask salt', () => {
    expect(() => createStreamConsumer(pipelineWith(S3_ONLY), { bucket: 'b', env: {} })).toThrow(/MASK_SALT/);
  });
});

describe('the checkpoint across sinks', () => {
  /** A sink that takes everything and reports the record at `failsAt` (if any) as not delivered. */
  const sinkFailingAt = (name: string, failsAt: number | undefined): Sink => ({
    name,
    open: () => ({
      add: () => undefined,
      deliver: async () => ({
        firstUndelivered: failsAt,
        refused: [],
        written: 0,
        errors: failsAt === undefined ? [] : [`${name}: throttled at ${failsAt}`],
      }),
    }),
  });
  const pipeline = pipelineWith(S3_ONLY);
  const run = (sinks: Sink[]) =>
    processBatch(
      eventOf(
        [0, 1].map((i) => JSON.stringify(clickEvent(i))).concat(['not json', JSON.stringify(clickEvent(3))]),
      ).Records,
      {
        processor: recordProcessorFor(pipeline, { MASK_SALT: 'pepper' }),
        sinks,
        errorSink: createErrorSink({ client: new S3Client({}), bucket: 'lake-bucket', prefix: 'errors/' }),
      },
    );

  it.each([
    ['A fails first', [sinkFailingAt('A', 1), sinkFailingAt('B', 3)]],
    ['the last sink fails first', [sinkFailingAt('A', 3), sinkFailingAt('B', 1)]],
  ])('reports the lowest failure of any sink (%s), so no sink misses a record', async (_case, sinks) => {
    // Act
    const result = await run(sinks);

    // Assess: Lambda re-delivers from record 1; the bad record 2 comes back too, so its error waits.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.firstUndelivered).toBe(1);
    expect(result.summary.delivered).toBe(1);
    expect(puts().filter((input) => input.Key!.startsWith('errors/'))).toEqual([]);
  });

  it('counts as delivered only what no sink handed back', async () => {
    // Act
    const all = await run([sinkFailingAt('A', undefined), sinkFailingAt('B', undefined)]);
    const fromThree = await run([sinkFailingAt('A', undefined), sinkFailingAt('B', 3)]);

    // Assess
    expect(all.summary.delivered).toBe(3);
    expect(all.batchItemFailures).toEqual([]);
    expect(fromThree.summary.delivered).toBe(2);
    expect(fromThree.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(3) }]);
  });
});
