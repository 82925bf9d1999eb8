import { SUPPORTED_DATE_TOKENS, compileDateFormat } from '../../../lib/generator';

// Wednesday, 2024-01-03 04:05:06.789 UTC
const INSTANT = Date.UTC(2024, 0, 3, 4, 5, 6, 789);

describe('compileDateFormat in UTC', () => {
  it.each<[string, string]>([
    ['YYYY-MM-DD HH:mm:ss', '2024-01-03 04:05:06'],
    ['YYYY-MM-DDTHH:mm:ss.SSS[Z]', '2024-01-03T04:05:06.789Z'],
    ['YY M D H m s', '24 1 3 4 5 6'],
    ['MMMM MMM Do', 'January Jan 3rd'],
    ['dddd ddd dd d', 'Wednesday Wed We 3'],
    ['h hh A a', '4 04 AM am'],
    ['k kk', '4 04'],
    ['S SS SSS', '7 78 789'],
    ['Q DDD DDDD', '1 3 003'],
    ['X', String(Math.floor(INSTANT / 1000))],
    ['x', String(INSTANT)],
    ['Z ZZ', '+00:00 +0000'],
    ['[Today is] dddd', 'Today is Wednesday'],
    ['DD/MMM/YYYY:HH:mm:ss Z', '03/Jan/2024:04:05:06 +00:00'],
  ])('formats %s', (format, expected) => {
    // Act
    const text = compileDateFormat(format, { utc: true })(INSTANT);

    // Assess
    expect(text).toBe(expected);
  });

  it.each<[number, string]>([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [31, '31st'],
  ])('writes day %i as %s', (day, expected) => {
    // Act
    const text = compileDateFormat('Do', { utc: true })(Date.UTC(2024, 0, day));

    // Assess
    expect(text).toBe(expected);
  });

  it('writes noon and midnight on the 12-hour clock as 12', () => {
    // Act
    const format = compileDateFormat('h A', { utc: true });

    // Assess
    expect([format(Date.UTC(2024, 0, 1, 0)), format(Date.UTC(2024, 0, 1, 12))]).toEqual(['12 AM', '12 PM']);
  });
});

describe('compileDateFormat in local time', () => {
  it('uses the local clock and offset', () => {
    // Prepare
    const local = new Date(INSTANT);
    const offset = -local.getTimezoneOffset();
    const sign = offset < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
    const mm = String(Math.abs(offset) % 60).padStart(2, '0');

    // Act
    const text = compileDateFormat('H:mm Z', { utc: false })(INSTANT);

    // Assess
    expect(text).toBe(
      `${local.getHours()}:${String(local.getMinutes()).padStart(2, '0')} ${sign}${hh}:${mm}`,
    );
  });
});

describe('unsupported formats', () => {
  it.each<[string, RegExp]>([
    ['YYYY-MM-DD q', /unsupported token "q" at character 12/],
    ['hh:MM Wo', /unsupported token "Wo"/],
    ['[unclosed', /unclosed "\["/],
  ])('rejects %s', (format, message) => {
    // Act / Assess
    expect(() => compileDateFormat(format, { utc: true })).toThrow(message);
  });

  it('lists the supported tokens in the error', () => {
    // Act / Assess
    expect(() => compileDateFormat('E', { utc: true })).toThrow(SUPPORTED_DATE_TOKENS.join(' '));
  });
});
