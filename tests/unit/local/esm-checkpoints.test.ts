import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointFileError, CheckpointStore, readCheckpointFile } from '../../../lib/local/checkpoints';

let directory: string;
const identity = {
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
  functionName: 'consumer',
};

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'esm-checkpoints-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('CheckpointStore', () => {
  it('persists the last state of every shard, coalescing writes, and leaves no temporary file', async () => {
    // Prepare
    const file = join(directory, 'nested', 'checkpoints.json');
    const store = new CheckpointStore({ file, ...identity, now: () => Date.UTC(2026, 10, 22) });

    // Act
    for (let index = 1; index <= 50; index += 1)
      store.set('shardId-000000000000', { sequenceNumber: String(index) });
    store.set('shardId-000000000001', { sequenceNumber: '7', lanes: { '1': '9' }, parallelizationFactor: 2 });
    await store.flush();

    // Assess
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      version: 1,
      ...identity,
      updatedAt: '2026-11-22T00:00:00.000Z',
      shards: {
        'shardId-000000000000': { sequenceNumber: '50' },
        'shardId-000000000001': { sequenceNumber: '7', lanes: { '1': '9' }, parallelizationFactor: 2 },
      },
    });
    expect(await readdir(join(directory, 'nested'))).toEqual(['checkpoints.json']);
  });

  it('loads what an earlier run saved', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    const first = new CheckpointStore({ file, ...identity });
    first.set('shardId-000000000000', {
      sequenceNumber: '42',
      windows: { '0': { startMs: 0, endMs: 60_000, state: { n: 1 } } },
    });
    await first.flush();

    // Act
    const second = new CheckpointStore({ file, ...identity });
    await second.load();

    // Assess
    expect(second.get('shardId-000000000000')).toEqual({
      sequenceNumber: '42',
      windows: { '0': { startMs: 0, endMs: 60_000, state: { n: 1 } } },
    });
  });

  it('starts empty without a file, and keeps checkpoints in memory without a path', async () => {
    // Prepare
    const missing = new CheckpointStore({ file: join(directory, 'none.json'), ...identity });
    const memory = new CheckpointStore(identity);

    // Act
    await missing.load();
    memory.set('s', { sequenceNumber: '1' });
    await memory.flush();

    // Assess
    expect(missing.all()).toEqual({});
    expect(memory.get('s')).toEqual({ sequenceNumber: '1' });
    expect(await readdir(directory)).toEqual([]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another version', '{"version":2,"shards":{}}', /not a version 1 checkpoint document/],
    [
      'a bad sequence number',
      '{"version":1,"shards":{"s":{"sequenceNumber":"abc"}}}',
      /shards\.s\.sequenceNumber/,
    ],
  ])('refuses a file that is %s', async (_name, content, message) => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    await writeFile(file, content);

    // Act
    const act = readCheckpointFile(file);

    // Assess
    await expect(act).rejects.toThrow(CheckpointFileError);
    await expect(readCheckpointFile(file)).rejects.toThrow(message);
  });

  it('refuses a file of another stream', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    const other = new CheckpointStore({
      file,
      ...identity,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
    });
    other.set('s', { sequenceNumber: '1' });
    await other.flush();

    // Act
    const store = new CheckpointStore({ file, ...identity });

    // Assess
    await expect(store.load()).rejects.toThrow(/belongs to consumer on .*orders, not consumer on .*clicks/);
  });

  it('reports a failed write and rejects flush', async () => {
    // Prepare
    const blocker = join(directory, 'blocker');
    await writeFile(blocker, 'a file where a folder should be');
    const errors: Error[] = [];
    const store = new CheckpointStore({
      file: join(blocker, 'checkpoints.json'),
      ...identity,
      onWriteError: (error) => errors.push(error),
    });

    // Act
    store.set('s', { sequenceNumber: '1' });
    const flushed = store.flush();

    // Assess
    await expect(flushed).rejects.toThrow();
    expect(errors).toHaveLength(1);
  });
});
