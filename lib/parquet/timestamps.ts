/**
 * Timestamp and date parsing for Parquet columns, without Date objects: exact to the microsecond (Date
 * keeps milliseconds) and valid for any year 0000-9999.
 */
import { isCalendarDate } from '../time/calendar';

/** The accepted timestamp formats (Firehose's OpenX deserializer list, plus ISO-8601 offsets). */
export const TIMESTAMP_FORMATS = [
  'iso8601',
  'yyyy-M-d HH:mm:ss',
  'epochSeconds',
  'epochMillis',
  'epochSecondsFractional',
] as const;

export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** A value that does not parse; the message says why without echoing the value. */
export type Parsed<T> = T | { error: string };

const MICROS_PER_SECOND = 1_000_000n;
/** Integers below this are epoch seconds when both epoch units are accepted; 1e11 ms is 1973-03-03. */
export const EPOCH_SECONDS_BELOW = 1e11;
/** Seconds whose microseconds still fit INT64 (year ±292,277). */
const MAX_EPOCH_SECONDS = 9_223_372_036_854;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const SPACED = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const CALENDAR_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible date algorithms"). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Records of one object mostly share their date: the last one is remembered. */
let lastDate = '';
let lastDateDays = 0;

/** `"2024-6-9"` → days since the epoch (DATE). */
export function parseDate(value: string): Parsed<number> {
  if (value === lastDate) return lastDateDays;
  const match = CALENDAR_DATE.exec(value);
  if (match === null) return { error: 'is not a date (yyyy-MM-dd)' };
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isCalendarDate(year, month, day)) return { error: 'is not a calendar date' };
  lastDate = value;
  lastDateDays = daysFromCivil(year, month, day);
  return lastDateDays;
}

const ZERO = 0x30;

/** The number written by `count` ASCII digits at `at`, or -1. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i += 1) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

let lastDayKey = -1;
let lastDayNumber = 0;

function cachedDays(year: number, month: number, day: number): number {
  const key = year * 10000 + month * 100 + day;
  if (key !== lastDayKey) {
    lastDayKey = key;
    lastDayNumber = daysFromCivil(year, month, day);
  }
  return lastDayNumber;
}

/** Seconds and microseconds → INT64 microseconds, with one BigInt conversion while exact as a double. */
function toMicros(seconds: number, micros: number): bigint {
  const total = seconds * 1e6 + micros;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(seconds) * MICROS_PER_SECOND + BigInt(micros);
}

/**
 * The common shape `yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)` read by position, without a regex or
 * allocations; anything else (or an invalid field) returns undefined and goes to the regex.
 */
function parseIsoFast(value: string): bigint | undefined {
  const length = value.length;
  if (length < 20 || value.charCodeAt(4) !== 0x2d || value.charCodeAt(7) !== 0x2d) return undefined;
  const separator = value.charCodeAt(10);
  if ((separator !== 0x54 && separator !== 0x74 && separator !== 0x20) || value.charCodeAt(13) !== 0x3a)
    return undefined;
  if (value.charCodeAt(16) !== 0x3a) return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined;
  }
  if (!isCalendarDate(year, month, day)) return undefined;
  let at = 19;
  let micros = 0;
  const dot = value.charCodeAt(at);
  if (dot === 0x2e || dot === 0x2c) {
    let scale = 100000;
    at += 1;
    const start = at;
    for (
      let digit = value.charCodeAt(at) - ZERO;
      digit >= 0 && digit <= 9;
      digit = value.charCodeAt(at) - ZERO
    ) {
      micros += digit * scale;
      scale /= 10;
      at += 1;
    }
    if (at === start || at - start > 9) return undefined;
    micros = Math.floor(micros);
  }
  let offset = 0;
  const zone = value.charCodeAt(at);
  if ((zone === 0x5a || zone === 0x7a) && at + 1 === length) offset = 0;
  else if ((zone === 0x2b || zone === 0x2d) && at + 6 === length && value.charCodeAt(at + 3) === 0x3a) {
    const hours = digitsAt(value, at + 1, 2);
    const minutes = digitsAt(value, at + 4, 2);
    if (hours < 0 || hours > 18 || minutes < 0 || minutes > 59) return undefined;
    offset = (zone === 0x2d ? -1 : 1) * (hours * 3600 + minutes * 60);
  } else return undefined;
  const seconds = cachedDays(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return toMicros(seconds, micros);
}

