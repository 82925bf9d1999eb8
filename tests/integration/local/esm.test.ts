/**
 * The emulated event source mapping against each Kinesis emulator (kinesalite, kinesis-mock): exactly-once
 * success through partial failures, checkpoints that survive a restart of the mapping, and recovery from a
 * kill + restart of the emulator (kinesalite persists in LevelDB, kinesis-mock with SHOULD_PERSIST_DATA; a
 * TCP proxy keeps one endpoint across the two emulator processes).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createKinesisClient } from '../../../lib/aws/clients';
import {
  KinesisEventSourceMapping,
  type EventSourceMappingOptions,
} from '../../../lib/local/event-source-mapping';
import { compareSequenceNumbers, type OnFailureRecord } from '../../../lib/local/esm-events';
import {
  createStreamAndWait,
  KINESIS_EMULATORS,
  localOverrides,
  startKinesalite,
  startKinesisEmulator,
  startKinesisLocal,
  waitForStreamActive,
  type KinesisEmulator,
  type KinesisEmulatorName,
} from '../support/emulators';

const silentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

interface Proxy {
  port: number;
  /** Points new connections at another port and cuts the open ones. */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** A TCP forwarder: the mapping's one endpoint while the emulator behind it dies and comes back. */
async function startProxy(initialTarget: number): Promise<Proxy> {
  let target = initialTarget;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect(target, '127.0.0.1');
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: address.port,
    retarget(port) {
      target = port;
      cut();
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

const portOf = (endpoint: string): number => Number(new URL(endpoint).port);

async function putNumbered(
  client: KinesisClient,
  stream: string,
  from: number,
  count: number,
): Promise<Map<string, string>> {
  const lastPerShard = new Map<string, string>();
  for (let start = from; start < from + count; start += 500) {
    const entries = Array.from({ length: Math.min(500, from + count - start) }, (_, offset) => ({
      Data: Buffer.from(JSON.stringify({ i: start + offset })),
      PartitionKey: `user-${(start + offset) % 23}`,
    }));
    const response = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    expect(response.FailedRecordCount ?? 0).toBe(0);
    for (const result of response.Records ?? []) lastPerShard.set(result.ShardId!, result.SequenceNumber!);
  }
  return lastPerShard;
}

/**
 * A well-behaved consumer: processes in order, stops at the first record it cannot handle and reports it.
 * Records listed in `failFirst` fail on their first delivery only.
 */
function consumer(processed: Map<number, number>, failFirst: (i: number) => boolean, delayMs = 0) {
  const failedOnce = new Set<number>();
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    if (delayMs > 0) await delay(delayMs);
    for (const record of event.Records) {
      const { i } = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { i: number };
      if (failFirst(i) && !failedOnce.has(i)) {
        failedOnce.add(i);
        return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
      }
      processed.set(i, (processed.get(i) ?? 0) + 1);
    }
    return { batchItemFailures: [] };
  };
}

function expectEachOnce(processed: Map<number, number>, from: number, count: number): void {
  const wrong = [...processed].filter(([, times]) => times !== 1);
  expect(wrong).toEqual([]);
  expect([...processed.keys()].sort((a, b) => a - b)).toEqual(
    Array.from({ length: count }, (_, index) => from + index),
  );
}

/**
 * Follows an on-failure record back to its data, as AWS documents: GetShardIterator AT_SEQUENCE_NUMBER
 * startSequenceNumber on its shard, then GetRecords until past endSequenceNumber.
 */
async function fetchBack(client: KinesisClient, stream: string, info: OnFailureRecord['KinesisBatchInfo']) {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: info.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: info.startSequenceNumber,
    }),
  );
  const found: { sequenceNumber: string; text: string }[] = [];
  for (let iterator = ShardIterator; iterator !== undefined;) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    for (const record of page.Records ?? []) {
      if (compareSequenceNumbers(record.SequenceNumber!, info.endSequenceNumber) > 0) return found;
      found.push({
        sequenceNumber: record.SequenceNumber!,
        text: Buffer.from(record.Data!).toString('utf8'),
      });
    }
    if ((page.Records ?? []).length === 0) return found;
    iterator = page.NextShardIterator;
  }
  return found;
}

