/**
 * Cost of the reliable Kinesis sink's per-record work (validation, sizing, chunking, outcome
 * bookkeeping) over a bare loop that slices 500-record requests, both against an in-memory client.
 */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { putRecordsReliably } from '../lib/sinks/kinesis';
import { runBench } from './harness';

const RECORDS = 10_000;

const fakeClient = {
  send: async (command: PutRecordsCommand) => ({
    FailedRecordCount: 0,
    Records: (command.input.Records ?? []).map(() => ({
      SequenceNumber: '1',
      ShardId: 'shardId-000000000000',
    })),
  }),
} as unknown as KinesisClient;

const entries = Array.from({ length: RECORDS }, (_, i) => ({
  data: Buffer.from(JSON.stringify({ i, event: 'click', page: `/p/${i % 100}` })),
  partitionKey: `user-${i % 997}`,
}));

export default async function bench(): Promise<void> {
  await runBench({
    name: 'putRecordsReliably (validate, chunk, retry bookkeeping)',
    unitsPerCall: RECORDS,
    unit: 'records',
    subject: () => putRecordsReliably(fakeClient, { streamName: 's' }, entries),
    baselineName: 'slice into 500s and send',
    baseline: async () => {
      for (let start = 0; start < entries.length; start += 500) {
        const Records = entries
          .slice(start, start + 500)
          .map((e) => ({ Data: e.data, PartitionKey: e.partitionKey }));
        await fakeClient.send(new PutRecordsCommand({ StreamName: 's', Records }));
      }
    },
    rounds: 15,
  });
}
