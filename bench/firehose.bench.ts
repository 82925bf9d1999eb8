/**
 * The Firehose functions on a 3 MB batch of clickstream records (one JSON object per record, as Firehose
 * delivers after JSON de-aggregation), beside the bare loop a transformer cannot do less than:
 * base64 → JSON.parse → JSON.stringify → base64, one Ok entry per record. Target: ≥ 0.7 of the bare loop
 * for the transformer's own machinery (strict decoding, safe parsing, schema validation, partition keys,
 * exact response sizing). The sample pipeline's transforms (an HMAC per record) are measured apart.
 */
import { resolve } from 'node:path';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { firehoseTransformationEvent } from '../lib/events/factories';
import { createFirehoseProcessor, type FirehoseInvocation } from '../lib/firehose';
import { loadPipeline, type LoadedPipeline } from '../lib/pipeline/load';
import { clickEvent } from '../tests/fixtures/clickstream';
import { handWrittenTransformer } from './hand-written';
import { runBench } from './harness';

const BATCH_BYTES = 3 * 1024 * 1024;

function batch(): FirehoseInvocation {
  const records: { data: string }[] = [];
  let bytes = 0;
  for (let index = 0; bytes < BATCH_BYTES; index += 1) {
    const data = JSON.stringify(clickEvent(index));
    bytes += data.length;
    records.push({ data });
  }
  return firehoseTransformationEvent(records, { sourceStreamName: 'clickstream-events' });
}

/** What any transformer must do at least: decode, parse, serialise, encode, one entry per record. */
function bareLoop(event: FirehoseInvocation): { records: unknown[] } {
  const out: { recordId: string; result: 'Ok'; data: string }[] = [];
  for (const record of event.records) {
    const object: unknown = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    out.push({
      recordId: record.recordId,
      result: 'Ok',
      data: Buffer.from(`${JSON.stringify(object)}\n`).toString('base64'),
    });
  }
  return { records: out };
}

/** Accepts every PutRecords entry without a network round trip. */
const acceptingKinesis = {
  send: async (command: PutRecordsCommand) => ({
    Records: command.input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
  }),
} as unknown as KinesisClient;

function withoutTransforms(pipeline: LoadedPipeline): LoadedPipeline {
  return { ...pipeline, config: { ...pipeline.config, transforms: [] } };
}

export default async function firehoseBench(): Promise<void> {
  const pipeline = loadPipeline(resolve(__dirname, '..', 'pipeline.yml'));
  const event = batch();
  const count = event.records.length;
  const env = { MASK_SALT: 'bench-salt' };
  // Overflow (a 3 MB batch can pass 6 MB once transformed, with keys) is re-ingested to this stand-in.
  const clients = { kinesis: () => acceptingKinesis };
  const machinery = createFirehoseProcessor(withoutTransforms(pipeline), { mode: 'transform', env, clients });
  // The same with an accept-all record schema: what schema validation costs on its own.
  const unvalidated = createFirehoseProcessor(
    { ...withoutTransforms(pipeline), recordSchema: { type: 'object' } },
    { mode: 'transform', env, clients },
  );
  const sample = createFirehoseProcessor(pipeline, { mode: 'transform', env, clients });
  const keys = createFirehoseProcessor(pipeline, { mode: 'keys', env, clients });
  let sink = 0;
  const expectAllOk = async (run: typeof machinery): Promise<void> => {
    const { summary } = await run(event);
    if (summary.ok + (summary.droppedRecords['reingested-overflow'] ?? 0) !== count) {
      throw new Error(`expected ${count} Ok or re-ingested records, got ${JSON.stringify(summary)}`);
    }
    sink += summary.responseBytes;
  };
  console.log(`batch: ${count} records, ${BATCH_BYTES} bytes of JSON`);

  await runBench({
    name: 'firehoseTransformer: validate + keys + 6 MB guard (no transforms)',
    unitsPerCall: count,
    unit: 'records',
    subject: () => expectAllOk(machinery),
    baselineName: 'base64 → JSON.parse → JSON.stringify → base64',
    baseline: () => {
      sink += bareLoop(event).records.length;
    },
  });
  await runBench({
    name: 'firehoseTransformer: keys + 6 MB guard (no transforms, accept-all schema)',
    unitsPerCall: count,
    unit: 'records',
    subject: () => expectAllOk(unvalidated),
    baselineName: 'base64 → JSON.parse → JSON.stringify → base64',
    baseline: () => {
      sink += bareLoop(event).records.length;
    },
  });
  await runBench({
    name: 'firehoseTransformer: sample pipeline.yml (4 transforms incl. HMAC mask)',
    unitsPerCall: count,
    unit: 'records',
    subject: () => expectAllOk(sample),
    baselineName: 'base64 → JSON.parse → JSON.stringify → base64',
    baseline: () => {
      sink += bareLoop(event).records.length;
    },
  });
  // The honest baseline for the sample pipeline: the same work written by hand (bench/hand-written.ts).
  const byHand = handWrittenTransformer('bench-salt');
  await runBench({
    name: 'firehoseTransformer: sample pipeline.yml, vs the same work by hand',
    unitsPerCall: count,
    unit: 'records',
    subject: () => expectAllOk(sample),
    baselineName: 'hand-written: parse, Ajv, 4 transforms, keys, re-encode (target ≥ 0.8)',
    baseline: () => {
      const { records } = byHand(event);
      if (records.some((record) => record.result !== 'Ok')) throw new Error('hand-written: a record failed');
      sink += records.length;
    },
  });
  await runBench({
    name: 'partitionKeys: parse + keys, data passed through',
    unitsPerCall: count,
    unit: 'records',
    subject: () => expectAllOk(keys),
    baselineName: 'base64 → JSON.parse → JSON.stringify → base64',
    baseline: () => {
      sink += bareLoop(event).records.length;
    },
  });
  if (sink < 0) throw new Error('unreachable');
}