let emulator: KinesisEmulator;
const mappings: KinesisEventSourceMapping[] = [];
let proxy: Proxy;
let client: KinesisClient;
let directory: string;
const STREAM = 'esm-it';

/** Each emulator keeps its data on disk here, so a killed one restarts with its records. */
function startPersistent(name: KinesisEmulatorName): Promise<KinesisEmulator> {
  return name === 'kinesalite'
    ? startKinesalite({ path: join(directory, 'kinesalite') })
    : startKinesisLocal({
        env: {
          SHOULD_PERSIST_DATA: 'true',
          PERSIST_PATH: join(directory, 'kinesis'),
          PERSIST_INTERVAL: '200ms',
        },
      });
}

function track(mapping: KinesisEventSourceMapping): KinesisEventSourceMapping {
  mappings.push(mapping);
  return mapping;
}

function mappingOptions(overrides: Partial<EventSourceMappingOptions>): EventSourceMappingOptions {
  return {
    client,
    streamName: STREAM,
    handler: async () => undefined,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 50,
    pollIntervalMs: 100,
    requestTimeoutMs: 2_000,
    pollBackoff: { baseDelayMs: 100, maxDelayMs: 500 },
    retryBackoff: { baseDelayMs: 10, maxDelayMs: 50 },
    logger: silentLogger,
    ...overrides,
  };
}

describe.each(KINESIS_EMULATORS)('event source mapping on %s', (name) => {
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'esm-it-'));
    emulator = await startPersistent(name);
    proxy = await startProxy(portOf(emulator.endpoint));
    client = createKinesisClient({
      env: {},
      overrides: { ...localOverrides(`http://127.0.0.1:${proxy.port}`), maxAttempts: 1 },
    });
    await createStreamAndWait(client, STREAM, 2);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.close();
    await emulator?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('handles every record successfully exactly once through partial failures, and resumes after a restart', async () => {
    // Prepare
    const checkpointFile = join(directory, 'run-1', 'checkpoints.json');
    const deadLetterFile = join(directory, 'run-1', 'dlq.jsonl');
    const lastPerShard = await putNumbered(client, STREAM, 0, 400);
    const processed = new Map<number, number>();
    const first = track(
      new KinesisEventSourceMapping(
        mappingOptions({
          checkpointFile,
          deadLetterFile,
          parallelizationFactor: 2,
          handler: consumer(processed, (i) => i % 37 === 5),
        }),
      ),
    );

    // Act
    await first.start();
    const counters = await first.drain({ timeoutMs: 20_000 });
    await first.stop();
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    await putNumbered(client, STREAM, 400, 50);
    const second = track(
      new KinesisEventSourceMapping(
        mappingOptions({
          checkpointFile,
          deadLetterFile,
          parallelizationFactor: 2,
          handler: consumer(processed, () => false),
        }),
      ),
    );
    await second.start();
    const secondCounters = await second.drain({ timeoutMs: 20_000 });
    await second.stop();

    // Assess
    expectEachOnce(processed, 0, 450);
    expect(counters).toMatchObject({ succeededRecords: 400, deadLetterRecords: 0, shards: 2 });
    expect(counters.failureReasons.itemFailure).toBe(11);
    expect(counters.redeliveredRecords).toBeGreaterThanOrEqual(11);
    expect(counters.records).toBe(400 + counters.redeliveredRecords);
    for (const [shardId, sequenceNumber] of lastPerShard) {
      expect(saved.shards[shardId].sequenceNumber).toBe(sequenceNumber);
    }
    expect(secondCounters).toMatchObject({ records: 50, succeededRecords: 50, redeliveredRecords: 0 });
  }, 30_000);

  // kinesis-mock rewrites its whole persisted file on a timer, so a stop mid-write can leave it unloadable
  // (java.util.NoSuchElementException at restart: issue 21's damaged-state row); it failed this test in about
  // one run of three. kinesalite (LevelDB, the default) is the emulator this behaviour is held to.
  const onDurableEmulator = name === 'kinesalite' ? it : it.skip;
  onDurableEmulator(
    'recovers when the emulator is killed and restarted mid-run, losing and repeating nothing',
    async () => {
      // Prepare: read-ahead small enough that most records must be read after the restart.
      const putAt = new Date();
      await putNumbered(client, STREAM, 1_000, 300);
      await delay(600); // past PERSIST_INTERVAL, so the emulator has saved them
      const processed = new Map<number, number>();
      const mapping = track(
        new KinesisEventSourceMapping(
          mappingOptions({
            startingPosition: 'AT_TIMESTAMP',
            startingPositionTimestamp: putAt,
            batchSize: 20,
            readAheadRecords: 20,
            checkpointFile: join(directory, 'run-2', 'checkpoints.json'),
            handler: consumer(processed, (i) => i % 50 === 0, 15),
          }),
        ),
      );
      const someDone = new Promise<void>((resolve) => {
        let batches = 0;
        mapping.on('batch', () => (batches += 1) === 4 && resolve());
      });
      const pollErrors: string[] = [];
      mapping.on('poll-error', (report) => pollErrors.push(report.error));

      // Act
      await mapping.start();
      await someDone;
      const readBeforeKill = mapping.counters.recordsRead;
      await emulator.stop();
      await delay(500);
      emulator = await startPersistent(name);
      proxy.retarget(portOf(emulator.endpoint));
      await waitForStreamActive(client, STREAM);
      const counters = await mapping.drain({ timeoutMs: 30_000 });
      await mapping.stop();

      // Assess
      expectEachOnce(processed, 1_000, 300);
      expect(pollErrors.length).toBeGreaterThan(0);
      expect(readBeforeKill).toBeLessThan(300);
      expect(counters).toMatchObject({ succeededRecords: 300, deadLetterRecords: 0 });
    },
    45_000,
  );
});

