/**
 * What each `DateTimeFormatter` pattern letter prints, for Locale.US, as Java 17 prints it
 * (DateTimeFormatterBuilder.parseField and its printer-parsers; weeks by WeekFields.of(Locale.US): weeks
 * start on Sunday and week 1 is the one holding 1 January). Checked character for character against
 * js-joda and, where installed, a real JVM (tests/unit/partitioning/timestamp-java.test.ts).
 */
import { isLeapYear, MONTH_NAMES, WEEKDAY_NAMES } from '../time/calendar';
import { TimestampPatternError } from './timestamp-pattern';

/** Calendar fields of one instant on the wall clock of one zone. */
export interface Fields {
  year: number; // proleptic: 0 is 1 BC
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  dayOfYear: number;
  weekday: number; // ISO: 1 = Monday ... 7 = Sunday
  epochDay: number; // days since 1970-01-01 on the wall clock
  offsetSeconds: number; // the zone's offset from UTC at the instant
}

export type Segment = (fields: Fields) => string;

/** A compiled letter run: what it prints, its widest output, and how long (in UTC) its output stays the same. */
export interface Printer {
  print: Segment;
  maxWidth: number;
  periodMs: number;
}

/** What a letter may depend on beyond the instant. */
export interface LetterContext {
  timeZone: string;
  utc: boolean;
  position: number;
}

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
export const DAY_MS = 86_400_000;

const mod = (value: number, divisor: number): number => ((value % divisor) + divisor) % divisor;

function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}

/** Java's SignStyle.NORMAL (a '-' when negative) or EXCEEDS_PAD (also a '+' when wider than the count). */
function signed(value: number, width: number, exceedsPad: boolean): string {
  if (value < 0) return `-${pad(-value, width)}`;
  const text = pad(value, width);
  return exceedsPad && text.length > width ? `+${text}` : text;
}

/** A number padded to `count`; `range` (after a zone shift of years -1 to 10000) bounds its width. */
function numeric(
  get: (f: Fields) => number,
  count: number,
  range: readonly [number, number],
  periodMs: number,
  exceedsPad = false,
): Printer {
  const format = (value: number): string => signed(value, count, exceedsPad);
  return {
    print: (f) => format(get(f)),
    maxWidth: Math.max(format(range[0]).length, format(range[1]).length),
    periodMs,
  };
}

/** Java's `yy` (ReducedPrinterParser, base 2000): the last two digits. */
const reduced = (get: (f: Fields) => number): Printer => ({
  print: (f) => pad(Math.abs(get(f)) % 100, 2),
  maxWidth: 2,
  periodMs: DAY_MS,
});

/**
 * Java's year letters: `yy` reduced, 1-3 letters NORMAL, 4 or more EXCEEDS_PAD. With 11 to 18 letters Java
 * accepts the pattern but throws on every instant (its EXCEEDS_PAD table stops at 10 digits), so we refuse it.
 */
const year =
  (letter: string, get: (f: Fields) => number, range: readonly [number, number]) =>
  (count: number, context: LetterContext): Printer => {
    if (count >= 11 && count <= 18) {
      throw new TimestampPatternError(
        `'${letter.repeat(count)}' at position ${context.position}: Java accepts 11 to 18 '${letter}' but fails` +
          ` to print any date with them (index out of bounds); use at most 10, or 19`,
      );
    }
    return count === 2 ? reduced(get) : numeric(get, count, range, DAY_MS, count >= 4);
  };

/** Names by TextStyle: SHORT for counts up to 3, FULL for 4, NARROW for 5. */
function text(names: { short: readonly string[]; full: readonly string[]; narrow: readonly string[] }) {
  return (index: (f: Fields) => number, count: number, periodMs: number): Printer => {
    const table = count === 4 ? names.full : count === 5 ? names.narrow : names.short;
    return {
      print: (f) => table[index(f)] ?? '',
      maxWidth: Math.max(...table.map((name) => name.length)),
      periodMs,
    };
  };
}

