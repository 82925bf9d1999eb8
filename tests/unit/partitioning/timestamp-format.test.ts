import {
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
    ['yyyy-QQ', "unknown pattern letter 'Q'"],
    ['YYYY', "unknown pattern letter 'Y' (week-based year; did you mean 'y'?)"],
    ['dd-n', "unknown pattern letter 'n'"],
    ["yyyy'-MM", 'unterminated quoted literal starting at position 4'],
    ['yyyy[-MM]', "reserved character '['"],
    ['#yyyy', "reserved character '#'"],
    ['ddd', 'too many pattern letters: d'],
    ['HHH', 'too many pattern letters: H'],
    ['MMMMMM', 'too many pattern letters: M'],
    ['DDDD', 'too many pattern letters: D'],
    ['aa', 'too many pattern letters: a'],
    ['', 'pattern is empty'],
  ])('rejects %j: %s', (pattern, message) => {
    expect(() => compileTimestampPattern(pattern)).toThrow(TimestampPatternError);
    expect(() => compileTimestampPattern(pattern)).toThrow(message);
  });

  it('rejects an unknown time zone at compile time', () => {
    expect(() => compileTimestampPattern('yyyy', 'Mars/Olympus')).toThrow("unknown time zone 'Mars/Olympus'");
  });
});

describe('javaPatternToStrftime', () => {
  it.each([
    ['yyyy-MM-dd', '%Y-%m-%d'],
    ["yyyy/MM/dd/HH'h'", '%Y/%m/%d/%Hh'],
    ['yy DDD MMM MMMM EEE EEEE hh a mm ss', '%y %j %b %B %a %A %I %p %M %S'],
    ["'100%' yyyy", '100%% %Y'],
  ])('%s -> %s', (pattern, expected) => expect(javaPatternToStrftime(pattern)).toBe(expected));

  it.each(['M', 'd', 'H', 'SSS', 'D', 'MMMMM', 'yyy'])(
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
