import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  createAggregatingKinesisSink,
  createFileSink,
  createFirehoseSink,
  createKinesisSink,
  createMemorySink,
  createStreamSink,
  type GeneratedRecord,
  type KinesisEntry,
  type LineStream,
} from '../../../lib/generator';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { aggregate, type KplAggregate } from '../../../lib/records/kpl';
import { putRecordsReliably } from '../../../lib/sinks/kinesis';

const record = (text: string, partitionKey = 'k'): GeneratedRecord => ({
  data: Buffer.from(`${text}\n`),
  partitionKey,
  kind: 'valid',
});

/** A stream double that refuses more data until `drain` is emitted. */
function slowStream(): LineStream & { chunks: string[]; drain: () => void } {
  let onDrain: (() => void) | undefined;
  return {
    chunks: [],
    write(chunk, callback) {
      this.chunks.push(Buffer.from(chunk).toString('utf8'));
      callback();
      return false;
    },
    once(_event, listener) {
      onDrain = listener;
    },
    drain: () => onDrain?.(),
  };
}

describe('line sinks', () => {
  it('write each batch as JSON lines and wait for drain', async () => {
    // Prepare
    const stream = slowStream();
    const sink = createStreamSink(stream);

    // Act
    let settled = false;
    const sending = sink.send([record('{"a":1}'), record('{"a":2}')]).then((result) => {
      settled = true;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const beforeDrain = settled;
    stream.drain();

    // Assess
    expect(beforeDrain).toBe(false);
    await expect(sending).resolves.toEqual({ acknowledged: 2, failed: [] });
    expect(stream.chunks).toEqual(['{"a":1}\n{"a":2}\n']);
  });

  it("write gzip'd records as base64 lines", async () => {
    // Prepare
    const stream = slowStream();
    const zipped = gzipSync('{"z":1}');

    // Act
    const sending = createStreamSink(stream).send([{ data: zipped, partitionKey: 'k', kind: 'valid' }]);
    stream.drain();
    await sending;

    // Assess
    expect(stream.chunks).toEqual([`${zipped.toString('base64')}\n`]);
  });

  it('reject once the stream has failed (a closed pipe)', async () => {
    // Prepare
    let onError: ((error: Error) => void) | undefined;
    const stream: LineStream = {
      write: (_chunk, callback) => {
        callback();
        return true;
      },
      once: () => undefined,
      on: (_event, listener) => {
        onError = listener;
      },
    };
    const sink = createStreamSink(stream);

    // Act
    onError?.(new Error('EPIPE'));

    // Assess
    await expect(sink.send([record('x')])).rejects.toThrow('EPIPE');
  });

  it('append to a file', async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'kpipe-generator-'));
    const path = join(directory, 'out.jsonl');
    try {
      const sink = createFileSink(path);

      // Act
      await sink.send([record('1'), record('2')]);
      await sink.send([record('3')]);
      await sink.close();

      // Assess
      expect(readFileSync(path, 'utf8')).toBe('1\n2\n3\n');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keep records in memory', async () => {
    // Prepare
    const sink = createMemorySink();

    // Act
    await sink.send([record('a'), record('b')]);

    // Assess
    expect(sink.lines()).toEqual(['a', 'b']);
  });
});

