/**
 * The Generator's targets through the console's route: a send into the run's in-process delivery stream
 * (a real emulated Firehose over a mocked S3), names that do not exist, the request's limits, and
 * PutRecordBatch's limits in the in-process sink.
 */
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createConsoleApp } from '../../../lib/console/server/app';
import { newToken } from '../../../lib/console/server/security';
import { createSender, type SendRequest } from '../../../lib/console/server/sender';
import { localDeliverySink, runSinkFactory } from '../../../lib/console/server/targets';
import { createEmulatedFirehose, type EmulatedFirehose } from '../../../lib/local/firehose';
import { createLiveChannel, type LocalDeliveryStream } from '../../../lib/local/live';
import type { LiveMessage } from '../../../lib/local/live-types';
import type { DeliveryConfig } from '../../../lib/pipeline/types';

const PORT = 4568;
const s3mock = mockClient(S3Client);
const kinesisMock = mockClient(KinesisClient);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

const delivery = (source: DeliveryConfig['source']): DeliveryConfig => ({
  name: source === 'direct-put' ? 'direct' : 'from-stream',
  source,
  processor: { function: 'none', bufferSizeMB: 1, bufferIntervalSeconds: 60, retries: 0 },
  buffering: { sizeMB: 64, intervalSeconds: 60 },
  prefix: 'raw/',
  errorOutputPrefix: 'errors/',
  compression: 'UNCOMPRESSED',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
});

let stored: string[];
let direct: EmulatedFirehose;
let fromStream: EmulatedFirehose;
let live: ReturnType<typeof createLiveChannel>;
let app: ReturnType<typeof createConsoleApp>;
let token: string;
let messages: LiveMessage[];

beforeEach(() => {
  s3mock.reset();
  kinesisMock.reset();
  stored = [];
  s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    stored.push(Buffer.from(input.Body as Uint8Array).toString());
    return { ETag: '"e"' };
  });
  kinesisMock
    .on(ListStreamsCommand)
    .resolves({ StreamNames: ['clickstream', 'results'], HasMoreStreams: false });
  live = createLiveChannel();
  direct = createEmulatedFirehose({ delivery: delivery('direct-put'), s3, bucket: 'lake' });
  fromStream = createEmulatedFirehose({
    delivery: delivery('kinesis'),
    s3,
    bucket: 'lake',
    sourceStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clickstream',
  });
  live.addDeliveryStream({ name: direct.name, put: (records) => direct.put(records) });
  live.addDeliveryStream({
    name: fromStream.name,
    sourceStream: 'clickstream',
    put: (records) => fromStream.put(records),
  });
  messages = [];
  live.subscribe((message) => message.type === 'generator' && messages.push(message));
  token = newToken();
  const deliveryStreams = () => live.deliveryStreams();
  app = createConsoleApp({
    token,
    port: () => PORT,
    live,
    templates: {
      list: () => [],
      read: () => '',
      save: () => undefined,
      rename: () => undefined,
      remove: () => undefined,
    },
    sender: createSender({
      publish: live.publish,
      endpoints: () => ({ kinesis: 'http://127.0.0.1:1' }),
      sinks: runSinkFactory(deliveryStreams),
    }),
    lake: {
      query: async () => ({ columns: [], rows: [], truncated: false }),
      partitions: () => [],
      close: () => undefined,
    },
    run: { stream: 'clickstream', exampleQueries: [] },
    page: { html: '', script: async () => '', css: async () => '' },
  } as unknown as Parameters<typeof createConsoleApp>[0]);
});
afterEach(async () => {
  // Their buffers' timers would outlive the test.
  await Promise.all([direct.stop({ flush: false }), fromStream.stop({ flush: false })]);
});
afterAll(() => {
  s3mock.restore();
  kinesisMock.restore();
});

const start = (request: Partial<SendRequest>) =>
  app.request('/api/generator/start', {
    method: 'POST',
    headers: { host: `127.0.0.1:${PORT}`, 'x-console-token': token },
    body: JSON.stringify({ template: '{"n": {{random.number(9)}}}', count: 40, ...request }),
  });

const ended = () =>
  new Promise<LiveMessage>((resolve) => {
    const poll = () => {
      const last = messages.at(-1);
      if (last && last.state !== 'running') resolve(last);
      else setTimeout(poll, 5);
    };
    poll();
  });

