import { createWriteStream } from 'node:fs';
import type { GeneratedRecord } from './producer';

/**
 * Where generated records go. `send` resolves with what the destination acknowledged and, for each record
 * it permanently rejected, the record's index in the batch and the reason. It rejects only when the
 * destination is unusable (the run then stops). Retrying transient failures is the sink's job.
 */
export interface RecordSink {
  send(batch: readonly GeneratedRecord[]): Promise<SinkResult>;
  close(): Promise<void>;
}

export interface SinkFailure {
  index: number;
  errorCode: string;
  errorMessage: string;
}

export interface SinkResult {
  acknowledged: number;
  failed: SinkFailure[];
  /** Records the sink sent again after a failed request (its retries); omitted means none. */
  resent?: number;
  /** Of those, records the failed request may have stored (a timeout, a reset): possible duplicates. */
  resentUnconfirmed?: number;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function isGzip(data: Uint8Array): boolean {
  return data[0] === GZIP_MAGIC_0 && data[1] === GZIP_MAGIC_1;
}

/** Text records as they are (they end with the delimiter); gzip'd ones as one base64 line each. */
function toLines(batch: readonly GeneratedRecord[]): Buffer {
  return Buffer.concat(
    batch.map(({ data }) =>
      isGzip(data)
        ? Buffer.from(`${Buffer.from(data).toString('base64')}\n`)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    ),
  );
}

/** The subset of a Node writable stream the line sinks need (process.stdout, fs streams, test doubles). */
export interface LineStream {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Writes records as JSON lines to a stream such as process.stdout; honours back-pressure, so a slow reader
 * slows the run instead of filling memory.
 */
export function createStreamSink(
  stream: LineStream,
  options: { close?: () => Promise<void> } = {},
): RecordSink {
  // A closed pipe (`kpipe generate | head`) emits 'error'; without a listener Node would crash the process.
  let failure: Error | undefined;
  stream.on?.('error', (error) => {
    failure = error;
  });
  return {
    send: (batch) =>
      new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        // Acknowledged once the data is flushed and, if the stream asked us to wait, it has drained.
        let flushed = false;
        let drained: boolean | undefined;
        const settle = (): void => {
          if (flushed && drained === true) resolve({ acknowledged: batch.length, failed: [] });
        };
        const ready = stream.write(toLines(batch), (error) => {
          if (error) return reject(error);
          flushed = true;
          settle();
        });
        drained = ready;
        if (ready) settle();
        else {
          stream.once('drain', () => {
            drained = true;
            settle();
          });
        }
      }),
    close: options.close ?? (() => Promise.resolve()),
  };
}

/** Appends records as JSON lines to a file (created if missing). */
export function createFileSink(path: string): RecordSink {
  const file = createWriteStream(path, { flags: 'a' });
  let failure: Error | undefined;
  file.on('error', (error) => {
    failure = error;
  });
  const sink = createStreamSink(file, {
    close: () =>
      new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        file.end((error?: Error | null) => (error ? reject(error) : resolve()));
      }),
  });
  return {
    send: (batch) => (failure === undefined ? sink.send(batch) : Promise.reject(failure)),
    close: sink.close,
  };
}

export interface MemorySink extends RecordSink {
  readonly records: GeneratedRecord[];
  /** The records' data as text (gzip'd ones base64). */
  lines(): string[];
  closed: boolean;
}

/** Keeps every record in memory: for tests, benchmarks and previews. */
export function createMemorySink(): MemorySink {
  const records: GeneratedRecord[] = [];
  const sink: MemorySink = {
    records,
    closed: false,
    send: (batch) => {
      for (const record of batch) records.push(record);
      return Promise.resolve({ acknowledged: batch.length, failed: [] });
    },
    close: () => {
      sink.closed = true;
      return Promise.resolve();
    },
    lines: () =>
      records.map(({ data }) =>
        isGzip(data)
          ? Buffer.from(data).toString('base64')
          : Buffer.from(data).toString('utf8').replace(/\n$/, ''),
      ),
  };
  return sink;
}

// ---------------------------------------------------------------------------------------------------------
// Adapters for the AWS senders in lib/sinks (chunking to API limits and retrying failed entries live there).

/** What lib/sinks' reliable senders resolve with; `acknowledged` may be a count or the acknowledged entries. */
export interface ReliablePutResult {
  acknowledged: number | readonly unknown[];
  failed: readonly SinkFailure[];
  resent?: number;
  resentUnconfirmed?: number;
}

export interface KinesisEntry {
  data: Uint8Array;
  partitionKey: string;
}

