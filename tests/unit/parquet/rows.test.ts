import { InexactIntegerError } from '../../../lib/parquet/json';
import { FieldError, compileRowMapper } from '../../../lib/parquet/rows';
import { columnsFromJsonSchema } from '../../../lib/parquet/schema';
import { TIMESTAMP_FORMATS } from '../../../lib/parquet/timestamps';

const options = {
  caseInsensitive: true,
  convertDotsInKeysToUnderscores: false,
  columnToJsonKeyMappings: {},
  unsupportedTypes: 'json' as const,
  timestampFormats: TIMESTAMP_FORMATS,
};

function mapperFor(property: object, required = false): (value: unknown, exact?: boolean) => unknown {
  const schema = { type: 'object', properties: { v: property }, ...(required ? { required: ['v'] } : {}) };
  const map = compileRowMapper(columnsFromJsonSchema(schema, options), options);
  return (value, exact) => map(value === undefined ? {} : { v: value }, exact)[0];
}

describe('coercion into each column type', () => {
  it.each([
    ['string ← string', { type: 'string' }, 'abc', 'abc'],
    ['string ← number (its JSON text)', { type: 'string' }, 1.5, '1.5'],
    ['string ← boolean', { type: 'string' }, false, 'false'],
    ['string ← exact big integer', { type: 'string' }, 12345678901234567890n, '12345678901234567890'],
    ['int64 ← integer', { type: 'integer' }, 42, 42n],
    ['int64 ← integer text', { type: 'integer' }, '-42', -42n],
    ['int64 ← BigInt', { type: 'integer' }, 9007199254740993n, 9007199254740993n],
    ['double ← number', { type: 'number' }, 2.5, 2.5],
    ['double ← number text', { type: 'number' }, '-2.5e3', -2500],
    ['double ← BigInt', { type: 'number' }, 2n ** 60n, 2 ** 60],
    ['boolean ← boolean', { type: 'boolean' }, true, true],
    ['boolean ← "FALSE"', { type: 'boolean' }, 'FALSE', false],
    ['date ← yyyy-MM-dd', { type: 'string', format: 'date' }, '1970-01-02', 1],
    ['json ← object', {}, { b: [1, null] }, '{"b":[1,null]}'],
    ['json ← string', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, 'x', '"x"'],
    ['struct ← object', { type: 'object', properties: { A: { type: 'integer' } } }, { a: 1 }, { A: 1n }],
    ['list ← array', { type: 'array', items: { type: 'integer' } }, [1, '2'], [1n, 2n]],
    ['optional ← missing', { type: 'string' }, undefined, null],
    ['optional ← null', { type: 'integer' }, null, null],
  ])('%s', (_label, property, value, expected) => {
    // Act / Assess
    expect(mapperFor(property)(value)).toEqual(expected);
  });

  it.each([
    ['string ← object', { type: 'string' }, {}, 'v', 'expected a string, got an object'],
    ['int64 ← fraction', { type: 'integer' }, 1.5, 'v', 'expected an integer, got a number with a fraction'],
    [
      'int64 ← text with spaces',
      { type: 'integer' },
      ' 1',
      'v',
      'expected an integer, got a string of 2 characters',
    ],
    ['int64 ← beyond INT64', { type: 'integer' }, 2n ** 63n, 'v', 'integer is outside the INT64 range'],
    ['int64 ← boolean', { type: 'integer' }, true, 'v', 'expected an integer, got a boolean'],
    ['double ← text', { type: 'number' }, 'NaN', 'v', 'expected a number, got a string of 3 characters'],
    ['boolean ← 1', { type: 'boolean' }, 1, 'v', 'expected a boolean, got a number'],
    [
      'date ← number',
      { type: 'string', format: 'date' },
      19000,
      'v',
      'expected a date string (yyyy-MM-dd), got a number',
    ],
    [
      'struct ← array',
      { type: 'object', properties: { a: { type: 'string' } } },
      [],
      'v',
      'expected an object, got an array',
    ],
    [
      'list element ← null',
      { type: 'array', items: { type: 'string' } },
      ['a', null],
      'v[1]',
      'must not be null',
    ],
    [
      'nested list element',
      { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
      [[1], [2, 'x']],
      'v[1][1]',
      'expected an integer, got a string of 1 characters',
    ],
  ])('refuses %s', (_label, property, value, path, problem) => {
    // Act
    const act = (): unknown => mapperFor(property)(value);

    // Assess
    expect(act).toThrow(FieldError);
    expect(act).toThrow(expect.objectContaining({ path, problem }));
  });

  it.each([
    ['missing', undefined, 'is required but missing'],
    ['null', null, 'must not be null'],
  ])('refuses a required field that is %s', (_label, value, problem) => {
    // Act / Assess
    expect(() => mapperFor({ type: 'string' }, true)(value)).toThrow(
      expect.objectContaining({ path: 'v', problem }),
    );
  });

  it('accepts null in a required field whose type admits null', () => {
    // Act / Assess
    expect(mapperFor({ type: ['string', 'null'] }, true)(null)).toBeNull();
  });

  it.each([
    ['int64', { type: 'integer' }],
    ['string', { type: 'string' }],
    ['json', {}],
  ])(
    'asks for the exact parse when a float holds an integer beyond 2^53 in a %s column',
    (_label, property) => {
      // Act / Assess
      expect(() => mapperFor(property)(2 ** 60)).toThrow(InexactIntegerError);
    },
  );

  it('after the exact parse, a float-notation big integer is a field error', () => {
    // Act / Assess
    expect(() => mapperFor({ type: 'integer' })(1e20, true)).toThrow(
      expect.objectContaining({ path: 'v', problem: expect.stringMatching(/floating-point notation/) }),
    );
  });

  it('ignores keys that match no column and keeps column order', () => {
    // Prepare
    const schema = { type: 'object', properties: { b: { type: 'string' }, a: { type: 'string' } } };
    const map = compileRowMapper(columnsFromJsonSchema(schema, options), options);

    // Act / Assess
    expect(map({ a: 'A', extra: 1, B: 'b' })).toEqual(['b', 'A']);
  });
});
