import type { KinesisStreamRecordPayload } from 'aws-lambda';
import {
  arrivalTimeOf,
  unpackKinesisRecord,
  userRecordContext,
  type KinesisUserRecord,
} from '../../../lib/consumer/user-records';
import { aggregate, KPL_MAGIC } from '../../../lib/records';
import { withKplFraming } from '../records/factories';

function payload(
  data: string,
  overrides: Partial<KinesisStreamRecordPayload> = {},
): KinesisStreamRecordPayload {
  return {
    kinesisSchemaVersion: '1.0',
    partitionKey: 'outer-key',
    sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    data,
    approximateArrivalTimestamp: 1_764_806_400.25,
    ...overrides,
  };
}

const base64 = (data: Buffer | string) => Buffer.from(data).toString('base64');

describe('unpackKinesisRecord', () => {
  it('gives a plain record as one user record under the Kinesis partition key, without sub-sequence number', () => {
    // Act
    const unpacked = unpackKinesisRecord(payload(base64('{"a":1}')));

    // Assess
    expect(unpacked).toEqual({
      ok: true,
      users: [{ data: Buffer.from('{"a":1}'), partitionKey: 'outer-key', subSequenceNumber: undefined }],
    });
  });

  it('splits a KPL aggregate into its entries, each with its own key and position', () => {
    // Prepare
    const [packed] = aggregate([
      { partitionKey: 'k1', data: 'one' },
      { partitionKey: 'k1', data: 'two' },
    ]);

    // Act
    const unpacked = unpackKinesisRecord(payload(base64(packed!.data)));

    // Assess
    expect(unpacked.ok && unpacked.users.map((user) => ({ ...user, data: user.data.toString() }))).toEqual([
      { partitionKey: 'k1', explicitHashKey: undefined, data: 'one', subSequenceNumber: 0 },
      { partitionKey: 'k1', explicitHashKey: undefined, data: 'two', subSequenceNumber: 1 },
    ]);
  });

  it('refuses data that is not base64, keeping the text as it came', () => {
    // Act
    const unpacked = unpackKinesisRecord(payload('not base64!'));

    // Assess
    expect(unpacked).toEqual({
      ok: false,
      reason: 'invalid-base64',
      message: expect.any(String) as string,
      rawData: 'not base64!',
    });
  });

  it('refuses an aggregate whose valid checksum covers a bad protobuf, keeping the decoded bytes', () => {
    // Prepare: field 3 (records) declared 5 bytes long with only one byte after it.
    const bytes = withKplFraming(Buffer.from([0x1a, 0x05, 0x00]));

    // Act
    const unpacked = unpackKinesisRecord(payload(base64(bytes)));

    // Assess
    expect(unpacked).toEqual({
      ok: false,
      reason: 'invalid-kpl-protobuf',
      message: expect.stringMatching(/^KPL aggregate does not decode/) as string,
      rawData: bytes,
    });
    expect(bytes.subarray(0, 4)).toEqual(KPL_MAGIC);
  });
});

describe('userRecordContext', () => {
  it("names the batch's shard and ingestion time, the record's sequence number and the user record's key", () => {
    // Prepare
    const kinesis = payload('');
    const user: KinesisUserRecord = {
      data: Buffer.alloc(0),
      partitionKey: 'inner-key',
      subSequenceNumber: 3,
    };
    const ingestionTime = new Date('2026-12-05T00:00:00Z');
    const arrivalTime = arrivalTimeOf(kinesis);

    // Act
    const context = userRecordContext(
      { shardId: 'shardId-000000000007', ingestionTime },
      kinesis,
      user,
      arrivalTime,
    );

    // Assess
    expect(context).toEqual({
      ingestionTime,
      arrivalTime: new Date('2025-12-04T00:00:00.250Z'),
      shardId: 'shardId-000000000007',
      sequenceNumber: kinesis.sequenceNumber,
      subSequenceNumber: 3,
      partitionKey: 'inner-key',
    });
    expect(context.arrivalTime).toBe(arrivalTime);
  });
});