const MONTHS = text({
  short: MONTH_NAMES.map((name) => name.slice(0, 3)),
  full: MONTH_NAMES,
  narrow: MONTH_NAMES.map((name) => name.slice(0, 1)),
});
/** Indexed by ISO weekday - 1 (Monday first). */
const ISO_WEEKDAYS = [...WEEKDAY_NAMES.slice(1), WEEKDAY_NAMES[0]];
const WEEKDAYS = text({
  short: ISO_WEEKDAYS.map((name) => name.slice(0, 3)),
  full: ISO_WEEKDAYS,
  narrow: ISO_WEEKDAYS.map((name) => name.slice(0, 1)),
});
const QUARTERS = text({
  short: ['Q1', 'Q2', 'Q3', 'Q4'],
  full: ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'],
  narrow: ['1', '2', '3', '4'],
});
const ERAS = text({
  short: ['BC', 'AD'],
  full: ['Before Christ', 'Anno Domini'],
  narrow: ['B', 'A'],
});
/** CLDR day periods for English: midnight and noon last their whole minute. */
const DAY_PERIODS = text({
  short: ['midnight', 'noon', 'in the morning', 'in the afternoon', 'in the evening', 'at night'],
  full: ['midnight', 'noon', 'in the morning', 'in the afternoon', 'in the evening', 'at night'],
  narrow: ['mi', 'n', 'in the morning', 'in the afternoon', 'in the evening', 'at night'],
});
function dayPeriod(f: Fields): number {
  if (f.minute === 0 && (f.hour === 0 || f.hour === 12)) return f.hour === 0 ? 0 : 1;
  if (f.hour >= 6 && f.hour < 12) return 2;
  if (f.hour >= 12 && f.hour < 18) return 3;
  if (f.hour >= 18 && f.hour < 21) return 4;
  return 5;
}

const quarter = (f: Fields): number => Math.floor((f.month - 1) / 3) + 1;
const yearOfEra = (f: Fields): number => (f.year >= 1 ? f.year : 1 - f.year);

// Locale.US week rules (WeekFields.SUNDAY_START): the week starts on Sunday, a first week needs 1 day.
const MINIMAL_DAYS = 1;
/** Day of week counted from Sunday = 1. */
const localizedWeekday = (f: Fields): number => mod(f.weekday, 7) + 1;
/** WeekFields.ComputedDayOfField.startOfWeekOffset / computeWeek, for a day of a month or a year. */
function weekOf(day: number, weekday: number): { offset: number; week: number } {
  const weekStart = mod(day - weekday, 7);
  const offset = weekStart + 1 > MINIMAL_DAYS ? 7 - weekStart : -weekStart;
  return { offset, week: Math.floor((7 + offset + (day - 1)) / 7) };
}
const yearLength = (y: number): number => (isLeapYear(y) ? 366 : 365);
/** Week of the week-based year and that year, as WeekFields computes them. */
function weekBased(y: number, dayOfYear: number, weekday: number): { year: number; week: number } {
  const { offset, week } = weekOf(dayOfYear, weekday);
  if (week === 0) {
    // Belongs to the last week of the year before: ask about that year's last day.
    return weekBased(y - 1, yearLength(y - 1), mod(weekday - dayOfYear - 1, 7) + 1);
  }
  const newYearWeek = Math.floor((7 + offset + (yearLength(y) + MINIMAL_DAYS - 1)) / 7);
  return week >= newYearWeek ? { year: y + 1, week: week - newYearWeek + 1 } : { year: y, week };
}
const weekBasedOf = (f: Fields) => weekBased(f.year, f.dayOfYear, localizedWeekday(f));

