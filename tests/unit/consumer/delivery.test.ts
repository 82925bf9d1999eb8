import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createSinks, type DeliveryItem } from '../../../lib/consumer';
import type { S3SinkConfig } from '../../../lib/pipeline/types';

const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});

const batch = { shardId: 'shardId-000000000000', firstSequenceNumber: '100', lastSequenceNumber: '199' };

function s3Sink(config: Partial<S3SinkConfig> = {}) {
  const [sink] = createSinks(
    [{ type: 's3', prefix: 'lake/', compression: 'gzip', partitioned: true, ...config } as S3SinkConfig],
    {
      clients: { s3: () => new S3Client({}) } as never,
      bucket: 'bucket',
    },
  );
  return sink!;
}

function item(
  position: number,
  keys: Record<string, string> | undefined,
  line = `{"n":${position}}`,
): DeliveryItem {
  return {
    position,
    line,
    bytes: position % 2 === 0 ? Buffer.from(line) : undefined,
    record: undefined,
    keys,
    partitionKey: 'pk',
    sequenceNumber: String(100 + position),
    subSequenceNumber: undefined,
  };
}

/** Object key → its lines. */
function objects(): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const call of s3.commandCalls(PutObjectCommand)) {
    const input: PutObjectCommandInput = call.args[0].input;
    const body = input.ContentEncoding === 'gzip' ? gunzipSync(input.Body as Buffer) : (input.Body as Buffer);
    result[input.Key!] = body.toString('utf8').trimEnd().split('\n');
  }
  return result;
}

describe('S3 sink of the stream consumer', () => {
  it('writes one object per partition folder, telling folders apart by every name, value and their order', async () => {
    const open = s3Sink().open(batch);
    const keys: Record<string, string>[] = [
      { a: '1', b: '2' },
      { b: '2', a: '1' },
      { a: '1', b: '3' },
      { a: '1' },
      { a: '1', b: '2' },
      { a: '2', b: '2' },
      { a: '1', b: '2', c: '1' },
      { a: '1', b: '1' },
      { b: '1', a: '1' },
    ];
    keys.forEach((partitions, position) => open.add(item(position, partitions)));
    const result = await open.deliver();

    expect(result).toMatchObject({ firstUndelivered: undefined, written: 8 });
    const stem = 'shardId-000000000000/100-199.jsonl.gz';
    expect(objects()).toEqual({
      [`lake/a=1/b=2/${stem}`]: ['{"n":0}', '{"n":4}'],
      [`lake/b=2/a=1/${stem}`]: ['{"n":1}'],
      [`lake/a=1/b=3/${stem}`]: ['{"n":2}'],
      [`lake/a=1/${stem}`]: ['{"n":3}'],
      [`lake/a=2/b=2/${stem}`]: ['{"n":5}'],
      [`lake/a=1/b=2/c=1/${stem}`]: ['{"n":6}'],
      [`lake/a=1/b=1/${stem}`]: ['{"n":7}'],
      [`lake/b=1/a=1/${stem}`]: ['{"n":8}'],
    });
  });

  it("writes a single uncompressed object when not partitioned, whatever the records' keys", async () => {
    const open = s3Sink({ partitioned: false, compression: 'none' }).open(batch);
    [{ a: '1' }, { a: '2' }, undefined].forEach((keys, position) => open.add(item(position, keys)));
    await open.deliver();
    expect(objects()).toEqual({
      'lake/shardId-000000000000/100-199.jsonl': ['{"n":0}', '{"n":1}', '{"n":2}'],
    });
  });

  it('asks for turns of the event loop only when it compresses, which happens beside the batch', () => {
    expect(s3Sink({ compression: 'gzip' }).worksInBackground).toBe(true);
    expect(s3Sink({ compression: 'none' }).worksInBackground).toBe(false);
  });

  it('reports the first line of each object S3 refused, and only those objects', async () => {
    s3.on(PutObjectCommand, { Key: 'lake/a=2/shardId-000000000000/100-199.jsonl.gz' }).rejects(
      Object.assign(new Error('Slow down'), { name: 'SlowDown' }),
    );
    const open = s3Sink().open(batch);
    [{ a: '1' }, { a: '1' }, { a: '2' }, { a: '1' }, { a: '2' }].forEach((keys, position) =>
      open.add(item(position, keys)),
    );
    const result = await open.deliver();
    expect(result.firstUndelivered).toBe(2);
    expect(result.written).toBe(1);
    expect(result.errors).toEqual([expect.stringContaining('SlowDown')]);
  });
});
