/**
 * Test doubles for the event source mapping: an in-memory Kinesis stream behind a mocked KinesisClient
 * (aws-sdk-client-mock), with scripted faults, and a silent logger. Sequence numbers and arrival times come
 * from the fake, as they come from GetRecords in the real thing.
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { sequenceNumber, shardId } from '../../../lib/events/factories';
import type { MappingLogger } from '../../../lib/local/event-source-mapping';

export const START_MS = Date.UTC(2026, 10, 22, 12, 0, 0);

export interface FakeRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  arrivalMs: number;
}

interface FakeShard {
  id: string;
  records: FakeRecord[];
  closed: boolean;
  parent?: string;
}

type Operation = 'GetRecords' | 'GetShardIterator' | 'ListShards';

export function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), {
    name: 'Error',
    code: 'ECONNREFUSED',
  });
}

export class FakeKinesis {
  readonly client = new KinesisClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  readonly arn: string;
  private readonly mock = mockClient(this.client);
  private readonly shards: FakeShard[] = [];
  private readonly faults: { operation: Operation; error: Error }[] = [];
  readonly calls: Record<Operation, number> = { GetRecords: 0, GetShardIterator: 0, ListShards: 0 };
  /** Iterator types asked for, in order. */
  readonly iteratorRequests: GetShardIteratorCommandInput[] = [];

  constructor(
    readonly streamName: string,
    shardCount: number,
    private readonly now: () => number,
  ) {
    this.arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
    for (let index = 0; index < shardCount; index += 1) this.addShard();
    this.mock.on(DescribeStreamSummaryCommand).callsFake(() => ({
      StreamDescriptionSummary: { StreamName: streamName, StreamARN: this.arn, StreamStatus: 'ACTIVE' },
    }));
    this.mock.on(ListShardsCommand).callsFake(() => {
      this.failIfScripted('ListShards');
      return {
        Shards: this.shards.map((shard) => ({
          ShardId: shard.id,
          ...(shard.parent && { ParentShardId: shard.parent }),
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
          SequenceNumberRange: { StartingSequenceNumber: '0' },
        })),
      };
    });
    this.mock.on(GetShardIteratorCommand).callsFake((input: GetShardIteratorCommandInput) => {
      this.calls.GetShardIterator += 1;
      this.iteratorRequests.push(input);
      this.failIfScripted('GetShardIterator');
      const shard = this.shard(input.ShardId!);
      const positions: Record<string, () => number> = {
        TRIM_HORIZON: () => 0,
        LATEST: () => shard.records.length,
        AT_TIMESTAMP: () => {
          const at = shard.records.findIndex((record) => record.arrivalMs >= input.Timestamp!.getTime());
          return at === -1 ? shard.records.length : at;
        },
        AFTER_SEQUENCE_NUMBER: () => this.indexOf(shard, input.StartingSequenceNumber!) + 1,
        AT_SEQUENCE_NUMBER: () => this.indexOf(shard, input.StartingSequenceNumber!),
      };
      return { ShardIterator: `${shard.id}|${positions[input.ShardIteratorType!]!()}` };
    });
    this.mock.on(GetRecordsCommand).callsFake((input: { ShardIterator: string; Limit?: number }) => {
      this.calls.GetRecords += 1;
      this.failIfScripted('GetRecords');
      const [id, position] = input.ShardIterator.split('|');
      const shard = this.shard(id!);
      const start = Number(position);
      const records = shard.records.slice(start, start + (input.Limit ?? 10_000));
      const next = start + records.length;
      const atEnd = shard.closed && next >= shard.records.length;
      return {
        Records: records.map((record) => ({
          SequenceNumber: record.sequenceNumber,
          PartitionKey: record.partitionKey,
          Data: new Uint8Array(record.data),
          ApproximateArrivalTimestamp: new Date(record.arrivalMs),
        })),
        NextShardIterator: atEnd ? undefined : `${shard.id}|${next}`,
        MillisBehindLatest: 0,
      };
    });
  }

  addShard(options: { parent?: string } = {}): string {
    const id = shardId(this.shards.length);
    this.shards.push({ id, records: [], closed: false, ...(options.parent && { parent: options.parent }) });
    return id;
  }

  close(id: string): void {
    this.shard(id).closed = true;
  }

  /** Appends a record to a shard (default: shard 0); returns its sequence number. */
  put(
    partitionKey: string,
    data: string | Buffer,
    options: { shard?: number; arrivalMs?: number } = {},
  ): string {
    const shard = this.shards[options.shard ?? 0]!;
    const base =
      49590338271490256608559692538361571095921575989136588898n + BigInt(options.shard ?? 0) * 10n ** 40n;
    const record: FakeRecord = {
      sequenceNumber: sequenceNumber(shard.records.length, base),
      partitionKey,
      data: Buffer.from(data),
      arrivalMs: options.arrivalMs ?? this.now(),
    };
    shard.records.push(record);
    return record.sequenceNumber;
  }

  /** Puts records `r<from>`, `r<from+1>`... with partition keys from `key(i)`; returns their sequence numbers. */
  putMany(
    count: number,
    key: (index: number) => string = () => 'pk',
    options: { shard?: number; arrivalMs?: number; from?: number } = {},
  ): string[] {
    const from = options.from ?? 0;
    return Array.from({ length: count }, (_, index) =>
      this.put(key(from + index), `r${from + index}`, options),
    );
  }

  /** The next `times` calls of `operation` throw `error`. */
  failNext(operation: Operation, times: number, error: Error = connectionRefused()): void {
    for (let index = 0; index < times; index += 1) this.faults.push({ operation, error });
  }

  restore(): void {
    this.mock.restore();
  }

  private failIfScripted(operation: Operation): void {
    const index = this.faults.findIndex((fault) => fault.operation === operation);
    if (index === -1) return;
    const [fault] = this.faults.splice(index, 1);
    throw fault!.error;
  }

  private shard(id: string): FakeShard {
    const shard = this.shards.find((candidate) => candidate.id === id);
    if (!shard) throw awsError('ResourceNotFoundException', `shard ${id} not found`);
    return shard;
  }

  private indexOf(shard: FakeShard, sequence: string): number {
    const index = shard.records.findIndex((record) => record.sequenceNumber === sequence);
    if (index === -1)
      throw awsError('InvalidArgumentException', `sequence number ${sequence} not in ${shard.id}`);
    return index;
  }
}

export const silentLogger: MappingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Decodes an event record's data back to text. */
export function text(record: { kinesis: { data: string } }): string {
  return Buffer.from(record.kinesis.data, 'base64').toString('utf8');
}
