/**
 * Java `DateTimeFormatter`-style patterns (what Firehose accepts in `!{timestamp:...}`), compiled once into a
 * formatter function. Only the letters listed in `LETTERS` are supported; every other letter is rejected at
 * compile time, as Java rejects unknown letters, so a typo never reaches the per-record path.
 */
import { MONTH_NAMES, WEEKDAY_NAMES } from '../time/calendar';

/** Calendar fields of one instant in one time zone, computed once per format call. */
interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  dayOfYear: number;
  weekday: number; // 0 = Sunday
}

type Segment = (fields: Fields) => string;

export class TimestampPatternError extends Error {
  override name = 'TimestampPatternError';
}

function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}

/** Java's year printing: `yy` is the two-digit reduced year, any other count pads to that width. */
function yearSegment(count: number, letter: string): Segment {
  if (count === 2) return (f) => pad(f.year % 100, 2);
  if (count > 9) throw new TimestampPatternError(`too many pattern letters: ${letter}`);
  return (f) => pad(f.year, count);
}

function numeric(field: keyof Fields, maxCount: number, letter: string): (count: number) => Segment {
  return (count) => {
    if (count > maxCount) throw new TimestampPatternError(`too many pattern letters: ${letter}`);
    return (f) => pad(f[field], count);
  };
}

function text(
  names: readonly string[],
  index: (f: Fields) => number,
  letter: string,
): (count: number) => Segment {
  return (count) => {
    if (count <= 3) return (f) => (names[index(f)] ?? '').slice(0, 3);
    if (count === 4) return (f) => names[index(f)] ?? '';
    if (count === 5) return (f) => (names[index(f)] ?? '').slice(0, 1);
    throw new TimestampPatternError(`too many pattern letters: ${letter}`);
  };
}

/** What each supported letter prints, by repeat count (Java semantics for the counts accepted). */
const LETTERS: Record<string, (count: number) => Segment> = {
  y: (count) => yearSegment(count, 'y'),
  u: (count) => yearSegment(count, 'u'),
  M: (count) => (count <= 2 ? (f) => pad(f.month, count) : text(MONTH_NAMES, (f) => f.month - 1, 'M')(count)),
  d: numeric('day', 2, 'd'),
  D: numeric('dayOfYear', 3, 'D'),
  H: numeric('hour', 2, 'H'),
  h: (count) => {
    if (count > 2) throw new TimestampPatternError('too many pattern letters: h');
    return (f) => pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
  },
  m: numeric('minute', 2, 'm'),
  s: numeric('second', 2, 's'),
  // Fraction of second: n letters print n digits, truncated (we hold milliseconds; digits past 3 are 0).
  S: (count) => {
    if (count > 9) throw new TimestampPatternError('too many pattern letters: S');
    return (f) => (pad(f.millisecond, 3) + '000000').slice(0, count);
  },
  E: text(WEEKDAY_NAMES, (f) => f.weekday, 'E'),
  a: (count) => {
    if (count > 1) throw new TimestampPatternError('too many pattern letters: a');
    return (f) => (f.hour < 12 ? 'AM' : 'PM');
  },
};

export const SUPPORTED_PATTERN_LETTERS = Object.keys(LETTERS).join(' ');

const DAY_MS = 86_400_000;

/** How long what a letter prints stays the same, in UTC (a day for every date letter). */
const LETTER_PERIOD_MS: Record<string, number> = {
  y: DAY_MS,
  u: DAY_MS,
  M: DAY_MS,
  d: DAY_MS,
  D: DAY_MS,
  E: DAY_MS,
  H: 3_600_000,
  h: 3_600_000,
  a: 3_600_000,
  m: 60_000,
  s: 1_000,
  S: 1,
};

/** Java reserves these outside quotes (`[` `]` optional sections, `{` `}` `#` future use); we support none. */
const RESERVED = new Set(['[', ']', '{', '}', '#']);

/** One parsed piece of a pattern: a run of one letter, or literal text. */
export type PatternToken =
  { kind: 'field'; letter: string; count: number } | { kind: 'literal'; text: string };

const isLetter = (char: string): boolean => (char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z');

/** Splits a pattern into letter runs and literals, applying Java's quoting (`'text'`, `''` for a quote). */
export function tokenizePattern(pattern: string): PatternToken[] {
  if (pattern === '') throw new TimestampPatternError('pattern is empty');
  const tokens: PatternToken[] = [];
  const pushLiteral = (value: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += value;
    else tokens.push({ kind: 'literal', text: value });
  };
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index] as string;
    if (char === "'") {
      if (pattern[index + 1] === "'") {
        pushLiteral("'");
        index += 2;
        continue;
      }
      let literal = '';
      let cursor = index + 1;
      for (;;) {
        if (cursor >= pattern.length) {
          throw new TimestampPatternError(`unterminated quoted literal starting at position ${index}`);
        }
        if (pattern[cursor] === "'") {
          if (pattern[cursor + 1] === "'") {
            literal += "'";
            cursor += 2;
            continue;
          }
          break;
        }
        literal += pattern[cursor];
        cursor += 1;
      }
      pushLiteral(literal);
      index = cursor + 1;
      continue;
    }
    if (isLetter(char)) {
      let count = 1;
      while (pattern[index + count] === char) count += 1;
      if (!(char in LETTERS)) {
        const hint = char === 'Y' ? " (week-based year; did you mean 'y'?)" : '';
        throw new TimestampPatternError(
          `unknown pattern letter '${char}'${hint}; supported: ${SUPPORTED_PATTERN_LETTERS}`,
        );
      }
      tokens.push({ kind: 'field', letter: char, count });
      index += count;
      continue;
    }
    if (RESERVED.has(char)) {
      throw new TimestampPatternError(
        `reserved character '${char}' at position ${index}; quote it as '${char}'`,
      );
    }
    pushLiteral(char);
    index += 1;
  }
  return tokens;
}

