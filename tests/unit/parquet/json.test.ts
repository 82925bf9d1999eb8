import { parseJsonExact, stringifyJson, InexactIntegerError } from '../../../lib/parquet/json';

describe('parseJsonExact', () => {
  it.each([
    ['{"a":9007199254740993}', { a: 9007199254740993n }],
    ['{"a":-9223372036854775808}', { a: -9223372036854775808n }],
    ['[12345678901234567890, 1]', [12345678901234567890n, 1]],
    ['{"a":1234567890123456}', { a: 1234567890123456 }], // 16 digits but safe: stays a number
    ['{"a":"12345678901234567890"}', { a: '12345678901234567890' }], // inside a string: untouched
    ['{"a":"x\\"12345678901234567890"}', { a: 'x"12345678901234567890' }],
    ['{"a":1.2345678901234567890}', { a: Number('1.2345678901234567890') }], // a fraction stays a double
    ['{"a":12345678901234567890e2}', { a: 1.2345678901234568e21 }], // float notation stays a double
    ['{"k12345678901234567890":1}', { k12345678901234567890: 1 }],
  ])('%s', (text, expected) => {
    // Act / Assess
    expect(parseJsonExact(text)).toEqual(expected);
  });

  it.each([
    '{"a":012345678901234567890}',
    '{"a":12345678901234567890',
    '{"a":"unterminated 12345678901234567890}',
  ])('keeps invalid JSON invalid: %s', (text) => {
    // Act / Assess
    expect(() => parseJsonExact(text)).toThrow(SyntaxError);
  });

  it('does not revive a string that merely starts with NUL', () => {
    // Act / Assess
    expect(parseJsonExact('{"a":"\\u0000bigint-0:12345678901234567890","b":12345678901234567890}')).toEqual({
      a: '\u0000bigint-0:12345678901234567890',
      b: 12345678901234567890n,
    });
  });
});

describe('stringifyJson', () => {
  it('writes BigInt values as plain integers', () => {
    // Act / Assess
    expect(stringifyJson({ a: 12345678901234567890n, b: [1n, 'x'] })).toBe(
      '{"a":12345678901234567890,"b":[1,"x"]}',
    );
  });

  it('asks for the exact parse when a float holds a large integer, unless already exact', () => {
    // Prepare
    const value = { a: 2 ** 60 };

    // Act / Assess
    expect(() => stringifyJson(value, false)).toThrow(InexactIntegerError);
    expect(stringifyJson(value, true)).toBe('{"a":1152921504606847000}');
  });
});
