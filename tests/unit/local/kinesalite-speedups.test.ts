/**
 * The BigInt versions of kinesalite's sequence-number and hash-key arithmetic give exactly what its own
 * bignumber.js versions give (kinesalite is the oracle), and hand anything unusual back to them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const speedups = require('../../../lib/local/kinesalite-speedups.cjs') as {
  parseSequence(seq: string): Record<string, unknown>;
  stringifySequence(obj: Record<string, unknown>): string;
  partitionKeyToHashKey(key: string): { comparedTo(other: string | number): number; toFixed(): string };
  original: {
    parseSequence(seq: unknown): Record<string, unknown>;
    stringifySequence(obj: Record<string, unknown>): string;
    partitionKeyToHashKey(key: string): { comparedTo(other: string | number): number; toFixed(): string };
  };
};
const { original } = speedups;

/** Deterministic pseudo-random integers, so a failure names its case. */
function* cases(count: number): Generator<Record<string, number | string>> {
  let state = 12345;
  const next = (limit: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % limit;
  };
  for (let index = 0; index < count; index += 1) {
    const shardCreateTime = (1_500_000_000 + next(400_000_000)) * 1000;
    yield {
      shardCreateTime,
      shardIx: [0, 1, 7, 15, 16, 255, 4096][next(7)]!,
      seqIx: index % 3 === 0 ? next(1000) : String(BigInt(next(2 ** 31)) * BigInt(next(2 ** 31))),
      seqTime: shardCreateTime + next(10_000_000) * 1000,
      ...(index % 5 === 0 && { byte1: 'a7' }),
    };
  }
}

describe('kinesalite speedups', () => {
  it('stringifies and parses sequence numbers exactly as kinesalite does', () => {
    for (const input of cases(400)) {
      const expected = original.stringifySequence(input);
      expect(speedups.stringifySequence(input)).toBe(expected);
      expect(speedups.parseSequence(expected)).toEqual(original.parseSequence(expected));
    }
  });

  it('gives the other sequence versions and malformed input to kinesalite', () => {
    const version1 = original.stringifySequence({
      version: 1,
      shardCreateTime: 1_600_000_000_000,
      shardIx: 3,
    });
    const version0 = original.stringifySequence({
      version: 0,
      shardCreateTime: 1_600_000_000_000,
      shardIx: 3,
    });
    expect(speedups.parseSequence(version1)).toEqual(original.parseSequence(version1));
    expect(speedups.parseSequence(version0)).toEqual(original.parseSequence(version0));
    for (const bad of ['', 'abc', '12.5', '-3']) {
      let expected: unknown;
      try {
        expected = original.parseSequence(bad);
      } catch (error) {
        expected = (error as Error).message;
      }
      let actual: unknown;
      try {
        actual = speedups.parseSequence(bad);
      } catch (error) {
        actual = (error as Error).message;
      }
      expect(actual).toEqual(expected);
    }
  });

  it('hashes partition keys to the same key and compares them with shard boundaries alike', () => {
    const bounds = [
      '0',
      '170141183460469231731687303715884105727',
      '170141183460469231731687303715884105728',
    ];
    for (let index = 0; index < 300; index += 1) {
      const key = `user-${index}`;
      const fast = speedups.partitionKeyToHashKey(key);
      const slow = original.partitionKeyToHashKey(key);
      expect(fast.toFixed()).toBe(slow.toFixed());
      for (const bound of [...bounds, slow.toFixed()]) {
        expect(fast.comparedTo(bound)).toBe(slow.comparedTo(bound));
      }
    }
  });
});