/** Reads the calendar fields with UTC getters; day of year only when the pattern prints it. */
function utcFields(date: Date, withDayOfYear: boolean): Fields {
  const year = date.getUTCFullYear();
  return {
    year,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
    dayOfYear: withDayOfYear ? dayOfYear(date, year) : 0,
    weekday: date.getUTCDay(),
  };
}

function dayOfYear(date: Date, year: number): number {
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(year, 0, 1); // Date.UTC would map years 0-99 to 1900-1999
  return Math.floor((date.getTime() - startOfYear.getTime()) / DAY_MS) + 1;
}

/** Validates an IANA time zone name once; `Intl` throws RangeError for unknown names. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TimestampPatternError(
      `unknown time zone '${timeZone}' (use an IANA name such as 'Asia/Tokyo')`,
    );
  }
}

const isUtc = (timeZone: string): boolean => timeZone === 'UTC' || timeZone === 'Etc/UTC';

/** Offset of `timeZone` from UTC at one instant, from Intl (handles DST); the formatter is built once. */
function offsetReader(timeZone: string): (time: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (time) => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(time)) parts[part.type] = Number(part.value);
    const wallClock = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    return wallClock - Math.floor(time / 1000) * 1000;
  };
}

export type TimestampFormatter = (date: Date) => string;

/**
 * Compiles a pattern once; the result formats a Date in `timeZone` (UTC by default, any IANA name otherwise,
 * like Firehose's `CustomTimeZone`). Throws TimestampPatternError naming the problem.
 */
export function compileTimestampPattern(pattern: string, timeZone = 'UTC'): TimestampFormatter {
  const tokens = tokenizePattern(pattern);
  const segments: Segment[] = tokens.map((token) => {
    if (token.kind === 'literal') {
      const value = token.text;
      return () => value;
    }
    return (LETTERS[token.letter] as (count: number) => Segment)(token.count);
  });
  const withDayOfYear = tokens.some((token) => token.kind === 'field' && token.letter === 'D');
  const render = (fields: Fields): string => {
    let out = '';
    for (const segment of segments) out += segment(fields);
    return out;
  };
  if (isUtc(timeZone)) {
    // Records of one batch fall in few days (hours...): re-render only when the instant leaves the last
    // one's period of the pattern's finest letter. UTC only, where periods are fixed lengths.
    const period = Math.min(
      ...tokens.map((token) => (token.kind === 'field' ? LETTER_PERIOD_MS[token.letter] : DAY_MS) ?? 1),
    );
    let lastPeriod = Number.NaN;
    let last = '';
    return (date) => {
      const current = Math.floor(date.getTime() / period);
      if (current !== lastPeriod) {
        last = render(utcFields(date, withDayOfYear));
        lastPeriod = current;
      }
      return last;
    };
  }
  assertTimeZone(timeZone);
  const offset = offsetReader(timeZone);
  // Shift the instant by the zone's offset, then read it with UTC getters: the zone's wall clock.
  return (date) => {
    const time = date.getTime();
    return render(utcFields(new Date(time + offset(time)), withDayOfYear));
  };
}

const formatterCache = new Map<string, TimestampFormatter>();
const FORMATTER_CACHE_LIMIT = 256;

/** One-off formatting with a small cache of compiled patterns; hot paths should hold the compiled formatter. */
export function formatTimestamp(date: Date, pattern: string, timeZone = 'UTC'): string {
  const cacheKey = `${timeZone}\u0000${pattern}`;
  let formatter = formatterCache.get(cacheKey);
  if (formatter === undefined) {
    formatter = compileTimestampPattern(pattern, timeZone);
    if (formatterCache.size >= FORMATTER_CACHE_LIMIT) formatterCache.clear();
    formatterCache.set(cacheKey, formatter);
  }
  return formatter(date);
}

/** jq 1.6 `strftime` directive per letter run, where one exists with the same output. */
const STRFTIME: Record<string, Record<number, string>> = {
  y: { 2: '%y', 4: '%Y' },
  u: { 2: '%y', 4: '%Y' },
  M: { 2: '%m', 3: '%b', 4: '%B' },
  d: { 2: '%d' },
  D: { 3: '%j' },
  H: { 2: '%H' },
  h: { 2: '%I' },
  m: { 2: '%M' },
  s: { 2: '%S' },
  E: { 1: '%a', 2: '%a', 3: '%a', 4: '%A' },
  a: { 1: '%p' },
};

/**
 * Translates a Java pattern to a jq `strftime` format, or throws naming the first letter run jq cannot print
 * the same way (unpadded fields, fractions of a second, narrow names).
 */
export function javaPatternToStrftime(pattern: string): string {
  return tokenizePattern(pattern)
    .map((token) => {
      if (token.kind === 'literal') return token.text.replace(/%/g, '%%');
      const directive = STRFTIME[token.letter]?.[token.count];
      if (directive === undefined) {
        throw new TimestampPatternError(
          `'${token.letter.repeat(token.count)}' has no jq strftime equivalent` +
            ' (jq supports yy yyyy MM MMM MMMM dd DDD HH hh mm ss E EEEE a)',
        );
      }
      return directive;
    })
    .join('');
}
