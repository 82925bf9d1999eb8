import { API_LIMITS, chunkByLimits } from '../../../lib/sinks/chunk';

const sizes = (chunks: unknown[][]) => chunks.map((chunk) => chunk.length);

describe('chunkByLimits', () => {
  it.each([
    ['no items', [], 3, 10, []],
    ['exactly maxCount items', [1, 1, 1], 3, 10, [3]],
    ['one item over maxCount', [1, 1, 1, 1], 3, 10, [3, 1]],
    ['exactly maxBytes', [4, 6], 3, 10, [2]],
    ['one byte over maxBytes', [4, 7], 3, 10, [1, 1]],
    ['zero-size items', [0, 0, 0, 0], 3, 10, [3, 1]],
  ])('splits %s', (_name, items, maxCount, maxBytes, expected) => {
    // Prepare / Act
    const { chunks, rejected } = chunkByLimits(items, (n) => n, { maxCount, maxBytes });

    // Assess
    expect(sizes(chunks)).toEqual(expected);
    expect(chunks.flat()).toEqual(items);
    expect(rejected).toEqual([]);
  });

  it('keeps every chunk within both limits for the PutRecords limits', () => {
    // Prepare: 1,200 items of 9 KiB (≈ 569 fit in 5 MiB by size, 500 by count).
    const items = Array.from({ length: 1200 }, (_, i) => ({ i, size: 9 * 1024 }));
    const limits = API_LIMITS.kinesisPutRecords;

    // Act
    const { chunks } = chunkByLimits(items, (item) => item.size, limits);

    // Assess
    expect(sizes(chunks)).toEqual([500, 500, 200]);
    expect(chunks.flat().map((item) => item.i)).toEqual(items.map((item) => item.i));
  });

  it('rejects an item larger than maxBytes alone, with its index, and carries on', () => {
    // Prepare
    const items = [2, 11, 3, 12, 4];

    // Act
    const { chunks, rejected } = chunkByLimits(items, (n) => n, { maxCount: 10, maxBytes: 10 });

    // Assess
    expect(chunks).toEqual([[2, 3, 4]]);
    expect(rejected.map(({ index, size, reason }) => ({ index, size, reason }))).toEqual([
      { index: 1, size: 11, reason: 'ItemTooLarge' },
      { index: 3, size: 12, reason: 'ItemTooLarge' },
    ]);
    expect(rejected[0]?.message).toBe('items[1] is 11 bytes, over the 10-byte request limit');
  });

  it('calls sizeOf once per item', () => {
    const sizeOf = jest.fn((n: number) => n);

    chunkByLimits([1, 2, 3, 4, 5], sizeOf, { maxCount: 2, maxBytes: 100 });

    expect(sizeOf).toHaveBeenCalledTimes(5);
  });

  it.each([
    [{ maxCount: 0, maxBytes: 10 }, /maxCount must be a positive integer/],
    [{ maxCount: 1.5, maxBytes: 10 }, /maxCount must be a positive integer/],
    [{ maxCount: 5, maxBytes: -1 }, /maxBytes must be a positive integer/],
    [{ maxCount: 5, maxBytes: Number.NaN }, /maxBytes must be a positive integer/],
  ])('rejects invalid limits %j', (limits, message) => {
    expect(() => chunkByLimits([1], (n) => n, limits)).toThrow(message);
  });

  it('rejects a sizeOf that returns a negative or non-number size, naming the item', () => {
    expect(() => chunkByLimits([1, -1], (n) => n, { maxCount: 5, maxBytes: 5 })).toThrow(
      'sizeOf(items[1]) returned -1',
    );
    expect(() => chunkByLimits([Number.NaN], (n) => n, { maxCount: 5, maxBytes: 5 })).toThrow(
      'sizeOf(items[0]) returned NaN',
    );
  });
});