const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

describe('sending to the run’s delivery stream', () => {
  it('puts the records into the emulated Firehose’s intake and counts them per target', async () => {
    const response = await start({ target: { kind: 'delivery-stream', name: 'direct' } });
    const last = await ended();
    await direct.flush();

    expect(response.status).toBe(200);
    expect(last).toEqual(
      expect.objectContaining({
        state: 'done',
        target: 'delivery stream direct',
        acknowledged: 40,
        failed: 0,
      }),
    );
    expect(direct.stats()).toMatchObject({ recordsIn: 40, delivered: 40 });
    expect(stored.join('').trim().split('\n')).toHaveLength(40);

    await start({ target: { kind: 'delivery-stream', name: 'direct' }, count: 10 });
    const second = await ended();
    expect(second.targets).toEqual([
      expect.objectContaining({ target: 'delivery stream direct', sent: 50, acknowledged: 50, failed: 0 }),
    ]);
  });

  it('counts the records a delivery stream refused, by reason, in the send and in its target’s totals', async () => {
    live.addDeliveryStream({
      name: 'stopped',
      put: () => {
        throw Object.assign(new Error('delivery stream stopped is stopped'), {
          name: 'ResourceInUseException',
        });
      },
    });

    await start({ target: { kind: 'delivery-stream', name: 'stopped' }, count: 30 });
    const last = await ended();

    expect(last).toEqual(
      expect.objectContaining({
        acknowledged: 0,
        failed: 30,
        reasons: { ResourceInUseException: 30 },
        targets: [
          expect.objectContaining({
            target: 'delivery stream stopped',
            failed: 30,
            reasons: { ResourceInUseException: 30 },
          }),
        ],
      }),
    );
    const running = messages.filter((message) => message.state === 'running' && Number(message.failed) > 0);
    expect(
      running.every(
        (message) => ((message.reasons as Record<string, number>).ResourceInUseException ?? 0) > 0,
      ),
    ).toBe(true);
  });

  it('refuses a delivery stream that reads a stream, naming the stream to send to instead', async () => {
    const response = await start({ target: { kind: 'delivery-stream', name: 'from-stream' } });

    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(
      /"from-stream" reads the stream "clickstream" .* send to the stream "clickstream", or set delivery.source: direct-put/,
    );
    expect(messages).toEqual([]);
  });

  it('an unknown delivery stream: what was not found and which run', async () => {
    const response = await start({ target: { kind: 'delivery-stream', name: 'nope' } });

    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe(
      'delivery stream "nope" not found: the delivery streams running in this kpipe local are "direct", "from-stream"',
    );
  });

  it('once the run withdrew its delivery streams, says so', async () => {
    const empty = runSinkFactory(() => []);

    await expect(empty({ kind: 'delivery-stream', name: 'direct' }, {})).rejects.toThrow(
      /not found: .* are none \(the run has not started its delivery stream yet, or has ended\)/,
    );
  });
});

describe('sending to a stream by name', () => {
  it('an unknown stream: what was not found on which endpoint, and the streams it holds', async () => {
    const response = await start({ target: { kind: 'stream', name: 'clikstream' } });

    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe(
      'stream "clikstream" not found on the run\'s Kinesis endpoint http://127.0.0.1:1: it holds "clickstream", "results"',
    );
  });

  it('reads every page of ListStreams before saying a name is unknown', async () => {
    kinesisMock
      .on(ListStreamsCommand)
      .resolvesOnce({ StreamNames: ['a'], HasMoreStreams: true })
      .resolvesOnce({ StreamNames: ['late'], HasMoreStreams: false });

    const sink = await runSinkFactory(() => [])(
      { kind: 'stream', name: 'late' },
      { kinesis: 'http://127.0.0.1:1' },
    );

    expect(kinesisMock.commandCalls(ListStreamsCommand)[1]!.args[0].input.ExclusiveStartStreamName).toBe('a');
    await sink.close();
  });

  it('an endpoint that does not answer is said to be the run’s, not a missing name', async () => {
    kinesisMock.on(ListStreamsCommand).rejects(new Error('connect ECONNREFUSED'));

    await expect(
      runSinkFactory(() => [])({ kind: 'stream', name: 'clickstream' }, { kinesis: 'http://127.0.0.1:1' }),
    ).rejects.toThrow(/did not answer ListStreams \(connect ECONNREFUSED\): is the run still going\?/);
  });

  it('without the run’s endpoint refuses rather than reach AWS', async () => {
    await expect(runSinkFactory(() => [])({ kind: 'stream', name: 'x' }, {})).rejects.toThrow(
      /Kinesis emulator is not available.*--kinesis-endpoint/,
    );
  });
});

