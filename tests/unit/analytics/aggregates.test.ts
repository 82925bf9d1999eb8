import {
  accumulatorFactory,
  HyperLogLog,
  murmur3,
  type AggregateFunction,
  type DistinctOptions,
} from '../../../lib/analytics';
import { random } from './helpers';

const DISTINCT: DistinctOptions = { exactLimit: 50, precision: 12 };

function factory(fn: AggregateFunction, star = false, distinct = DISTINCT) {
  return accumulatorFactory(fn, star, distinct);
}

describe('accumulators', () => {
  const values = [3, null, 7.5, 'x', 1, null, -2];

  it.each<[AggregateFunction, boolean, unknown, number]>([
    ['count', true, 7, 0],
    ['count', false, 5, 0],
    ['count_distinct', false, 5, 0],
    ['sum', false, 9.5, 1],
    ['avg', false, 9.5 / 4, 1],
    ['min', false, -2, 1],
    ['max', false, 7.5, 1],
  ])(
    '%s (star %s) over mixed values gives %s and skips %s wrong-typed value(s)',
    (fn, star, expected, skipped) => {
      // Prepare
      const accumulator = factory(fn, star).create();

      // Act
      const refused = values.filter((value) => !accumulator.add(value)).length;

      // Assess
      expect(accumulator.result()).toBeCloseTo(expected as number, 12);
      expect(refused).toBe(skipped);
    },
  );

  it.each<[AggregateFunction, unknown]>([
    ['sum', null],
    ['avg', null],
    ['min', null],
    ['max', null],
    ['count_distinct', 0],
  ])('%s over only NULLs is %s, as in SQL', (fn, expected) => {
    const accumulator = factory(fn).create();
    [null, null].forEach((value) => accumulator.add(value));
    expect(accumulator.result()).toBe(expected);
  });

  it.each<[AggregateFunction, unknown[], unknown]>([
    ['min', ['b', 'a', 'c'], 'a'],
    ['max', ['b', 'a', 'c'], 'c'],
    ['max', [false, true], true],
    ['count_distinct', [1, '1', 1.0, 'a', 'a'], 3],
  ])('%s over %j is %j', (fn, input, expected) => {
    const accumulator = factory(fn).create();
    input.forEach((value) => accumulator.add(value));
    expect(accumulator.result()).toBe(expected);
  });

  it.each<AggregateFunction>(['count', 'count_distinct', 'sum', 'avg', 'min', 'max'])(
    '%s: merge of partials equals one pass, and the state form round-trips',
    (fn) => {
      // Prepare
      const next = random(17);
      const input = Array.from({ length: 300 }, () => (next() < 0.1 ? null : Math.round(next() * 1000) / 10));
      const whole = factory(fn).create();
      input.forEach((value) => whole.add(value));
      const parts = [input.slice(0, 100), input.slice(100, 220), input.slice(220)].map((slice) => {
        const partial = factory(fn).create();
        slice.forEach((value) => partial.add(value));
        // Through JSON, as the state travels between invocations.
        return factory(fn).revive(JSON.parse(JSON.stringify(partial.toJSON())));
      });

      // Act
      const merged = parts[0]!;
      merged.merge(parts[1]!);
      merged.merge(parts[2]!);

      // Assess
      const expected = whole.result();
      if (typeof expected === 'number') expect(merged.result()).toBeCloseTo(expected, 9);
      else expect(merged.result()).toBe(expected);
    },
  );

  it.each<[AggregateFunction, unknown]>([
    ['count', 'three'],
    ['count_distinct', { s: [1] }],
    ['count_distinct', { h: 'not-a-sketch' }],
    ['sum', '12'],
    ['avg', [1]],
    ['min', { x: 1 }],
  ])('%s refuses the state %j', (fn, json) => {
    expect(() => factory(fn).revive(json)).toThrow();
  });
});

describe('COUNT(DISTINCT): exact, then a HyperLogLog sketch', () => {
  it('stays exact up to the limit, then switches, and the state shrinks to the sketch', () => {
    // Prepare
    const accumulator = factory('count_distinct').create();

    // Act
    for (let i = 0; i < 50; i += 1) accumulator.add(`customer-${i}`);
    const exact = JSON.stringify(accumulator.toJSON());
    for (let i = 50; i < 5000; i += 1) accumulator.add(`customer-${i}`);
    const sketched = accumulator.toJSON() as { h?: string };

    // Assess
    expect(JSON.parse(exact)).toEqual({ s: expect.arrayContaining(['customer-0', 'customer-49']) });
    expect(accumulator.result()).not.toBe(5000);
    expect(Math.abs((accumulator.result() as number) - 5000)).toBeLessThan(
      5000 * 4 * HyperLogLog.standardError(12),
    );
    // 4096 six-bit registers packed 4 to 3 bytes, base64.
    expect(sketched.h).toHaveLength(4096);
  });

  it('merges an exact partial into a sketch and two sketches into one', () => {
    // Prepare
    const a = factory('count_distinct').create();
    const b = factory('count_distinct').create();
    const c = factory('count_distinct').create();
    for (let i = 0; i < 3000; i += 1) a.add(`id-${i}`);
    for (let i = 2000; i < 6000; i += 1) b.add(`id-${i}`);
    for (let i = 5990; i < 6020; i += 1) c.add(`id-${i}`);

    // Act
    a.merge(b);
    a.merge(c);

    // Assess: 6,020 distinct ids across the three.
    expect(Math.abs((a.result() as number) - 6020)).toBeLessThan(6020 * 4 * HyperLogLog.standardError(12));
  });

  it.each([
    [10, 1_000],
    [12, 20_000],
    [14, 100_000],
  ])('precision %i estimates %i distinct values within 4 standard errors', (precision, n) => {
    // Prepare
    const sketch = new HyperLogLog(precision);

    // Act
    for (let i = 0; i < n; i += 1) sketch.add(`user-${i}-${(i * 2654435761) >>> 0}`);

    // Assess
    const error = Math.abs(sketch.estimate() / n - 1);
    expect(error).toBeLessThan(4 * HyperLogLog.standardError(precision));
    expect(HyperLogLog.fromBase64(precision, sketch.toBase64()).estimate()).toBe(sketch.estimate());
  });

  it.each([3, 17, 4.5])('refuses precision %s', (precision) => {
    expect(() => new HyperLogLog(precision)).toThrow(/precision must be an integer from 4 to 16/);
  });

  it('hashes strings to well-spread 32-bit values', () => {
    // Prepare: the top 4 bits pick one of 16 buckets; 16,000 keys should fill each with about 1,000.
    const buckets = new Array<number>(16).fill(0);

    // Act
    for (let i = 0; i < 16_000; i += 1) buckets[murmur3(`k${i}`) >>> 28]! += 1;

    // Assess
    expect(Math.min(...buckets)).toBeGreaterThan(850);
    expect(Math.max(...buckets)).toBeLessThan(1150);
    expect(murmur3('')).toBe(0);
    expect(murmur3('a')).not.toBe(murmur3('b'));
  });
});
