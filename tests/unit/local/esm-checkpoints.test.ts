import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

describe('readCheckpointFile: what a usable file is', () => {
  const shards = (value: string) => `{"version":1,"shards":${value}}`;

  it.each([
    ['null', 'null', 'not a version 1 checkpoint document'],
    ['an array', '[{"version":1,"shards":{}}]', 'not a version 1 checkpoint document'],
    ['a document without shards', '{"version":1}', 'not a version 1 checkpoint document'],
    ['shards as an array', shards('[]'), 'not a version 1 checkpoint document'],
    ['shards as null', shards('null'), 'not a version 1 checkpoint document'],
    ['a shard that is a number', shards('{"s":5}'), 'shards.s is not an object'],
    ['a shard that is null', shards('{"s":null}'), 'shards.s is not an object'],
    ['a shard that is an array', shards('{"s":[]}'), 'shards.s is not an object'],
    [
      'letters after the digits',
      shards('{"s":{"sequenceNumber":"12a"}}'),
      'shards.s.sequenceNumber is not a sequence number',
    ],
    [
      'letters before the digits',
      shards('{"s":{"sequenceNumber":"a12"}}'),
      'shards.s.sequenceNumber is not a sequence number',
    ],
    [
      'an empty sequence number',
      shards('{"s":{"sequenceNumber":""}}'),
      'shards.s.sequenceNumber is not a sequence number',
    ],
  ])('refuses %s, saying exactly what is wrong', async (_case, content, problem) => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    await writeFile(file, content);

    // Act
    const act = readCheckpointFile(file);

    // Assess
    await expect(act).rejects.toThrow(new CheckpointFileError(file, problem));
    await expect(readCheckpointFile(file)).rejects.toMatchObject({
      name: 'CheckpointFileError',
      file,
      message: `checkpoint file ${file}: ${problem}`,
    });
  });

  it('says what the JSON parser said about a file that is not JSON', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    await writeFile(file, '{');

    // Act / Assess
    await expect(readCheckpointFile(file)).rejects.toThrow(
      new RegExp(`^checkpoint file ${file}: not JSON \\(.+\\)$`),
    );
  });

  it('accepts long sequence numbers, numeric ones, and shards without one', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    const document = {
      version: 1,
      streamArn: identity.streamArn,
      functionName: identity.functionName,
      updatedAt: '2026-12-05T00:00:00.000Z',
      shards: {
        a: { sequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
        b: { sequenceNumber: 7 },
        c: { shardEnd: true },
      },
    };
    await writeFile(file, JSON.stringify(document));

    // Act / Assess
    await expect(readCheckpointFile(file)).resolves.toEqual(document);
  });

  it('passes on a read error other than a missing file', async () => {
    // Act: a folder where the file should be.
    const act = readCheckpointFile(directory);

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(readCheckpointFile(directory)).rejects.not.toBeInstanceOf(CheckpointFileError);
  });
});

describe('CheckpointStore: identity, coalescing and recovery', () => {
  it('refuses a file of another function on the same stream, and says how to start over', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    const other = new CheckpointStore({ file, ...identity, functionName: 'window' });
    other.set('s', { sequenceNumber: '1' });
    await other.flush();

    // Act
    const store = new CheckpointStore({ file, ...identity });

    // Assess
    await expect(store.load()).rejects.toThrow(
      new CheckpointFileError(
        file,
        `belongs to window on ${identity.streamArn}, not consumer on ${identity.streamArn}; remove it to start over`,
      ),
    );
  });

  it('writes a burst of changes in two writes: the first change, then the latest state', async () => {
    // Prepare: each write stamps the document once.
    const file = join(directory, 'checkpoints.json');
    const now = jest.fn(() => Date.UTC(2026, 11, 5));
    const store = new CheckpointStore({ file, ...identity, now });

    // Act
    for (let index = 1; index <= 20; index += 1) store.set('s', { sequenceNumber: String(index) });
    await store.flush();
    await store.flush();

    // Assess
    expect(now).toHaveBeenCalledTimes(2);
    expect(store.file).toBe(file);
    expect(store.all()).toEqual({ s: { sequenceNumber: '20' } });
  });

  it('writes indented JSON ending in a newline', async () => {
    // Prepare
    const file = join(directory, 'checkpoints.json');
    const store = new CheckpointStore({ file, ...identity, now: () => 0 });

    // Act
    store.set('s', { sequenceNumber: '1' });
    await store.flush();

    // Assess
    const document = {
      version: 1,
      ...identity,
      updatedAt: '1970-01-01T00:00:00.000Z',
      shards: { s: { sequenceNumber: '1' } },
    };
    expect(await readFile(file, 'utf8')).toBe(`${JSON.stringify(document, null, 2)}\n`);
  });

  it('keeps the state after a failed write and writes it once the way is clear, without a new change', async () => {
    // Prepare
    const blocker = join(directory, 'blocker');
    await writeFile(blocker, 'a file where a folder should be');
    const file = join(blocker, 'checkpoints.json');
    const store = new CheckpointStore({ file, ...identity });
    store.set('s', { sequenceNumber: '5' });
    await expect(store.flush()).rejects.toMatchObject({ code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/) });

    // Act
    await rm(blocker);
    const flushed = store.flush();

    // Assess
    await expect(flushed).resolves.toBeUndefined();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      shards: { s: { sequenceNumber: '5' } },
    });
    await expect(store.flush()).resolves.toBeUndefined();
  });

  it('removes its temporary file when the rename fails', async () => {
    // Prepare: a folder where the file should be makes the rename fail after the temporary file is written.
    const file = join(directory, 'checkpoints.json');
    await mkdir(join(file, 'occupied'), { recursive: true });
    const store = new CheckpointStore({ file, ...identity });

    // Act
    store.set('s', { sequenceNumber: '1' });
    const flushed = store.flush();

    // Assess
    await expect(flushed).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['checkpoints.json']);
  });
});
