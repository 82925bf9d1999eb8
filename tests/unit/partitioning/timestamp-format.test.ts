import {
  assertTimeZone,
  compileTimestampPattern,
  formatTimestamp,
  javaPatternToStrftime,
  TimestampPatternError,
} from '../../../lib/partitioning/timestamp-format';

// 2018-08-27T10:30:05.042Z, a Monday, day 239 of the year (the Firehose guide's example instant).
const AUG_27 = new Date(Date.UTC(2018, 7, 27, 10, 30, 5, 42));
const JAN_2_EVENING = new Date(Date.UTC(2024, 0, 2, 21, 7, 9, 5));

describe('formatTimestamp', () => {
  it.each([
    ['yyyy', AUG_27, '2018'],
    ['yy', AUG_27, '18'],
    ['y', AUG_27, '2018'],
    ['uuuu-MM-dd', AUG_27, '2018-08-27'],
    ['MM', JAN_2_EVENING, '01'],
    ['M', JAN_2_EVENING, '1'],
    ['MMM', AUG_27, 'Aug'],
    ['MMMM', AUG_27, 'August'],
    ['MMMMM', AUG_27, 'A'],
    ['dd', JAN_2_EVENING, '02'],
    ['d', JAN_2_EVENING, '2'],
    ['HH', JAN_2_EVENING, '21'],
    ['H', new Date(Date.UTC(2024, 0, 2, 3)), '3'],
    ['hh a', JAN_2_EVENING, '09 PM'],
    ['h a', new Date(Date.UTC(2024, 0, 2, 0)), '12 AM'],
    ['mm', JAN_2_EVENING, '07'],
    ['ss', JAN_2_EVENING, '09'],
    ['SSS', JAN_2_EVENING, '005'],
    ['S', AUG_27, '0'],
    ['SSSSSS', AUG_27, '042000'],
    ['D', AUG_27, '239'],
    ['DDD', JAN_2_EVENING, '002'],
    ['EEE', AUG_27, 'Mon'],
    ['EEEE', AUG_27, 'Monday'],
    ['yyyy/MM/dd/HH/', AUG_27, '2018/08/27/10/'],
    ["'year='yyyy'/month='MM", AUG_27, 'year=2018/month=08'],
    ["yyyy'-'MM'-'dd", AUG_27, '2018-08-27'],
    ["HH''mm", AUG_27, "10'30"],
    ["'it''s' yyyy", AUG_27, "it's 2018"],
    ["''''", AUG_27, "''"],
    ['yyyy-MM-dd HH:mm:ss.SSS', AUG_27, '2018-08-27 10:30:05.042'],
    ['yyyy_MM!dd+HH', AUG_27, '2018_08!27+10'],
  ])('%s on %s -> %s', (pattern, date, expected) => {
    // Act
    const text = formatTimestamp(date, pattern);
    // Assess
    expect(text).toBe(expected);
  });

  it('formats in another time zone, following its DST rules', () => {
    // Prepare: Europe/Paris is UTC+2 in summer and UTC+1 in winter.
    const format = compileTimestampPattern('yyyy-MM-dd HH:mm', 'Europe/Paris');
    // Act / Assess
    expect(format(AUG_27)).toBe('2018-08-27 12:30');
    expect(format(JAN_2_EVENING)).toBe('2024-01-02 22:07');
    expect(formatTimestamp(new Date(Date.UTC(2024, 11, 31, 20)), 'yyyy-MM-dd HH', 'Asia/Tokyo')).toBe(
      '2025-01-01 05',
    );
  });

  it('keeps every compiled formatter independent of the one before', () => {
    const dates = compileTimestampPattern('dd');
    expect([dates(AUG_27), dates(JAN_2_EVENING)]).toEqual(['27', '02']);
  });

  it.each([
    ['yyyy-bb', "unknown pattern letter 'b' at position 5"],
    ["yyyy-'T'-jj", "unknown pattern letter 'j' at position 9"],
    ["yyyy'-MM", 'unterminated quoted literal starting at position 4'],
    ['yyyy]-MM', "']' at position 4 closes no '['"],
    ['[yyyy]]', "']' at position 6 closes no '['"],
    ['#yyyy', "reserved character '#' at position 0"],
    ['yyyy{', "reserved character '{' at position 4"],
    ['MM}', "reserved character '}' at position 2"],
    ['yyyy-ddd', "'ddd' at position 5: Java allows 'd' 1 or 2 time(s)"],
    ['HHH', "'HHH' at position 0: Java allows 'H' 1 or 2 time(s)"],
    ['MMMMMM', "'MMMMMM' at position 0: Java allows 'M' 1 to 5 time(s)"],
    ['QQQQQQ', "'QQQQQQ' at position 0: Java allows 'Q' 1 to 5 time(s)"],
    ['DDDD', "'DDDD' at position 0: Java allows 'D' 1 to 3 time(s)"],
    ['aa', "'aa' at position 0: Java allows 'a' 1 time(s)"],
    ['www', "'www' at position 0: Java allows 'w' 1 or 2 time(s)"],
    ['WW', "'WW' at position 0: Java allows 'W' 1 time(s)"],
    ['cc', "'cc' at position 0: Java allows 'c' 1, 3, 4 or 5 time(s)"],
    ['V', "'V' at position 0: Java allows 'V' 2 time(s)"],
    ['yyyy VVV', "'VVV' at position 5: Java allows 'V' 2 time(s)"],
    ['OO', "'OO' at position 0: Java allows 'O' 1 or 4 time(s)"],
    ['BB', "'BB' at position 0: Java allows 'B' 1, 4 or 5 time(s)"],
    ['zzzzz', "'zzzzz' at position 0: Java allows 'z' 1 to 4 time(s)"],
    ['XXXXXX', "'XXXXXX' at position 0: Java allows 'X' 1 to 5 time(s)"],
    ['SSSSSSSSSS', "'SSSSSSSSSS' at position 0: Java allows 'S' 1 to 9 time(s)"],
    ['y'.repeat(20), "Java allows 'y' 1 to 19 time(s)"],
    ['HH:p', "pad letter 'p' at position 3 must be followed by a pattern letter"],
    ["pp'x'", "pad letter 'p' at position 0 must be followed by a pattern letter"],
    ['ppbb', "unknown pattern letter 'b' at position 2"],
    ['pMMMM', "pad width 1 before 'MMMM' at position 1 is narrower than its output (up to 9 characters)"],
    ['', 'pattern is empty'],
  ])('rejects %j: %s', (pattern, message) => {
    expect(() => compileTimestampPattern(pattern)).toThrow(TimestampPatternError);
    expect(() => compileTimestampPattern(pattern)).toThrow(message);
  });

  it.each(['z', 'zzzz', 'v', 'vvvv'])('prints %s for UTC but refuses it for another zone', (pattern) => {
    expect(() => compileTimestampPattern(pattern, 'UTC')).not.toThrow();
    expect(() => compileTimestampPattern(pattern, 'Europe/Paris')).toThrow(
      `'${pattern}' at position 0: zone names are printed for UTC only, not for 'Europe/Paris'`,
    );
  });

  it('rejects an unknown time zone at compile time', () => {
    expect(() => compileTimestampPattern('yyyy', 'Mars/Olympus')).toThrow("unknown time zone 'Mars/Olympus'");
  });

  it('checks UTC without Intl (its time zone data costs a cold start), another zone with it', () => {
    // Prepare
    const spy = jest.spyOn(Intl, 'DateTimeFormat');

    // Act
    assertTimeZone('UTC');
    assertTimeZone('Etc/UTC');
    const utcCalls = spy.mock.calls.length;
    assertTimeZone('Asia/Tokyo');

    // Assess
    expect(utcCalls).toBe(0);
    expect(spy).toHaveBeenCalledWith('en-US', { timeZone: 'Asia/Tokyo' });
    spy.mockRestore();
  });
});