describe('the limits of a send', () => {
  it.each<[string, Partial<SendRequest>, RegExp]>([
    ['no count nor duration', { count: undefined }, /give a record count or a duration/],
    ['a count of 0', { count: 0 }, /count must be a whole number from 1 to 10000000, got 0/],
    ['a count past the limit', { count: 10_000_001 }, /count must be .* got 10000001/],
    ['a fractional count', { count: 2.5 }, /count must be a whole number/],
    ['a negative rate', { ratePerSecond: -5 }, /ratePerSecond must be a number from 1 to 100000, got -5/],
    ['a day and more', { count: undefined, durationSeconds: 90_000 }, /durationSeconds must be .* got 90000/],
    ['a name with a slash', { target: { kind: 'stream', name: '../x' } }, /"..\/x" is not a stream name/],
    ['an empty name', { target: { kind: 'stream', name: '' } }, /name the stream or delivery stream/],
    ['an unknown kind', { target: { kind: 'queue' as 'stream', name: 'q' } }, /target.kind must be/],
  ])('refuses %s', async (_name, request, message) => {
    const response = await start({ target: { kind: 'delivery-stream', name: 'direct' }, ...request });

    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
    expect(direct.stats().recordsIn).toBe(0);
  });

  it('refuses a second send while one runs', async () => {
    await start({ target: { kind: 'delivery-stream', name: 'direct' }, count: 1000, ratePerSecond: 100 });
    const second = await start({ target: { kind: 'delivery-stream', name: 'direct' } });

    expect(second.status).toBe(400);
    expect(await errorOf(second)).toMatch(/already running: stop it first/);
    await app.request('/api/generator/stop', {
      method: 'POST',
      headers: { host: `127.0.0.1:${PORT}`, 'x-console-token': token },
    });
    expect((await ended()).state).toBe('stopped');
  });
});

describe('the in-process delivery sink', () => {
  const record = (bytes: number) => ({
    data: new Uint8Array(bytes),
    partitionKey: 'p',
    kind: 'valid' as const,
  });

  it('cuts batches at 500 records and 4 MiB; a record over 1,000 KiB fails alone', async () => {
    const calls: number[][] = [];
    const stream: LocalDeliveryStream = {
      name: 'd',
      put: (records) => {
        calls.push(records.map((data) => data.byteLength));
        return { failedPutCount: 0 };
      },
    };
    const batch = [
      ...Array.from({ length: 501 }, () => record(10)),
      record(1000 * 1024 + 1),
      ...Array.from({ length: 5 }, () => record(1000 * 1024)),
    ];

    const result = await localDeliverySink(stream).send(batch);

    expect(calls.map((sizes) => sizes.length)).toEqual([500, 5, 1]);
    expect(calls.every((sizes) => sizes.reduce((a, b) => a + b, 0) <= 4 * 1024 * 1024)).toBe(true);
    expect(result.acknowledged).toBe(506);
    expect(result.failed).toEqual([
      expect.objectContaining({ index: 501, errorCode: 'ValidationException' }),
    ]);
  });

  it('a refused call fails its records with the service’s error', async () => {
    const stream: LocalDeliveryStream = {
      name: 'd',
      put: () => {
        throw Object.assign(new Error('delivery stream d is stopped'), { name: 'ResourceInUseException' });
      },
    };

    const result = await localDeliverySink(stream).send([record(3), record(4)]);

    expect(result).toEqual({
      acknowledged: 0,
      failed: [
        { index: 0, errorCode: 'ResourceInUseException', errorMessage: 'delivery stream d is stopped' },
        { index: 1, errorCode: 'ResourceInUseException', errorMessage: 'delivery stream d is stopped' },
      ],
    });
  });
});
