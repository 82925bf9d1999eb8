import { isSettled, lowestPosition, settleErrors } from '../../../lib/consumer/settle';

describe('lowestPosition (the checkpoint rule)', () => {
  it.each<[(number | undefined)[], number | undefined]>([
    [[], undefined],
    [[undefined, undefined], undefined],
    [[3, undefined, 1], 1],
    [[1, 3], 1],
    [[3, 1], 1],
    [[0, 5], 0],
    [[undefined, 0], 0],
  ])('of %j is %j', (positions, expected) => {
    expect(lowestPosition(positions)).toBe(expected);
  });
});

describe('isSettled', () => {
  it.each<[number, number | undefined, boolean]>([
    [0, undefined, true],
    [4, 5, true],
    [5, 5, false],
    [6, 5, false],
  ])('position %s with the first undelivered at %s: %s', (position, firstUndelivered, expected) => {
    expect(isSettled(position, firstUndelivered)).toBe(expected);
  });
});

describe('settleErrors (the settling rule)', () => {
  it('keeps the errors before the first undelivered record, and the lowest of their positions', () => {
    // Act
    const result = settleErrors(['e4', 'e1', 'e5', 'e7'], [4, 1, 5, 7], 5);

    // Assess: e5 is at the checkpoint and e7 after it; the retry judges both again.
    expect(result).toEqual({ settled: ['e4', 'e1'], firstSettled: 1 });
  });

  it('settles every error when every sink delivered', () => {
    expect(settleErrors(['a', 'b'], [2, 0], undefined)).toEqual({ settled: ['a', 'b'], firstSettled: 0 });
  });

  it('settles none when the first record is undelivered', () => {
    expect(settleErrors(['a', 'b'], [0, 3], 0)).toEqual({ settled: [], firstSettled: undefined });
  });
});
