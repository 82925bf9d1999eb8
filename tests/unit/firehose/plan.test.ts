import {
  count,
  DROPPED,
  failed,
  groupByKeys,
  sameKeys,
  splitIntoParts,
  toEntry,
  type Plan,
  type SplitInput,
} from '../../../lib/firehose/plan';

/** Items of `sizes[i]` output bytes; a part's rebuilt data is one byte per item plus `overhead`. */
function splitOf(sizes: number[], options: Partial<SplitInput> & { overhead?: number } = {}): Plan {
  const overhead = options.overhead ?? 0;
  return splitIntoParts({
    reason: 'reingested-split-size',
    groups: [sizes.map((_size, index) => index)],
    outputBytes: (index) => sizes[index]!,
    build: (indexes) =>
      Buffer.from(
        indexes
          .map(String)
          .join(',')
          .padEnd(indexes.length + overhead, '.'),
      ),
    maxRecordBytes: 10,
    where: (index) => `object ${index + 1} of ${sizes.length}: `,
    ...options,
  });
}

const partsOf = (plan: Plan): string[] => {
  if (plan.kind !== 'reingest') throw new Error(`expected reingest, got ${JSON.stringify(plan)}`);
  return plan.parts.map((part) => Buffer.from(part).toString().replace(/\.+$/, ''));
};

describe('splitIntoParts', () => {
  it('keeps items together while their output fits one record', () => {
    expect(partsOf(splitOf([5, 5]))).toEqual(['0,1']);
  });

  it('halves a group whose output is over the record limit, by one byte', () => {
    expect(partsOf(splitOf([5, 6]))).toEqual(['0', '1']);
    expect(partsOf(splitOf([3, 3, 3, 3]))).toEqual(['0,1', '2,3']);
  });

  it('halves a group whose rebuilt data is over the limit even when the output fits', () => {
    // Output 0 bytes (keys only), but each part's data grows 4 bytes per item.
    const plan = splitOf([0, 0, 0], { build: (indexes) => Buffer.alloc(indexes.length * 4) });
    expect(plan).toMatchObject({ kind: 'reingest', reason: 'reingested-split-size' });
    expect((plan as { parts: Uint8Array[] }).parts.map((part) => part.length)).toEqual([4, 8]);
  });

  it('never puts two groups in one part', () => {
    const plan = splitOf([1, 1, 1], { reason: 'reingested-split-keys', groups: [[0, 2], [1]] });
    expect(plan).toMatchObject({ kind: 'reingest', reason: 'reingested-split-keys' });
    expect(partsOf(plan)).toEqual(['0,2', '1']);
  });

  it('fails the record, naming the item, when one item alone is over the limit after transformation', () => {
    expect(splitOf([2, 11, 2])).toEqual(
      failed('record-too-large', 'object 2 of 3: is 11 bytes after transformation; a record may hold 10'),
    );
  });

  it('fails the record when one item alone is over the limit as re-ingested data', () => {
    expect(splitOf([1, 1], { build: (indexes) => Buffer.alloc(indexes.length * 11) })).toEqual(
      failed('record-too-large', 'object 1 of 2: is 11 bytes as re-ingested data; a record may hold 10'),
    );
  });

  it('accepts a part of exactly the limit', () => {
    expect(partsOf(splitOf([10]))).toEqual(['0']);
    expect(splitOf([1], { build: () => Buffer.alloc(10) }).kind).toBe('reingest');
  });
});

describe('the rules on keys', () => {
  it('groups indexes by key set, first appearance first', () => {
    const keys = [{ a: '1' }, { a: '2' }, { a: '1' }, { a: '3' }];
    expect(groupByKeys([4, 5, 6, 7], keys)).toEqual([[4, 6], [5], [7]]);
  });

  it('compares key sets by every value', () => {
    expect(sameKeys({ a: '1', b: '2' }, { a: '1', b: '2' })).toBe(true);
    expect(sameKeys({ a: '1', b: '2' }, { a: '1', b: '3' })).toBe(false);
    expect(sameKeys({ a: '1' }, { a: '2' })).toBe(false);
  });
});

describe('count', () => {
  it('starts a key at 1 and adds 1 each time, leaving other keys alone', () => {
    const counts: Partial<Record<string, number>> = { other: 5 };
    count(counts, 'filtered');
    expect(counts).toEqual({ other: 5, filtered: 1 });
    count(counts, 'filtered');
    count(counts, 'other');
    expect(counts).toEqual({ other: 6, filtered: 2 });
  });
});

describe('toEntry', () => {
  it('returns Ok with the data, and metadata only when there are keys', () => {
    expect(toEntry('r1', { kind: 'ok', data: 'ZGF0YQ==', keys: undefined })).toEqual({
      recordId: 'r1',
      result: 'Ok',
      data: 'ZGF0YQ==',
    });
    expect(toEntry('r2', { kind: 'ok', data: 'eA==', keys: { dt: '2026' } })).toEqual({
      recordId: 'r2',
      result: 'Ok',
      data: 'eA==',
      metadata: { partitionKeys: { dt: '2026' } },
    });
  });

  it('returns ProcessingFailed for a failure and Dropped for a drop or a re-ingested record', () => {
    expect(toEntry('r', failed('invalid-json', 'x'))).toEqual({ recordId: 'r', result: 'ProcessingFailed' });
    expect(toEntry('r', DROPPED.filtered)).toEqual({ recordId: 'r', result: 'Dropped' });
    expect(toEntry('r', { kind: 'reingest', reason: 'reingested-overflow', parts: [] })).toEqual({
      recordId: 'r',
      result: 'Dropped',
    });
  });
});
