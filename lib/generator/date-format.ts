/**
 * moment.js-style date formatting (the original generator formatted `date.now(...)` with moment), compiled
 * once per format string into a list of field writers. Only the tokens below are accepted; any other letter
 * fails at compile time so a typo such as `YYYY-MM-DD hh:MM` is caught instead of printing nonsense.
 * Wrap literal text in square brackets: `[at] HH:mm`. `T` is accepted bare, as in ISO 8601.
 */
import { MONTH_NAMES, WEEKDAY_NAMES } from '../time/calendar';

export type DateFormatter = (epochMs: number) => string;

interface Fields {
  year: number;
  month: number; // 0-11
  day: number; // 1-31
  weekday: number; // 0 = Sunday
  hours: number;
  minutes: number;
  seconds: number;
  millis: number;
  offsetMinutes: number; // east of UTC
  epochMs: number;
}

type Writer = (f: Fields) => string;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));
const hour12 = (h: number): number => (h % 12 === 0 ? 12 : h % 12);

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function dayOfYear(f: Fields): number {
  return Math.round((Date.UTC(f.year, f.month, f.day) - Date.UTC(f.year, 0, 1)) / 86_400_000) + 1;
}

function offset(f: Fields, separator: string): string {
  const sign = f.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(f.offsetMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}${separator}${pad2(abs % 60)}`;
}

/** Longest tokens first: the scanner takes the first entry that matches at the current position. */
const TOKENS: ReadonlyArray<readonly [string, Writer]> = [
  ['YYYY', (f) => String(f.year).padStart(4, '0')],
  ['YY', (f) => pad2(f.year % 100)],
  ['Q', (f) => String(Math.floor(f.month / 3) + 1)],
  ['MMMM', (f) => MONTH_NAMES[f.month] as string],
  ['MMM', (f) => (MONTH_NAMES[f.month] as string).slice(0, 3)],
  ['MM', (f) => pad2(f.month + 1)],
  ['M', (f) => String(f.month + 1)],
  ['DDDD', (f) => pad3(dayOfYear(f))],
  ['DDD', (f) => String(dayOfYear(f))],
  ['Do', (f) => ordinal(f.day)],
  ['DD', (f) => pad2(f.day)],
  ['D', (f) => String(f.day)],
  ['dddd', (f) => WEEKDAY_NAMES[f.weekday] as string],
  ['ddd', (f) => (WEEKDAY_NAMES[f.weekday] as string).slice(0, 3)],
  ['dd', (f) => (WEEKDAY_NAMES[f.weekday] as string).slice(0, 2)],
  ['d', (f) => String(f.weekday)],
  ['HH', (f) => pad2(f.hours)],
  ['H', (f) => String(f.hours)],
  ['hh', (f) => pad2(hour12(f.hours))],
  ['h', (f) => String(hour12(f.hours))],
  ['kk', (f) => pad2(f.hours === 0 ? 24 : f.hours)],
  ['k', (f) => String(f.hours === 0 ? 24 : f.hours)],
  ['mm', (f) => pad2(f.minutes)],
  ['m', (f) => String(f.minutes)],
  ['ss', (f) => pad2(f.seconds)],
  ['s', (f) => String(f.seconds)],
  ['SSS', (f) => pad3(f.millis)],
  ['SS', (f) => pad2(Math.floor(f.millis / 10))],
  ['S', (f) => String(Math.floor(f.millis / 100))],
  ['A', (f) => (f.hours < 12 ? 'AM' : 'PM')],
  ['a', (f) => (f.hours < 12 ? 'am' : 'pm')],
  ['ZZ', (f) => offset(f, '')],
  ['Z', (f) => offset(f, ':')],
  ['X', (f) => String(Math.floor(f.epochMs / 1000))],
  ['x', (f) => String(f.epochMs)],
];

export const SUPPORTED_DATE_TOKENS: readonly string[] = TOKENS.map(([token]) => token);

/** moment's default `format()`: local time with offset; in UTC mode it prints `Z`. */
export const DEFAULT_LOCAL_FORMAT = 'YYYY-MM-DDTHH:mm:ssZ';
export const DEFAULT_UTC_FORMAT = 'YYYY-MM-DDTHH:mm:ss[Z]';

export class DateFormatError extends Error {
  override readonly name = 'DateFormatError';
}

function fieldsOf(epochMs: number, utc: boolean): Fields {
  const d = new Date(epochMs);
  if (utc) {
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
      hours: d.getUTCHours(),
      minutes: d.getUTCMinutes(),
      seconds: d.getUTCSeconds(),
      millis: d.getUTCMilliseconds(),
      offsetMinutes: 0,
      epochMs,
    };
  }
  return {
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    weekday: d.getDay(),
    hours: d.getHours(),
    minutes: d.getMinutes(),
    seconds: d.getSeconds(),
    millis: d.getMilliseconds(),
    offsetMinutes: -d.getTimezoneOffset(),
    epochMs,
  };
}

/** Compiles a moment-style format; throws DateFormatError naming the first unsupported token. */
export function compileDateFormat(format: string, options: { utc: boolean }): DateFormatter {
  const parts: (string | Writer)[] = [];
  let i = 0;
  while (i < format.length) {
    const char = format[i] as string;
    if (char === '[') {
      const close = format.indexOf(']', i + 1);
      if (close === -1)
        throw new DateFormatError(`unclosed "[" at character ${i + 1} of date format "${format}"`);
      parts.push(format.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    const match = TOKENS.find(([token]) => format.startsWith(token, i));
    if (match !== undefined) {
      parts.push(match[1]);
      i += match[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(char) && char !== 'T') {
      const run = /^[A-Za-z]+/.exec(format.slice(i))?.[0] ?? char;
      throw new DateFormatError(
        `unsupported token "${run}" at character ${i + 1} of date format "${format}"` +
          ` (supported: ${SUPPORTED_DATE_TOKENS.join(' ')}; put literal text in [brackets])`,
      );
    }
    parts.push(char);
    i += 1;
  }
  // Merge adjacent literals so rendering does the fewest concatenations.
  const merged: (string | Writer)[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  const utc = options.utc;
  return (epochMs) => {
    const fields = fieldsOf(epochMs, utc);
    let out = '';
    for (const part of merged) out += typeof part === 'string' ? part : part(fields);
    return out;
  };
}
