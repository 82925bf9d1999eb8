import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import conversionSchema from '../../../schemas/pipeline/conversion.schema.json';
import { compileValidator } from '../../../lib/schema/validate';
import {
  CONVERSION_DEFAULTS,
  parquetKeyFor,
  resolveConversionOptions,
  validateConversionConfig,
} from '../../../lib/parquet';

const base = {
  inputPrefix: 'raw/',
  outputPrefix: 'curated/',
  errorPrefix: 'errors/format-conversion-failed/',
};
const validate = compileValidator(conversionSchema);

describe('conversion.schema.json', () => {
  it("accepts pipeline.yml's conversion block", () => {
    // Prepare
    const pipeline = parse(readFileSync(join(__dirname, '../../../pipeline.yml'), 'utf8')) as {
      conversion: unknown;
    };

    // Act / Assess
    expect(validate(pipeline.conversion)).toEqual({ ok: true });
  });

  it('accepts the minimal block and every option', () => {
    // Act / Assess
    expect(validate(base)).toEqual({ ok: true });
    expect(validate({ ...base, ...CONVERSION_DEFAULTS, fileExtension: '.parquet' })).toEqual({ ok: true });
  });

  it('declares the same defaults as the library', () => {
    // Act
    const declared = Object.fromEntries(
      Object.keys(CONVERSION_DEFAULTS).map((key) => [
        key,
        (conversionSchema.properties as Record<string, { default?: unknown }>)[key]?.default,
      ]),
    );

    // Assess
    expect(declared).toEqual({
      ...CONVERSION_DEFAULTS,
      timestampFormats: [...CONVERSION_DEFAULTS.timestampFormats],
    });
  });

  it.each([
    [
      'a missing prefix',
      { inputPrefix: 'raw/', outputPrefix: 'curated/' },
      'errorPrefix',
      'must have required property',
    ],
    [
      'a prefix without a trailing slash',
      { ...base, outputPrefix: 'curated' },
      'outputPrefix',
      'must match pattern',
    ],
    ['a leading slash', { ...base, inputPrefix: '/raw/' }, 'inputPrefix', 'must match pattern'],
    ['an unknown compression', { ...base, compression: 'LZ4' }, 'compression', 'must be one of'],
    ['rowGroupSize 0', { ...base, rowGroupSize: 0 }, 'rowGroupSize', 'must be >= 1'],
    ['a tiny rowGroupBytes', { ...base, rowGroupBytes: 1000 }, 'rowGroupBytes', 'must be >= 1048576'],
    [
      'an unknown timestamp format',
      { ...base, timestampFormats: ['rfc2822'] },
      'timestampFormats[0]',
      'must be one of',
    ],
    [
      'no timestamp format',
      { ...base, timestampFormats: [] },
      'timestampFormats',
      'must NOT have fewer than 1 items',
    ],
    [
      'an empty mapping',
      { ...base, columnToJsonKeyMappings: { a: '' } },
      'columnToJsonKeyMappings.a',
      'must NOT have fewer than 1 characters',
    ],
    ['a typo', { ...base, caseInsensitve: false }, 'caseInsensitve', 'is not an allowed property'],
    ['a string boolean', { ...base, caseInsensitive: 'yes' }, 'caseInsensitive', 'must be boolean'],
  ])('rejects %s', (_label, block, path, message) => {
    // Act
    const result = validate(block);

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: expect.arrayContaining([{ path, message: expect.stringContaining(message) }]),
    });
  });
});

describe('validateConversionConfig', () => {
  it('accepts separate prefixes', () => {
    // Act / Assess
    expect(validateConversionConfig(base)).toEqual([]);
  });

  it.each([
    [
      'output equal to input',
      { ...base, outputPrefix: 'raw/' },
      [
        "conversion.outputPrefix: must differ from inputPrefix ('raw/'), or the converter would convert its own output",
      ],
    ],
    [
      'output inside input',
      { ...base, outputPrefix: 'raw/curated/' },
      [
        "conversion.outputPrefix: 'raw/curated/' is inside inputPrefix 'raw/', so its objects would trigger the converter again",
      ],
    ],
    [
      'errors inside input',
      { ...base, errorPrefix: 'raw/errors/' },
      [
        "conversion.errorPrefix: 'raw/errors/' is inside inputPrefix 'raw/', so its objects would trigger the converter again",
      ],
    ],
    [
      'a schema violation',
      { ...base, compression: 'ZSTD' },
      ['conversion.compression: must be one of "SNAPPY", "GZIP", "UNCOMPRESSED"'],
    ],
  ])('reports %s', (_label, config, problems) => {
    // Act / Assess
    expect(validateConversionConfig(config)).toEqual(problems);
  });

  it('allows an input prefix inside the output prefix (outputs are never under the input)', () => {
    // Act / Assess
    expect(validateConversionConfig({ ...base, inputPrefix: 'lake/raw/', outputPrefix: 'lake/' })).toEqual(
      [],
    );
  });
});

describe('resolveConversionOptions', () => {
  it('applies defaults and keeps what is given, ignoring the prefixes of a whole block', () => {
    // Act / Assess
    expect(resolveConversionOptions({ ...base, compression: 'GZIP', rowGroupSize: undefined })).toEqual({
      ...CONVERSION_DEFAULTS,
      compression: 'GZIP',
    });
  });

  it('throws naming a bad option', () => {
    // Act / Assess
    expect(() => resolveConversionOptions({ rowGroupSize: -1 })).toThrow(
      'invalid conversion options: rowGroupSize: must be >= 1',
    );
  });
});

describe('parquetKeyFor', () => {
  const prefixes = { inputPrefix: 'raw/', outputPrefix: 'curated/' };

  it.each([
    [
      'raw/event_type=click/dt=2024-06-10/clickstream-delivery-1-2024-06-10-06-13-20-1b4e28ba-2fa1-11d2-883f-0016d3cca427.gz',
      'curated/event_type=click/dt=2024-06-10/clickstream-delivery-1-2024-06-10-06-13-20-1b4e28ba-2fa1-11d2-883f-0016d3cca427.parquet',
    ],
    ['raw/dt=2024-06-10/part-0001.json.gz', 'curated/dt=2024-06-10/part-0001.parquet'],
    ['raw/dt=2024-06-10/part.JSONL', 'curated/dt=2024-06-10/part.parquet'],
    ['raw/my.stream-1-2024', 'curated/my.stream-1-2024.parquet'],
    ['raw/x.csv', 'curated/x.csv.parquet'],
  ])('%s → %s', (input, expected) => {
    // Act / Assess
    expect(parquetKeyFor(input, prefixes)).toBe(expected);
    expect(parquetKeyFor(input, prefixes)).toBe(parquetKeyFor(input, prefixes));
  });

  it('uses the configured file extension', () => {
    // Act / Assess
    expect(parquetKeyFor('raw/a.gz', { ...prefixes, fileExtension: '.snappy.parquet' })).toBe(
      'curated/a.snappy.parquet',
    );
  });

  it.each([
    ['other/a.json', "object key 'other/a.json' is not under the conversion inputPrefix 'raw/'"],
    ['raw/dt=1/', "object key 'raw/dt=1/' has no file name to derive a Parquet key from"],
    ['raw/.gz', "object key 'raw/.gz' has no file name to derive a Parquet key from"],
  ])('refuses %s', (input, message) => {
    // Act / Assess
    expect(() => parquetKeyFor(input, prefixes)).toThrow(message);
  });
});
