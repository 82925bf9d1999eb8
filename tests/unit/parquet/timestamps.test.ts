import { daysFromCivil } from '../../../lib/time/calendar';
import { parseDate, timestampParser, TIMESTAMP_FORMATS } from '../../../lib/parquet/timestamps';

const all = timestampParser(TIMESTAMP_FORMATS);
const micros = (iso: string, extra = 0): bigint => BigInt(Date.parse(iso)) * 1000n + BigInt(extra);

describe('timestampParser', () => {
  it.each([
    ['2024-06-10T06:13:20Z', micros('2024-06-10T06:13:20Z')],
    ['2024-06-10t06:13:20z', micros('2024-06-10T06:13:20Z')],
    ['2024-06-10T06:13Z', micros('2024-06-10T06:13:00Z')],
    ['2024-06-10T06:13:20.1Z', micros('2024-06-10T06:13:20.100Z')],
    ['2024-06-10T06:13:20,123456Z', micros('2024-06-10T06:13:20Z', 123456)],
    ['2024-06-10T06:13:20.999999999Z', micros('2024-06-10T06:13:20Z', 999999)],
    ['2024-06-10T11:43:20+05:30', micros('2024-06-10T06:13:20Z')],
    ['2024-06-10T11:43:20+0530', micros('2024-06-10T06:13:20Z')],
    ['2024-06-10T01:13:20-05', micros('2024-06-10T06:13:20Z')],
    ['2024-06-10 06:13:20Z', micros('2024-06-10T06:13:20Z')],
    ['2024-2-29 0:00:00', micros('2024-02-29T00:00:00Z')],
    ['2024-06-10 06:13:20.000001', micros('2024-06-10T06:13:20Z', 1)],
    ['0001-01-01T00:00:00Z', -62135596800000000n],
    ['9999-12-31T23:59:59.999999Z', 253402300799999999n],
    [1718000000, micros('2024-06-10T06:13:20Z')],
    [-1, -1000000n],
    [1718000000123, micros('2024-06-10T06:13:20.123Z')],
    [1718000000.25, micros('2024-06-10T06:13:20.250Z')],
    [1718000000123n, micros('2024-06-10T06:13:20.123Z')],
    ['1718000000.5', micros('2024-06-10T06:13:20.500Z')],
  ])('%p → %p µs', (value, expected) => {
    // Act / Assess
    expect(all(value)).toBe(expected);
  });

  it.each<[unknown, string]>([
    ['2024-06-10T06:13:20', 'no zone on ISO-8601'],
    ['2024-13-10T06:13:20Z', 'month 13'],
    ['2023-02-29T06:13:20Z', 'not a leap year'],
    ['2024-06-10T24:00:00Z', 'hour 24'],
    ['2024-06-10T06:13:20+19:00', 'offset beyond 18 h'],
    ['2024-06-10T06:13:20.Z', 'empty fraction'],
    ['yesterday', 'words'],
    ['', 'empty'],
    [1e300, 'beyond INT64 microseconds'],
    [Number.NaN, 'NaN'],
    [true, 'boolean'],
    [null, 'null'],
    [{}, 'object'],
  ])('rejects %p (%s)', (value) => {
    // Act
    const result = all(value);

    // Assess
    expect(result).toEqual({ error: expect.stringMatching(/not|outside|invalid/) });
  });

  it.each([
    [['epochSeconds'] as const, 1718000000123, micros('2024-06-10T06:13:20Z') * 1000n + 123000000n],
    [['epochMillis'] as const, 1718000000, 1718000000000n],
    [['epochSecondsFractional'] as const, 1718000000, micros('2024-06-10T06:13:20Z')],
  ])('with only %p, %p is read in that unit', (formats, value, expected) => {
    // Act / Assess
    expect(timestampParser(formats)(value)).toBe(expected);
  });

  it.each([
    [['iso8601'] as const, '2024-6-9 7:05:03'],
    [['yyyy-M-d HH:mm:ss'] as const, '2024-06-10T06:13:20Z'],
    [['iso8601'] as const, 1718000000],
    [['epochSeconds', 'epochMillis'] as const, 1718000000.5],
  ])('with only %p, %p is refused', (formats, value) => {
    // Act / Assess
    expect(timestampParser(formats)(value)).toEqual({ error: expect.stringContaining(formats.join(', ')) });
  });
});

describe('parseDate', () => {
  it.each([
    ['1970-01-01', 0],
    ['2024-06-10', 19884],
    ['2024-6-9', 19883],
    ['1969-12-31', -1],
    ['2000-02-29', 11016],
  ])('%s → day %d', (value, expected) => {
    // Act / Assess
    expect(parseDate(value)).toBe(expected);
    expect(parseDate(value)).toBe(expected); // the cached path gives the same answer
  });

  it.each(['2023-02-29', '2024-00-10', '2024-06-31', '2024-06-10T00:00:00Z', '10/06/2024'])(
    'rejects %s',
    (value) => {
      // Act / Assess
      expect(parseDate(value)).toEqual({ error: expect.any(String) });
    },
  );

  it('agrees with Date.UTC over four centuries', () => {
    // Prepare
    const mismatches: string[] = [];

    // Act
    for (let year = 1800; year <= 2200; year += 1) {
      for (const [month, day] of [
        [1, 1],
        [2, 28],
        [3, 1],
        [12, 31],
      ] as const) {
        if (daysFromCivil(year, month, day) * 86400000 !== Date.UTC(year, month - 1, day))
          mismatches.push(`${year}-${month}-${day}`);
      }
    }

    // Assess
    expect(mismatches).toEqual([]);
  });
});
