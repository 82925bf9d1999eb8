/**
 * Timestamp and date parsing for Parquet columns, without Date objects: exact to the microsecond (Date
 * keeps milliseconds) and valid for any year 0000-9999.
 */
import { daysFromCivil, isCalendarDate } from '../time/calendar';
import { isoEpochSeconds, parseIso8601, type IsoDateTime } from '../time/iso8601';

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

const SPACED = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?$/;

/** Records of one object mostly share their date: the last one is remembered. */
let lastDate = '';
let lastDateDays = 0;

/** `"2024-6-9"` → days since the epoch (DATE). */
export function parseDate(value: string): Parsed<number> {
  if (value === lastDate) return lastDateDays;
  const fields = parseIso8601(value);
  if (fields === undefined || fields.hasTime) return { error: 'is not a date (yyyy-MM-dd)' };
  if (fields.problem !== undefined) return { error: 'is not a calendar date' };
  lastDate = value;
  lastDateDays = daysFromCivil(fields.year, fields.month, fields.day);
  return lastDateDays;
}

/** Seconds and microseconds → INT64 microseconds, with one BigInt conversion while exact as a double. */
function toMicros(seconds: number, micros: number): bigint {
  const total = seconds * 1e6 + micros;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(seconds) * MICROS_PER_SECOND + BigInt(micros);
}

function fractionMicros(fraction: string | undefined): number {
  // Nanosecond digits beyond the sixth are truncated: the column is in microseconds.
  return fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0'));
}

/** `yyyy-M-d HH:mm:ss[.f]` fields (no zone: the wall clock is UTC, as Firehose reads it). */
function wallClockMicros(parts: (string | undefined)[]): Parsed<bigint> {
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
    (second as number);
  return toMicros(seconds, fractionMicros(parts[7]));
}

const PROBLEMS: Record<NonNullable<IsoDateTime['problem']>, string> = {
  date: 'is not a calendar date',
  time: 'is not a valid time of day',
  offset: 'has an invalid UTC offset',
};

function parseIso(value: string): Parsed<bigint> | undefined {
  const fields = parseIso8601(value);
  // Without a time and a zone it is not this format: the next reader (or the error) takes it.
  if (fields === undefined || !fields.hasTime || !fields.hasZone) return undefined;
  if (fields.problem !== undefined) return { error: PROBLEMS[fields.problem] };
  // Nanosecond digits beyond the sixth are truncated: the column is in microseconds.
  return toMicros(isoEpochSeconds(fields), Math.floor(fields.nanos / 1000));
}

function parseSpaced(value: string): Parsed<bigint> | undefined {
  const match = SPACED.exec(value);
  return match === null ? undefined : wallClockMicros(match);
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
