import { parseTimestampValue, type TimestampInput } from '../../../lib/partitioning/timestamp-parse';

const ISO_2024 = '2024-03-05T10:20:30.000Z';

describe('parseTimestampValue', () => {
  it.each<[TimestampInput, unknown, string]>([
    ['iso', '2024-03-05T10:20:30Z', ISO_2024],
    ['iso', '2024-03-05T10:20:30.123456Z', '2024-03-05T10:20:30.123Z'],
    ['iso', '2024-03-05T12:20:30+02:00', ISO_2024],
    ['iso', '2024-03-05T05:20:30-0500', ISO_2024],
    ['iso', '2024-03-05 10:20:30', ISO_2024],
    ['iso', '2024-3-5 10:20:30', ISO_2024],
    ['iso', '2024-03-05', '2024-03-05T00:00:00.000Z'],
    ['iso', '2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['iso', '2024-03-05T10:20:30.000Z', ISO_2024],
    ['iso', '0099-12-31T00:00:00.000Z', '0099-12-31T00:00:00.000Z'],
    ['iso', '0099-12-31 00:00', '0099-12-31T00:00:00.000Z'],
    ['epochSeconds', 1709634030, ISO_2024],
    ['epochSeconds', '1709634030', ISO_2024],
    ['epochSeconds', 1709634030.5, '2024-03-05T10:20:30.500Z'],
    ['epochMillis', 1709634030000, ISO_2024],
    ['epochMillis', '1709634030000', ISO_2024],
    ['auto', 1709634030, ISO_2024],
    ['auto', 1709634030000, ISO_2024],
    ['auto', '1709634030', ISO_2024],
    ['auto', '1709634030000', ISO_2024],
    ['auto', '2024-03-05T10:20:30Z', ISO_2024],
  ])('%s reads %j', (input, value, expected) => {
    // Act
    const result = parseTimestampValue(value, input);
    // Assess
    expect(result).toEqual({ ok: true, date: new Date(expected) });
  });

  it.each<[TimestampInput, unknown, string]>([
    ['iso', 'March 7 2024', 'is not an ISO-8601 timestamp'],
    ['iso', '2024-02-30T00:00:00Z', 'is not a valid calendar date-time'],
    ['iso', '2023-02-29', 'is not a valid calendar date-time'],
    ['iso', '2024-02-30T00:00:00.000Z', 'is not a valid calendar date-time'],
    ['iso', '2024-13-01T00:00:00.000Z', 'is not a valid calendar date-time'],
    ['iso', '2024-03-05T10:20:3x.000Z', 'is not an ISO-8601 timestamp'],
    ['iso', '2024-03-05T10:20:30.000X', 'is not an ISO-8601 timestamp'],
    ['iso', '2024-03-05T24:00:00Z', 'is not a valid calendar date-time'],
    ['iso', '2024-03-05T10:00:61Z', 'is not a valid calendar date-time'],
    ['iso', '2024-03-05T10:00:00+25:00', 'has an invalid UTC offset'],
    ['iso', 1709634030, 'is a number, not ISO-8601 text'],
    ['epochSeconds', 'soon', 'is a string, not epoch seconds'],
    ['epochSeconds', 1709634030000, 'outside the years 0000-9999'],
    ['epochMillis', true, 'is a boolean, not epoch milliseconds'],
    ['auto', { at: 1 }, 'is an object, not a timestamp'],
    ['auto', [1], 'is an array, not a timestamp'],
    ['auto', 'yesterday', 'is not an ISO-8601 timestamp'],
    ['auto', 1e18, 'outside the years 0000-9999'],
  ])('%s rejects %j', (input, value, message) => {
    const result = parseTimestampValue(value, input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });
});
