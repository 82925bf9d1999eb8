/** Shared by the analytics tests: pipelines with an `analytics:` block, an in-memory sink, and an emulated
 * event source mapping that drives tumbling windows over many invocations. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parsePipeline, type LoadedPipeline } from '../../../lib/pipeline/load';
import {
  ResultDeliveryError,
  tumblingWindowEvent,
  windowOf,
  type Emission,
  type ResultRow,
  type ResultSink,
  type WindowAggregator,
  type WindowOutcome,
} from '../../../lib/analytics';
import { sequenceNumber, shardId } from '../../../lib/events/factories';

export const PIPELINE_FILE = resolve(__dirname, '../../../pipeline.yml');

/** The fields of the records the analytics tests generate (the query's columns are checked against them). */
export const TEST_RECORD_SCHEMA = {
  type: 'object',
  properties: {
    event_type: { type: 'string' },
    customer_id: { type: 'string' },
    qty: { type: 'integer' },
    amount: { type: ['number', 'null'] },
    is_bot: { type: 'boolean' },
    device: { type: 'object', properties: { type: { type: ['string', 'null'] }, os: { type: 'string' } } },
  },
};

/** Writes a record schema for a test pipeline; returns its path. */
export function schemaFile(name: string, schema: object): string {
  const file = join(tmpdir(), `kpipe-${name}-${process.pid}.schema.json`);
  writeFileSync(file, JSON.stringify(schema));
  return file;
}

/** A minimal pipeline around an analytics block given as YAML lines (indented under `analytics:`). */
export function pipelineWith(
  analyticsYaml: string,
  extra = '',
  schema = 'schemas/clickstream.schema.json',
): LoadedPipeline {
  const text = [
    'name: analytics-test',
    'stream: { name: test-stream }',
    `record: { schema: '${schema}' }`,
    extra,
    'analytics:',
    ...analyticsYaml.split('\n').map((line) => `  ${line}`),
  ].join('\n');
  return parsePipeline(text, PIPELINE_FILE);
}

export function sqlPipeline(sql: string, more: string[] = []): LoadedPipeline {
  return pipelineWith(
    [`sql: ${JSON.stringify(sql)}`, 'sink: { type: kinesis, stream: results }', 'records: raw', ...more].join(
      '\n',
    ),
    '',
    schemaFile('analytics-test', TEST_RECORD_SCHEMA),
  );
}

export interface MemorySink extends ResultSink {
  emissions: { rows: ResultRow[]; emission: Emission }[];
  readonly rows: ResultRow[];
  /** Makes the next `n` writes throw a delivery error. */
  failNext(n: number): void;
}

export function memorySink(): MemorySink {
  const emissions: { rows: ResultRow[]; emission: Emission }[] = [];
  let failures = 0;
  return {
    name: 'memory',
    emissions,
    get rows() {
      return emissions.flatMap((entry) => entry.rows);
    },
    failNext(n) {
      failures = n;
    },
    async write(rows, emission) {
      if (failures > 0) {
        failures -= 1;
        throw new ResultDeliveryError('memory', 'ServiceUnavailable: try again');
      }
      emissions.push({ rows: structuredClone(rows), emission });
      return { written: rows.length, target: 'memory' };
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StreamedRecord {
  object: Record<string, unknown>;
  /** Raw data when the record is not (only) the object, e.g. invalid JSON. */
  data?: string;
  shard: number;
  arrival: number;
}

export interface DriveOptions {
  windowSeconds: number;
  /** Largest batch; batch sizes are drawn from 1..maxBatch. */
  maxBatch: number;
  seed: number;
  /** Share of batches invoked a second time with the state returned by the first (re-delivery). */
  redeliver?: number;
}

export interface DriveResult {
  /** Per shard index, the records in the order the function saw them (with their window). */
  windows: { shard: string; window: { start: string; end: string }; records: StreamedRecord[] }[];
  invocations: number;
  redelivered: number;
  outcomes: WindowOutcome[];
}

/**
 * Emulates the event source mapping with tumbling windows: per shard, records in arrival order are cut into
 * windows, each window into random batches invoked with the previous state, then a final invoke.
 */
export async function drive(
  aggregator: WindowAggregator,
  records: StreamedRecord[],
  options: DriveOptions,
): Promise<DriveResult> {
  const next = random(options.seed);
  const result: DriveResult = { windows: [], invocations: 0, redelivered: 0, outcomes: [] };
  const shards = [...new Set(records.map((record) => record.shard))].sort((a, b) => a - b);
  for (const shardIndex of shards) {
    const shard = shardId(shardIndex);
    const inShard = records
      .filter((record) => record.shard === shardIndex)
      .sort((a, b) => a.arrival - b.arrival)
      .map((record, position) => ({ record, sequence: sequenceNumber(position) }));
    const byWindow = new Map<string, typeof inShard>();
    for (const entry of inShard) {
      const window = windowOf(entry.record.arrival, options.windowSeconds);
      const list = byWindow.get(window.start) ?? [];
      list.push(entry);
      byWindow.set(window.start, list);
    }
    for (const entries of byWindow.values()) {
      const window = windowOf(entries[0]!.record.arrival, options.windowSeconds);
      result.windows.push({ shard, window, records: entries.map((entry) => entry.record) });
      let state: object = {};
      const invoke = async (batch: typeof entries, final: boolean) => {
        const event = tumblingWindowEvent(
          batch.map(({ record, sequence }) => ({
            data: record.data ?? JSON.stringify(record.object),
            partitionKey: `pk-${shardIndex}`,
            sequenceNumber: sequence,
            arrivalTime: record.arrival,
          })),
          { window, state, final, shard },
        );
        const outcome = await aggregator(event);
        result.invocations += 1;
        result.outcomes.push(outcome);
        return outcome;
      };
      for (let start = 0; start < entries.length;) {
        const size = 1 + Math.floor(next() * options.maxBatch);
        const batch = entries.slice(start, start + size);
        state = (await invoke(batch, false)).state;
        if (next() < (options.redeliver ?? 0)) {
          // Lambda re-delivers a batch whose checkpoint was lost, with the state that already counts it.
          result.redelivered += 1;
          state = (await invoke(batch, false)).state;
        }
        start += size;
      }
      await invoke([], true);
    }
  }
  return result;
}