function fractionMicros(fraction: string | undefined): number {
  // Nanosecond digits beyond the sixth are truncated: the column is in microseconds.
  return fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0'));
}

function wallClockMicros(parts: (string | undefined)[], offsetSeconds: number): Parsed<bigint> {
  const [year, month, day, hour, minute, second] = parts
    .slice(1, 7)
    .map((part) => Number(part ?? 0)) as number[];
  if (!isCalendarDate(year as number, month as number, day as number))
    return { error: 'is not a calendar date' };
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59)
    return { error: 'is not a valid time of day' };
  const seconds =
    daysFromCivil(year as number, month as number, day as number) * 86400 +
    (hour as number) * 3600 +
    (minute as number) * 60 +
    (second as number) -
    offsetSeconds;
  return toMicros(seconds, fractionMicros(parts[7]));
}

function parseIso(value: string): Parsed<bigint> | undefined {
  const fast = parseIsoFast(value);
  if (fast !== undefined) return fast;
  const match = ISO_8601.exec(value);
  if (match === null) return undefined;
  let offset = 0;
  if (match[8] === undefined) {
    const hours = Number(match[10]);
    const minutes = Number(match[11] ?? 0);
    if (hours > 18 || minutes > 59) return { error: 'has an invalid UTC offset' };
    offset = (match[9] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  return wallClockMicros(match, offset);
}

function parseSpaced(value: string): Parsed<bigint> | undefined {
  const match = SPACED.exec(value);
  // No zone in this format: the wall clock is UTC, as Firehose reads it.
  return match === null ? undefined : wallClockMicros(match, 0);
}

/** An epoch number in the unit its format says; returns undefined when no accepted format takes it. */
type EpochReader = (value: number) => Parsed<bigint> | undefined;

function epochReader(formats: ReadonlySet<TimestampFormat>): EpochReader {
  const seconds = formats.has('epochSeconds');
  const millis = formats.has('epochMillis');
  const fractional = formats.has('epochSecondsFractional');
  const fromSeconds = (value: number): Parsed<bigint> => {
    if (Math.abs(value) > MAX_EPOCH_SECONDS) return { error: 'is outside the INT64 microsecond range' };
    const whole = Math.floor(value);
    return BigInt(whole) * MICROS_PER_SECOND + BigInt(Math.round((value - whole) * 1e6));
  };
  const fromMillis = (value: number): Parsed<bigint> => {
    if (Math.abs(value) > MAX_EPOCH_SECONDS * 1000)
      return { error: 'is outside the INT64 microsecond range' };
    return BigInt(value) * 1000n;
  };
  return (value) => {
    if (!Number.isFinite(value)) return undefined;
    if (!Number.isInteger(value)) return fractional ? fromSeconds(value) : undefined;
    if (seconds && millis)
      return Math.abs(value) < EPOCH_SECONDS_BELOW ? fromSeconds(value) : fromMillis(value);
    if (seconds || fractional) return fromSeconds(value);
    return millis ? fromMillis(value) : undefined;
  };
}

/** Compiles the accepted formats once into one function: value → microseconds since the epoch (UTC). */
export function timestampParser(formats: readonly TimestampFormat[]): (value: unknown) => Parsed<bigint> {
  const accepted = new Set(formats);
  const textReaders = [
    ...(accepted.has('iso8601') ? [parseIso] : []),
    ...(accepted.has('yyyy-M-d HH:mm:ss') ? [parseSpaced] : []),
  ];
  const epoch = epochReader(accepted);
  const hasEpoch = ['epochSeconds', 'epochMillis', 'epochSecondsFractional'].some((f) =>
    accepted.has(f as TimestampFormat),
  );
  const expected = `is not a timestamp in an accepted format (${formats.join(', ')})`;
  return (value) => {
    if (typeof value === 'string') {
      for (const read of textReaders) {
        const result = read(value);
        if (result !== undefined) return result;
      }
      // Epoch numbers sent as strings are read like numbers.
      if (hasEpoch && NUMERIC_TEXT.test(value)) return epoch(Number(value)) ?? { error: expected };
      return { error: `string ${expected}` };
    }
    if (typeof value === 'number') return epoch(value) ?? { error: `number ${expected}` };
    if (typeof value === 'bigint') return epoch(Number(value)) ?? { error: `number ${expected}` };
    return {
      error: `${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value} ${expected}`,
    };
  };
}
