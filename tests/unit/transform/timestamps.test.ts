import { EPOCH_MILLIS_THRESHOLD, toEpochMillis } from '../../../lib/transform';

describe('toEpochMillis', () => {
  it.each<[string, unknown, number]>([
    ['ISO with Z', '2024-05-01T11:59:57Z', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['ISO with lower-case t and z', '2024-05-01t11:59:57z', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['ISO with milliseconds', '2024-05-01T11:59:57.123Z', Date.UTC(2024, 4, 1, 11, 59, 57, 123)],
    [
      'ISO with microseconds (truncated)',
      '2024-05-01T11:59:57.123987Z',
      Date.UTC(2024, 4, 1, 11, 59, 57, 123),
    ],
    ['ISO with one fraction digit', '2024-05-01T11:59:57.5Z', Date.UTC(2024, 4, 1, 11, 59, 57, 500)],
    ['ISO with a comma fraction', '2024-05-01T11:59:57,5Z', Date.UTC(2024, 4, 1, 11, 59, 57, 500)],
    ['ISO with +hh:mm', '2024-05-01T13:59:57+02:00', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['ISO with -hhmm', '2024-05-01T06:29:57-0530', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['ISO without seconds', '2024-05-01T11:59Z', Date.UTC(2024, 4, 1, 11, 59)],
    ['ISO without zone (UTC)', '2024-05-01T11:59:57', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['ISO with a space', '2024-05-01 11:59:57', Date.UTC(2024, 4, 1, 11, 59, 57)],
    ['a date (UTC midnight)', '2024-05-01', Date.UTC(2024, 4, 1)],
    ['29 February in a leap year', '2024-02-29', Date.UTC(2024, 1, 29)],
    ['a year before 100', '0050-01-01T00:00:00Z', -60589296000000],
    ['epoch seconds', 1714564797, 1714564797000],
    ['fractional epoch seconds', 1714564797.5, 1714564797500],
    ['epoch seconds 0', 0, 0],
    ['negative epoch seconds', -86400, -86400000],
    ['epoch milliseconds', 1714564797123, 1714564797123],
    ['the last value read as seconds', EPOCH_MILLIS_THRESHOLD - 1, (EPOCH_MILLIS_THRESHOLD - 1) * 1000],
    ['the first value read as milliseconds', EPOCH_MILLIS_THRESHOLD, EPOCH_MILLIS_THRESHOLD],
    ['an epoch seconds string', '1714564797', 1714564797000],
    ['an epoch milliseconds string', '1714564797123', 1714564797123],
    ['a negative numeric string', '-1.5', -1500],
    ['a Date', new Date(5), 5],
  ])('reads %s', (_case, value, expected) => {
    expect(toEpochMillis(value)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['free text', 'yesterday'],
    ['a non-ISO date', 'May 1, 2024'],
    ['30 February', '2024-02-30T00:00:00Z'],
    ['29 February in a common year', '2023-02-29'],
    ['month 13', '2024-13-01'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['minute 60', '2024-05-01T10:60:00Z'],
    ['second 60', '2024-05-01T10:00:60Z'],
    ['an offset of 24 hours', '2024-05-01T10:00:00+24:00'],
    ['a zone without a time', '2024-05-01Z'],
    ['an empty string', ''],
    ['a numeric string with an exponent', '1e9'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a number beyond the Date range', 8.64e15 + 1],
    ['an invalid Date', new Date('nope')],
    ['a boolean', true],
    ['an object', { seconds: 1 }],
    ['an array', [1]],
  ])('refuses %s', (_case, value) => {
    expect(toEpochMillis(value)).toBeUndefined();
  });
});
