/**
 * Test doubles shared by the Kinesis and Firehose sink tests: both APIs answer the same way
 * (per-entry ErrorCode in request order), so one scripted fake drives either mocked client.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { putRecordBatchReliably } from '../../../lib/sinks/firehose';
import { putRecordsReliably } from '../../../lib/sinks/kinesis';
import type { DeliveryOptions, PutOutcome } from '../../../lib/sinks/retry';

/** A record whose first 4 bytes carry its input index, so the fake can tell which entries it got. */
export function taggedData(index: number, size = 4): Uint8Array {
  const data = Buffer.alloc(Math.max(size, 4));
  data.writeUInt32BE(index, 0);
  return data;
}

export function readTag(data: Uint8Array | undefined): number {
  return Buffer.from(data ?? new Uint8Array(4)).readUInt32BE(0);
}

/** Per call: the tags sent, answered with an error code per tag (undefined = stored) or a thrown error. */
export type Script = (tags: number[], call: number) => (string | undefined)[] | Error;

export function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });
}

export interface SinkUnderTest {
  name: string;
  maxRequestBytes: number;
  maxRecordBytes: number;
  /** Bytes a record adds to the request besides its data (the Kinesis partition key). */
  overheadBytes: number;
  install(script: Script): {
    put(datas: Uint8Array[], options?: DeliveryOptions): Promise<PutOutcome>;
    /** Tags sent per call, in order. */
    calls(): number[][];
    restore(): void;
  };
}

const respond = (script: Script, tags: number[], call: number) => {
  const result = script(tags, call);
  if (result instanceof Error) throw result;
  return result;
};

export const PARTITION_KEY = 'pk';

export const kinesisSink: SinkUnderTest = {
  name: 'kinesis putRecordsReliably',
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
  overheadBytes: PARTITION_KEY.length,
  install(script) {
    const mock = mockClient(KinesisClient);
    const client = new KinesisClient({ region: 'us-east-1' });
    let call = 0;
    mock.on(PutRecordsCommand).callsFake(async (input: { Records: { Data: Uint8Array }[] }) => {
      call += 1;
      const codes = respond(
        script,
        input.Records.map((r) => readTag(r.Data)),
        call,
      );
      return {
        FailedRecordCount: codes.filter(Boolean).length,
        Records: codes.map((code, i) =>
          code
            ? { ErrorCode: code, ErrorMessage: `${code} for tag ${readTag(input.Records[i]?.Data)}` }
            : { SequenceNumber: String(call * 1000 + i), ShardId: 'shardId-000000000000' },
        ),
      };
    });
    return {
      put: (datas, options) =>
        putRecordsReliably(
          client,
          { streamName: 'stream' },
          datas.map((data) => ({ data, partitionKey: PARTITION_KEY })),
          options,
        ),
      calls: () =>
        mock
          .commandCalls(PutRecordsCommand)
          .map((c) => (c.args[0].input.Records ?? []).map((r) => readTag(r.Data))),
      restore: () => mock.restore(),
    };
  },
};

export const firehoseSink: SinkUnderTest = {
  name: 'firehose putRecordBatchReliably',
  maxRequestBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
  overheadBytes: 0,
  install(script) {
    const mock = mockClient(FirehoseClient);
    const client = new FirehoseClient({ region: 'us-east-1' });
    let call = 0;
    mock.on(PutRecordBatchCommand).callsFake(async (input: { Records: { Data: Uint8Array }[] }) => {
      call += 1;
      const codes = respond(
        script,
        input.Records.map((r) => readTag(r.Data)),
        call,
      );
      return {
        FailedPutCount: codes.filter(Boolean).length,
        RequestResponses: codes.map((code) =>
          code ? { ErrorCode: code, ErrorMessage: `${code} message` } : { RecordId: `id-${call}` },
        ),
      };
    });
    return {
      put: (datas, options) => putRecordBatchReliably(client, 'delivery', datas, options),
      calls: () =>
        mock
          .commandCalls(PutRecordBatchCommand)
          .map((c) => (c.args[0].input.Records ?? []).map((r) => readTag(r.Data))),
      restore: () => mock.restore(),
    };
  },
};

/** No real waiting in unit tests; the delays asked for are recorded. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