/** OffsetIdPrinterParser: `type` indexes Java's "+HH", "+HHmm", "+HH:mm", "+HHMM", "+HH:MM", "+HHMMss"... */
function offsetId(type: number, zeroText: string): Printer {
  const colon = type % 2 === 0 ? ':' : '';
  return {
    print: (f) => {
      const total = f.offsetSeconds;
      if (total === 0) return zeroText;
      const abs = Math.abs(total);
      const hours = Math.floor(abs / 3600) % 100;
      const minutes = Math.floor(abs / 60) % 60;
      const seconds = abs % 60;
      let out = (total < 0 ? '-' : '+') + pad(hours, 2);
      let printed = hours;
      if (type >= 3 || (type >= 1 && minutes > 0)) {
        out += colon + pad(minutes, 2);
        printed += minutes;
        if (type >= 7 || (type >= 5 && seconds > 0)) {
          out += colon + pad(seconds, 2);
          printed += seconds;
        }
      }
      return printed === 0 ? zeroText : out;
    },
    maxWidth: Math.max(zeroText.length, 9),
    periodMs: DAY_MS,
  };
}

/** LocalizedOffsetIdPrinterParser: `GMT`, `GMT+2`, `GMT+5:30` (short) or `GMT+02:00` (full). */
function localizedOffset(full: boolean): Printer {
  return {
    print: (f) => {
      const total = f.offsetSeconds;
      if (total === 0) return 'GMT';
      const abs = Math.abs(total);
      const hours = Math.floor(abs / 3600);
      const minutes = Math.floor(abs / 60) % 60;
      const seconds = abs % 60;
      const tail = seconds === 0 ? '' : `:${pad(seconds, 2)}`;
      const sign = total < 0 ? '-' : '+';
      if (full) return `GMT${sign}${pad(hours, 2)}:${pad(minutes, 2)}${tail}`;
      return `GMT${sign}${hours}${minutes === 0 && seconds === 0 ? '' : `:${pad(minutes, 2)}${tail}`}`;
    },
    maxWidth: 12,
    periodMs: DAY_MS,
  };
}

const constant = (value: string): Printer => ({
  print: () => value,
  maxWidth: value.length,
  periodMs: DAY_MS,
});

/**
 * Zone names (`z`, `v`) come from Java's own locale data, which `Intl` does not match (Java prints `CEST`
 * where Intl prints `GMT+2`); we print them for UTC only and refuse them elsewhere rather than guess.
 */
function zoneName(letter: string, count: number, context: LetterContext): Printer {
  if (!context.utc) {
    throw new TimestampPatternError(
      `'${letter.repeat(count)}' at position ${context.position}: zone names are printed for UTC only, not for` +
        ` '${context.timeZone}'; use VV (zone id), O or ZZZZ (GMT+2) or xxx (+02:00)`,
    );
  }
  return constant(count === 4 ? 'Coordinated Universal Time' : 'UTC');
}

const MAX_YEAR = 10_000; // year 9999 shifted east by a zone
type LetterPrinter = (count: number, context: LetterContext) => Printer;