// An emulator of its own, in memory: the kill test above restarts its emulator on persisted state.
describe.each(KINESIS_EMULATORS)('on-failure records on %s', (name) => {
  const stream = 'esm-dlq';
  let dlqEmulator: KinesisEmulator;
  let dlqClient: KinesisClient;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'esm-dlq-'));
    dlqEmulator = await startKinesisEmulator(name);
    dlqClient = createKinesisClient({ env: {}, overrides: localOverrides(dlqEmulator.endpoint) });
    await createStreamAndWait(dlqClient, stream, 1);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
    dlqClient?.destroy();
    await dlqEmulator?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes on-failure records whose pointers fetch back exactly the undelivered records', async () => {
    // Prepare: every batch holding a multiple of 40 fails for good (no retry, no bisect)
    await putNumbered(dlqClient, stream, 2_000, 200);
    const deadLetterFile = join(directory, 'run-dlq', 'dlq.jsonl');
    const undelivered: string[] = [];
    const mapping = track(
      new KinesisEventSourceMapping(
        mappingOptions({
          client: dlqClient,
          streamName: stream,
          batchSize: 30,
          maximumRetryAttempts: 0,
          bisectBatchOnFunctionError: false,
          deadLetterFile,
          handler: async (event: KinesisStreamEvent) => {
            const texts = event.Records.map((record) =>
              Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
            );
            if (!texts.some((text) => (JSON.parse(text) as { i: number }).i % 40 === 0)) return;
            undelivered.push(...texts);
            throw new Error('sink down');
          },
        }),
      ),
    );

    // Act
    await mapping.start();
    const counters = await mapping.drain({ timeoutMs: 20_000 });
    await mapping.stop();
    const records = (await readFile(deadLetterFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as OnFailureRecord);
    const fetched = [];
    for (const record of records) {
      const batch = await fetchBack(dlqClient, stream, record.KinesisBatchInfo);
      expect(batch).toHaveLength(record.KinesisBatchInfo.batchSize);
      fetched.push(...batch.map((found) => found.text));
    }

    // Assess: the pointers give back each undelivered record, with its data, and nothing else
    expect(undelivered.length).toBeGreaterThan(30);
    expect(counters.deadLetterRecords).toBe(undelivered.length);
    expect(fetched).toEqual(undelivered);
  }, 30_000);
});