function normalise(result: ReliablePutResult): SinkResult {
  const acknowledged =
    typeof result.acknowledged === 'number' ? result.acknowledged : result.acknowledged.length;
  return {
    acknowledged,
    failed: [...result.failed],
    resent: result.resent ?? 0,
    resentUnconfirmed: result.resentUnconfirmed ?? 0,
  };
}

/**
 * A Kinesis Data Streams sink around a PutRecords sender, e.g.
 * `createKinesisSink((entries) => putRecordsReliably(client, { streamName }, entries, retryOptions))`.
 */
export function createKinesisSink(
  put: (entries: KinesisEntry[]) => Promise<ReliablePutResult>,
  options: { close?: () => Promise<void> } = {},
): RecordSink {
  return {
    send: async (batch) =>
      normalise(await put(batch.map(({ data, partitionKey }) => ({ data, partitionKey })))),
    close: options.close ?? (() => Promise.resolve()),
  };
}

/**
 * A Firehose sink around a PutRecordBatch sender, e.g.
 * `createFirehoseSink((records) => putRecordBatchReliably(client, deliveryStreamName, records, options))`.
 * Firehose has no partition keys; they are ignored.
 */
export function createFirehoseSink(
  put: (records: Uint8Array[]) => Promise<ReliablePutResult>,
  options: { close?: () => Promise<void> } = {},
): RecordSink {
  return {
    send: async (batch) => normalise(await put(batch.map(({ data }) => data))),
    close: options.close ?? (() => Promise.resolve()),
  };
}

/** One KPL aggregated record and how many user records it carries (lib/records/kpl.ts' `KplAggregate`). */
export interface AggregatedEntry extends KinesisEntry {
  userRecords: number;
}

/**
 * Which batch positions each aggregate carries. An aggregator that groups by partition key keeps input order
 * within a key, so each aggregate takes the next `userRecords` positions of its key. When that does not
 * hold (grouping by shard mixes keys), the remaining positions are shared out in order: counts stay exact,
 * only which kind a failed record had may be approximate.
 */
function membersOf(batch: readonly GeneratedRecord[], aggregates: readonly AggregatedEntry[]): number[][] {
  const byKey = new Map<string, number[]>();
  batch.forEach(({ partitionKey }, index) => {
    const queue = byKey.get(partitionKey);
    if (queue === undefined) byKey.set(partitionKey, [index]);
    else queue.push(index);
  });
  const members = aggregates.map(({ partitionKey, userRecords }) => {
    const queue = byKey.get(partitionKey);
    return queue !== undefined && queue.length >= userRecords ? queue.splice(0, userRecords) : undefined;
  });
  const left = [...byKey.values()].flat().sort((a, b) => a - b);
  return members.map(
    (found, index) => found ?? left.splice(0, (aggregates[index] as AggregatedEntry).userRecords),
  );
}

/**
 * KPL aggregation in front of a Kinesis sender (`--aggregate`), e.g.
 * `createAggregatingKinesisSink((entries) => putRecordsReliably(client, { streamName }, entries), (entries) => aggregate(entries))`
 * with lib/records/kpl.ts' `aggregate`. A failed aggregated record fails every user record it carries;
 * counts stay in user records.
 */
export function createAggregatingKinesisSink(
  put: (entries: KinesisEntry[]) => Promise<ReliablePutResult>,
  aggregate: (entries: KinesisEntry[]) => readonly AggregatedEntry[],
  options: { close?: () => Promise<void> } = {},
): RecordSink {
  return {
    send: async (batch) => {
      const aggregates = aggregate(batch.map(({ data, partitionKey }) => ({ data, partitionKey })));
      const covered = aggregates.reduce((sum, entry) => sum + entry.userRecords, 0);
      if (covered !== batch.length) {
        throw new Error(`aggregation covered ${covered} of ${batch.length} records`);
      }
      const members = membersOf(batch, aggregates);
      const result = normalise(
        await put(aggregates.map(({ data, partitionKey }) => ({ data, partitionKey }))),
      );
      const failed: SinkFailure[] = [];
      for (const failure of result.failed) {
        for (const index of members[failure.index] ?? []) failed.push({ ...failure, index });
      }
      // Resends count aggregated Kinesis records here, not the user records they carry.
      return {
        acknowledged: batch.length - failed.length,
        failed,
        resent: result.resent,
        resentUnconfirmed: result.resentUnconfirmed,
      };
    },
    close: options.close ?? (() => Promise.resolve()),
  };
}