describe('AWS sender adapters', () => {
  it("plug into lib/sinks' putRecordsReliably", async () => {
    // Prepare
    const kinesis = mockClient(KinesisClient);
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_, index) => ({
        SequenceNumber: String(index),
        ShardId: 'shardId-000000000000',
      })),
    }));
    const client = new KinesisClient({ region: 'us-east-1' });
    const sink = createKinesisSink((entries) =>
      putRecordsReliably(client, { streamName: 'events' }, entries),
    );
    const tooBig: GeneratedRecord = {
      data: Buffer.alloc(1024 * 1024 + 1),
      partitionKey: 'k',
      kind: 'oversize',
    };

    // Act
    const result = await sink.send([record('a'), tooBig, record('b')]);

    // Assess
    expect(result.acknowledged).toBe(2);
    expect(result.failed).toEqual([expect.objectContaining({ index: 1 })]);
    kinesis.restore();
  });

  it.each<[string, number | unknown[]]>([
    ['a count', 2],
    ['a list', ['r1', 'r2']],
  ])('accept acknowledged as %s from a Kinesis sender', async (_name, acknowledged) => {
    // Prepare
    const calls: KinesisEntry[][] = [];
    const failure = { index: 2, errorCode: 'InternalFailure', errorMessage: 'try again' };
    const sink = createKinesisSink((entries) => {
      calls.push(entries);
      return Promise.resolve({ acknowledged, failed: [failure] });
    });

    // Act
    const result = await sink.send([record('a', 'p1'), record('b', 'p2'), record('c', 'p3')]);

    // Assess
    expect(calls[0]?.map(({ partitionKey }) => partitionKey)).toEqual(['p1', 'p2', 'p3']);
    expect(result).toEqual({ acknowledged: 2, failed: [failure], resent: 0, resentUnconfirmed: 0 });
  });

  it('pass the resend counts of the sender on to the generator', async () => {
    const sink = createKinesisSink(() =>
      Promise.resolve({ acknowledged: 1, failed: [], resent: 3, resentUnconfirmed: 1 }),
    );

    const result = await sink.send([record('a', 'p1')]);

    expect(result).toMatchObject({ resent: 3, resentUnconfirmed: 1 });
  });

  it('send only the data to Firehose', async () => {
    // Prepare
    const calls: Uint8Array[][] = [];
    const sink = createFirehoseSink((records) => {
      calls.push(records);
      return Promise.resolve({ acknowledged: records.length, failed: [] });
    });

    // Act
    await sink.send([record('a'), record('b')]);

    // Assess
    expect(calls[0]?.map((data) => Buffer.from(data).toString())).toEqual(['a\n', 'b\n']);
  });

  it('fail every user record of a failed aggregated record, found by partition key', async () => {
    // Prepare: the real KPL aggregator, which groups by partition key
    const keys = ['a', 'b', 'a', 'c', 'b', 'a'];
    let aggregates: KplAggregate[] = [];
    const sink = createAggregatingKinesisSink(
      (entries) =>
        Promise.resolve({
          acknowledged: entries.length - 1,
          failed: [
            {
              index: aggregates.findIndex(({ partitionKey }) => partitionKey === 'a'),
              errorCode: 'InternalFailure',
              errorMessage: 'x',
            },
          ],
        }),
      (entries) => (aggregates = aggregate(entries)),
    );

    // Act
    const result = await sink.send(keys.map((key, index) => record(String(index), key)));

    // Assess
    expect(aggregates).toHaveLength(3);
    expect(result.acknowledged).toBe(3);
    expect(result.failed.map(({ index }) => index)).toEqual([0, 2, 5]);
  });

  it('still counts every user record when aggregates mix partition keys', async () => {
    // Prepare: an aggregator that packs everything into one aggregate under the first key
    const sink = createAggregatingKinesisSink(
      () =>
        Promise.resolve({
          acknowledged: 0,
          failed: [{ index: 0, errorCode: 'InternalFailure', errorMessage: 'x' }],
        }),
      (entries) => [
        {
          data: Buffer.from('agg'),
          partitionKey: entries[0]?.partitionKey ?? '',
          userRecords: entries.length,
        },
      ],
    );

    // Act
    const result = await sink.send(['p', 'q', 'r'].map((key) => record(key, key)));

    // Assess
    expect(result.acknowledged).toBe(0);
    expect(result.failed.map(({ index }) => index)).toEqual([0, 1, 2]);
  });

  it('refuse an aggregation that loses records', async () => {
    // Prepare
    const sink = createAggregatingKinesisSink(
      () => Promise.resolve({ acknowledged: 0, failed: [] }),
      () => [{ data: Buffer.from('x'), partitionKey: 'k', userRecords: 1 }],
    );

    // Act / Assess
    await expect(sink.send([record('a'), record('b')])).rejects.toThrow('aggregation covered 1 of 2 records');
  });
});
