/**
 * Reads a timestamp out of a record value: ISO-8601 text, epoch seconds or epoch milliseconds (numbers or
 * numeric strings), or `auto` which tells them apart. Strict on purpose: `Date.parse` accepts text such as
 * "March 7" that would silently land records in a wrong partition.
 */
import { daysInMonth, digitsAt as digits } from '../time/calendar';

export const TIMESTAMP_INPUTS = ['auto', 'iso', 'epochSeconds', 'epochMillis'] as const;
export type TimestampInput = (typeof TIMESTAMP_INPUTS)[number];

export type ParsedTimestamp = { ok: true; date: Date } | { ok: false; message: string };

// 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z: what a four-digit `yyyy` can print.
const MIN_TIME = -62_167_219_200_000;
const MAX_TIME = 253_402_300_799_999;
/** Below this magnitude a number is read as seconds (1e11 s is year 5138; 1e11 ms is 1973). */
const AUTO_SECONDS_BELOW = 1e11;

const NUMERIC = /^-?\d+(?:\.\d+)?$/;
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function inRange(time: number, what: string): ParsedTimestamp {
  if (!Number.isFinite(time) || time < MIN_TIME || time > MAX_TIME) {
    return { ok: false, message: `${what} is outside the years 0000-9999` };
  }
  return { ok: true, date: new Date(time) };
}

/**
 * `Date#toISOString` shape (`2024-03-05T10:20:30.123Z`, or without the fraction): the common case, read
 * without the general regex. Returns undefined when the text has another shape.
 */
function parseCanonicalIso(text: string): ParsedTimestamp | undefined {
  const { length } = text;
  if (length !== 20 && length !== 24) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':')
    return undefined;
  if (text[length - 1] !== 'Z' || (length === 24 && text[19] !== '.')) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const millisecond = length === 24 ? digits(text, 20, 23) : 0;
  if (year < 100 || month < 1 || day < 0 || hour < 0 || minute < 0 || second < 0 || millisecond < 0)
    return undefined;
  if (month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined; // let the general parser word the error
  }
  return inRange(Date.UTC(year, month - 1, day, hour, minute, second, millisecond), 'the timestamp');
}

/** ISO-8601 date or date-time; no zone means UTC. A `T` or a space may separate date and time. */
export function parseIso(text: string): ParsedTimestamp {
  const canonical = parseCanonicalIso(text);
  if (canonical !== undefined) return canonical;
  const match = ISO.exec(text);
  if (match === null) return { ok: false, message: 'is not an ISO-8601 timestamp' };
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59) {
    return { ok: false, message: 'is not a valid calendar date-time' };
  }
  if (second > 59) return { ok: false, message: 'is not a valid calendar date-time' };
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, message: 'has an invalid UTC offset' };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millisecond = fraction === '' ? 0 : Number((fraction + '00').slice(0, 3));
  let time = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  if (year < 100) {
    // Date.UTC maps years 0-99 to 1900-1999.
    const date = new Date(time);
    date.setUTCFullYear(year);
    time = date.getTime();
  }
  return inRange(time - offsetMinutes * 60_000, 'the timestamp');
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

type Reader = (value: unknown) => ParsedTimestamp;

/** "an object", "a boolean": for messages that must not echo the (possibly personal) value itself. */
function describe(value: unknown): string {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

const READERS: Record<TimestampInput, Reader> = {
  iso: (value) =>
    typeof value === 'string'
      ? parseIso(value)
      : { ok: false, message: `is ${describe(value)}, not ISO-8601 text` },
  epochSeconds: (value) => {
    const seconds = toNumber(value);
    if (seconds === undefined) return { ok: false, message: `is ${describe(value)}, not epoch seconds` };
    return inRange(Math.floor(seconds * 1000), 'epoch seconds value (milliseconds given?)');
  },
  epochMillis: (value) => {
    const millis = toNumber(value);
    if (millis === undefined) return { ok: false, message: `is ${describe(value)}, not epoch milliseconds` };
    return inRange(Math.floor(millis), 'epoch milliseconds value');
  },
  auto: (value) => {
    // ISO text (`YYYY-`) is the common case; skip the numeric test for it.
    if (typeof value === 'string' && value.charCodeAt(4) === 45) return parseIso(value);
    const number = toNumber(value);
    if (number !== undefined) {
      return Math.abs(number) < AUTO_SECONDS_BELOW
        ? READERS.epochSeconds(number)
        : READERS.epochMillis(number);
    }
    if (typeof value === 'string') return parseIso(value);
    return { ok: false, message: `is ${describe(value)}, not a timestamp` };
  },
};

/** Reads `value` as `input`; the failure message completes a sentence about the value ("... is not ..."). */
export function parseTimestampValue(value: unknown, input: TimestampInput): ParsedTimestamp {
  return READERS[input](value);
}
