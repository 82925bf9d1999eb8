/**
 * The retention sweep deletes the records past their stream's retention without any GetRecords (kinesalite
 * alone deletes them only when a read passes over them), keeps the others, and walks a long backlog in
 * bounded batches. kinesalite's own actions write the records, into its in-memory store.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
require('../../../lib/local/kinesalite-speedups.cjs').install();
const retention = require('../../../lib/local/kinesalite-retention.cjs') as {
  sweepExpired(store: Store, now: number, cb: (err: Error | null, deleted: number) => void): void;
  BATCH_KEYS: number;
};
const kinesaliteDb = require('kinesalite/db') as { create(options: object): Store };
const createStream = require('kinesalite/actions/createStream') as Action;
const putRecords = require('kinesalite/actions/putRecords') as Action;
/* eslint-enable @typescript-eslint/no-require-imports */

interface SubDb {
  createKeyStream(): NodeJS.EventEmitter;
  put(key: string, value: object, cb: (err?: Error) => void): void;
}
interface Store {
  getStream(name: string, cb: (err: Error | null, stream: { StreamStatus: string }) => void): void;
  getStreamDb(name: string): SubDb;
}
type Action = (store: Store, data: object, cb: (err: Error | null, out?: unknown) => void) => void;

const HOUR = 60 * 60 * 1000;
const call = (action: Action, store: Store, data: object) =>
  new Promise<unknown>((resolve, reject) =>
    action(store, data, (err, out) => (err ? reject(err) : resolve(out))),
  );
const sweep = (store: Store, now: number) =>
  new Promise<number>((resolve, reject) =>
    retention.sweepExpired(store, now, (err, deleted) => (err ? reject(err) : resolve(deleted))),
  );
const keys = (store: Store, name: string) =>
  new Promise<string[]>((resolve, reject) => {
    const found: string[] = [];
    store
      .getStreamDb(name)
      .createKeyStream()
      .on('data', (key: string) => found.push(key))
      .on('error', reject)
      .on('end', () => resolve(found));
  });

async function activeStream(name: string, shards: number): Promise<Store> {
  const store = kinesaliteDb.create({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await call(createStream, store, { StreamName: name, ShardCount: shards });
  for (;;) {
    const stream = await new Promise<{ StreamStatus: string }>((resolve, reject) =>
      store.getStream(name, (err, out) => (err ? reject(err) : resolve(out))),
    );
    if (stream.StreamStatus === 'ACTIVE') return store;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function putAt(store: Store, name: string, at: number, count: number, prefix: string) {
  const now = jest.spyOn(Date, 'now').mockReturnValue(at);
  try {
    for (let start = 0; start < count; start += 500) {
      const Records = Array.from({ length: Math.min(500, count - start) }, (_, index) => ({
        PartitionKey: `${prefix}${start + index}`,
        Data: 'eA==',
      }));
      await call(putRecords, store, { StreamName: name, Records });
    }
  } finally {
    now.mockRestore();
  }
}

describe('kinesalite retention sweep', () => {
  it('deletes the records older than the retention in every shard, unread, and keeps the newer ones', async () => {
    const store = await activeStream('sweep', 3);
    const t0 = Date.now() + 1000;
    await putAt(store, 'sweep', t0, 40, 'old');
    await putAt(store, 'sweep', t0 + 2 * HOUR, 25, 'new');
    expect(await keys(store, 'sweep')).toHaveLength(65);

    // Within the 24 h retention: nothing goes.
    expect(await sweep(store, t0 + 23 * HOUR)).toBe(0);
    expect(await keys(store, 'sweep')).toHaveLength(65);

    // 25 h after the first records: those 40 are past the retention, the 25 two hours younger are not.
    expect(await sweep(store, t0 + 25 * HOUR)).toBe(40);
    const left = await keys(store, 'sweep');
    expect(left).toHaveLength(25);
    // All three shards held old records, and all were swept.
    expect(new Set(left.map((key) => key.split('/')[0])).size).toBeGreaterThan(1);

    expect(await sweep(store, t0 + 27 * HOUR)).toBe(25);
    expect(await keys(store, 'sweep')).toHaveLength(0);
  });

  it('sweeps a backlog longer than one batch and leaves keys it cannot read as records', async () => {
    const store = await activeStream('backlog', 1);
    const t0 = Date.now() + 1000;
    const count = retention.BATCH_KEYS * 2 + 7;
    await putAt(store, 'backlog', t0, count, 'k');
    await new Promise<void>((resolve, reject) =>
      store
        .getStreamDb('backlog')
        .put('00000000/not-a-sequence', {}, (err) => (err ? reject(err) : resolve())),
    );
    expect(await sweep(store, t0 + 25 * HOUR)).toBe(count);
    expect(await keys(store, 'backlog')).toEqual(['00000000/not-a-sequence']);
  });
});
