/**
 * Java `DateTimeFormatter` patterns (what Firehose accepts in `!{timestamp:...}`), compiled once into a
 * formatter function: the grammar is checked by timestamp-pattern.ts, each letter printed by
 * timestamp-letters.ts, so a pattern Java refuses never reaches the per-record path.
 */
import { DAY_MS, LETTERS, wallClockFields, type Fields, type Printer } from './timestamp-letters';
import { TimestampPatternError, tokenizePattern, type FieldToken } from './timestamp-pattern';

export { TimestampPatternError, tokenizePattern, type PatternToken } from './timestamp-pattern';

const isUtc = (timeZone: string): boolean => timeZone === 'UTC' || timeZone === 'Etc/UTC';

/**
 * Validates an IANA time zone name once; `Intl` throws RangeError for unknown names. UTC (the default) needs
 * no check: a first `Intl.DateTimeFormat` loads the time zone data, tens of milliseconds of a cold start.
 */
export function assertTimeZone(timeZone: string): void {
  if (isUtc(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TimestampPatternError(
      `unknown time zone '${timeZone}' (use an IANA name such as 'Asia/Tokyo')`,
    );
  }
}

/** Offset of `timeZone` from UTC at one instant in ms, from Intl (DST and history); built once per zone. */
function offsetReader(timeZone: string): (time: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (time) => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(time)) parts[part.type] = part.value;
    const yearOfEra = Number(parts.year);
    const wallClock = new Date(0);
    // setUTCFullYear, not Date.UTC, which maps years 0-99 to 1900-1999; 1 BC is year 0.
    wallClock.setUTCFullYear(
      parts.era === 'BC' ? 1 - yearOfEra : yearOfEra,
      Number(parts.month) - 1,
      Number(parts.day),
    );
    wallClock.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second));
    return wallClock.getTime() - Math.floor(time / 1000) * 1000;
  };
}

export type TimestampFormatter = (date: Date) => string;

/** One letter run, with Java's `p` padding: spaces on the left up to the pad width. */
function fieldPrinter(token: FieldToken, timeZone: string): Printer {
  const letter = LETTERS[token.letter];
  if (letter === undefined) throw new TimestampPatternError(`no printer for '${token.letter}'`); // tokenizer keeps this out
  const printer = letter(token.count, { timeZone, utc: isUtc(timeZone), position: token.position });
  const width = token.padWidth;
  if (width === undefined) return printer;
  // Java throws at format time when the output is wider than the pad; refuse the pattern now instead.
  if (printer.maxWidth > width) {
    throw new TimestampPatternError(
      `pad width ${width} before '${token.letter.repeat(token.count)}' at position ${token.position} is narrower` +
        ` than its output (up to ${printer.maxWidth} characters), which Java refuses to print; use ${'p'.repeat(printer.maxWidth)}`,
    );
  }
  return { ...printer, print: (f) => printer.print(f).padStart(width, ' ') };
}

/**
 * Compiles a pattern once; the result formats a Date in `timeZone` (UTC by default, any IANA name otherwise,
 * like Firehose's `CustomTimeZone`). Throws TimestampPatternError naming the problem and its position.
 */
export function compileTimestampPattern(pattern: string, timeZone = 'UTC'): TimestampFormatter {
  const tokens = tokenizePattern(pattern);
  if (!isUtc(timeZone)) assertTimeZone(timeZone);
  const printers: Printer[] = tokens.map((token) =>
    token.kind === 'literal'
      ? { print: () => token.text, maxWidth: token.text.length, periodMs: DAY_MS }
      : fieldPrinter(token, timeZone),
  );
  const render = (fields: Fields): string => {
    let out = '';
    for (const printer of printers) out += printer.print(fields);
    return out;
  };
  if (isUtc(timeZone)) {
    // Records of one batch fall in few days (hours...): re-render only when the instant leaves the last
    // one's period of the pattern's finest letter. UTC only, where periods are fixed lengths.
    const period = Math.min(DAY_MS, ...printers.map((printer) => printer.periodMs));
    let lastPeriod = Number.NaN;
    let last = '';
    return (date) => {
      const time = date.getTime();
      const current = Math.floor(time / period);
      if (current !== lastPeriod) {
        last = render(wallClockFields(time, 0));
        lastPeriod = current;
      }
      return last;
    };
  }
  const offset = offsetReader(timeZone);
  // Shift the instant by the zone's offset, then read it with UTC getters: the zone's wall clock.
  return (date) => {
    const time = date.getTime();
    const shift = offset(time);
    return render(wallClockFields(time + shift, shift / 1000));
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
  // %V and %G are ISO weeks, not Java's US weeks (w, Y): no equivalent.
};

/**
 * Translates a Java pattern to a jq `strftime` format, or throws naming the first letter run jq cannot print
 * the same way (unpadded fields, fractions of a second, narrow names).
 */
export function javaPatternToStrftime(pattern: string): string {
  return tokenizePattern(pattern)
    .map((token) => {
      if (token.kind === 'literal') return token.text.replace(/%/g, '%%');
      const directive = token.padWidth === undefined ? STRFTIME[token.letter]?.[token.count] : undefined;
      if (directive === undefined) {
        throw new TimestampPatternError(
          `'${'p'.repeat(token.padWidth ?? 0)}${token.letter.repeat(token.count)}' has no jq strftime equivalent` +
            ' (jq supports yy yyyy MM MMM MMMM dd DDD HH hh mm ss E EEEE a)',
        );
      }
      return directive;
    })
    .join('');
}