describe('javaPatternToStrftime', () => {
  it.each([
    ['yyyy-MM-dd', '%Y-%m-%d'],
    ["yyyy/MM/dd/HH'h'", '%Y/%m/%d/%Hh'],
    ['yy DDD MMM MMMM EEE EEEE hh a mm ss', '%y %j %b %B %a %A %I %p %M %S'],
    ["'100%' yyyy", '100%% %Y'],
  ])('%s -> %s', (pattern, expected) => expect(javaPatternToStrftime(pattern)).toBe(expected));

  it.each(['M', 'd', 'H', 'SSS', 'D', 'MMMMM', 'yyy', 'pppHH', 'YYYY', 'ww', 'Q'])(
    'refuses %s (no identical strftime directive)',
    (pattern) => {
      expect(() => javaPatternToStrftime(pattern)).toThrow('has no jq strftime equivalent');
    },
  );
});

describe('compiled UTC formatters re-render only when the period changes', () => {
  it.each([
    [
      'yyyy-MM-dd',
      ['2026-11-22T23:59:59.999Z', '2026-11-23T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
      ['2026-11-22', '2026-11-23', '2026-11-22'],
    ],
    [
      'HH',
      ['2026-11-22T10:59:59.999Z', '2026-11-22T11:00:00.000Z', '2026-11-23T11:30:00.000Z'],
      ['10', '11', '11'],
    ],
    [
      "yyyy/MM/dd/HH'h'mm",
      ['2026-11-22T10:00:00Z', '2026-11-22T10:00:59Z', '2026-11-22T10:01:00Z'],
      ['2026/11/22/10h00', '2026/11/22/10h00', '2026/11/22/10h01'],
    ],
  ])('%s', (pattern, instants, expected) => {
    const format = compileTimestampPattern(pattern);
    expect(instants.map((instant) => format(new Date(instant)))).toEqual(expected);
  });
});