/** Every letter of DateTimeFormatter.ofPattern (Java 17); the counts were checked by tokenizePattern. */
export const LETTERS: Record<string, LetterPrinter> = {
  G: (count) => ERAS((f) => (f.year >= 1 ? 1 : 0), count, DAY_MS),
  y: year('y', yearOfEra, [1, MAX_YEAR]),
  u: year('u', (f) => f.year, [-1, MAX_YEAR]),
  Y: year('Y', (f) => weekBasedOf(f).year, [-1, MAX_YEAR + 1]),
  Q: (count) =>
    count <= 2 ? numeric(quarter, count, [1, 4], DAY_MS) : QUARTERS((f) => quarter(f) - 1, count, DAY_MS),
  M: (count) =>
    count <= 2 ? numeric((f) => f.month, count, [1, 12], DAY_MS) : MONTHS((f) => f.month - 1, count, DAY_MS),
  w: (count) => numeric((f) => weekBasedOf(f).week, count, [1, 53], DAY_MS),
  W: (count) => numeric((f) => weekOf(f.day, localizedWeekday(f)).week, count, [1, 6], DAY_MS),
  D: (count) => numeric((f) => f.dayOfYear, count, [1, 366], DAY_MS),
  d: (count) => numeric((f) => f.day, count, [1, 31], DAY_MS),
  // Java 8 to 17 map F to ALIGNED_DAY_OF_WEEK_IN_MONTH (day 1-7 of the month's 7-day blocks).
  F: (count) => numeric((f) => ((f.day - 1) % 7) + 1, count, [1, 7], DAY_MS),
  g: (count) => numeric((f) => f.epochDay + 40_587, count, [-680_000, 2_980_000], DAY_MS),
  E: (count) => WEEKDAYS((f) => f.weekday - 1, count, DAY_MS),
  e: (count) =>
    count <= 2
      ? numeric(localizedWeekday, count, [1, 7], DAY_MS)
      : WEEKDAYS((f) => f.weekday - 1, count, DAY_MS),
  a: () => ({ print: (f) => (f.hour < 12 ? 'AM' : 'PM'), maxWidth: 2, periodMs: HOUR }),
  B: (count) => DAY_PERIODS(dayPeriod, count, MINUTE),
  H: (count) => numeric((f) => f.hour, count, [0, 23], HOUR),
  k: (count) => numeric((f) => (f.hour === 0 ? 24 : f.hour), count, [1, 24], HOUR),
  K: (count) => numeric((f) => f.hour % 12, count, [0, 11], HOUR),
  h: (count) => numeric((f) => (f.hour % 12 === 0 ? 12 : f.hour % 12), count, [1, 12], HOUR),
  m: (count) => numeric((f) => f.minute, count, [0, 59], MINUTE),
  s: (count) => numeric((f) => f.second, count, [0, 59], SECOND),
  // Fraction of second: n digits, truncated (we hold milliseconds, so digits past 3 are 0).
  S: (count) => ({
    print: (f) => (pad(f.millisecond, 3) + '000000').slice(0, count),
    maxWidth: count,
    periodMs: 1,
  }),
  A: (count) => numeric(milliOfDay, count, [0, DAY_MS - 1], 1),
  n: (count) => numeric((f) => f.millisecond * 1_000_000, count, [0, 999_999_999], 1),
  N: (count) => numeric((f) => milliOfDay(f) * 1_000_000, count, [0, DAY_MS * 1_000_000 - 1], 1),
  V: (_count, context) => constant(context.timeZone),
  z: (count, context) => zoneName('z', count, context),
  v: (count, context) => zoneName('v', count, context),
  O: (count) => localizedOffset(count === 4),
  Z: (count) => (count === 4 ? localizedOffset(true) : count === 5 ? offsetId(6, 'Z') : offsetId(3, '+0000')),
  X: (count) => offsetId(offsetType(count), 'Z'),
  x: (count) => offsetId(offsetType(count), count === 1 ? '+00' : count % 2 === 0 ? '+0000' : '+00:00'),
};
// Standalone forms print the same words as the format forms in English.
LETTERS.q = LETTERS.Q as LetterPrinter;
LETTERS.L = LETTERS.M as LetterPrinter;
LETTERS.c = LETTERS.e as LetterPrinter;

function milliOfDay(f: Fields): number {
  return ((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millisecond;
}

/** Java's `PATTERNS[count + (count == 1 ? 0 : 1)]` for X and x. */
const offsetType = (count: number): number => count + (count === 1 ? 0 : 1);

/** Fields of a wall-clock time (an instant already shifted by the zone's offset), read with UTC getters. */
export function wallClockFields(wallTime: number, offsetSeconds: number): Fields {
  const date = new Date(wallTime);
  const y = date.getUTCFullYear();
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(y, 0, 1); // Date.UTC would map years 0-99 to 1900-1999
  const epochDay = Math.floor(wallTime / DAY_MS);
  return {
    year: y,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
    dayOfYear: epochDay - Math.floor(startOfYear.getTime() / DAY_MS) + 1,
    weekday: mod(epochDay + 3, 7) + 1, // 1970-01-01 was a Thursday
    epochDay,
    offsetSeconds,
  };
}
