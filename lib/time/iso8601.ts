/**
 * The one ISO-8601 date-time reader of the project (transforms' `timestamp` step, partition-key timestamps,
 * Parquet TIMESTAMP columns). It reads fields without Date objects, exact to the nanosecond and valid for the
 * years 0000-9999; each caller decides what it needs (a zone, a time) and its unit.
 *
 * Grammar: `yyyy-M[M]-d[d]`, optionally `T`/`t`/space then `HH:mm[:ss[(.|,)f{1,9}]]`, then optionally `Z`/`z`
 * or `±HH[[:]mm]`. Offsets go to ±18:00, java.time's ZoneOffset range (what Firehose's Java readers accept).
 */
import { daysFromCivil, daysInMonth, digitsAt } from './calendar';

export interface IsoDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The fraction of the second in nanoseconds (digits beyond the ninth are refused). */
  nanos: number;
  /** Seconds east of UTC; 0 without a zone. */
  offsetSeconds: number;
  hasTime: boolean;
  hasZone: boolean;
  /** The text has ISO-8601 syntax but names no real date, time of day or offset. */
  problem: 'date' | 'time' | 'offset' | undefined;
}

const MAX_OFFSET_HOURS = 18;

const ISO_8601 =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const HYPHEN = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const COMMA = 0x2c;

type Problem = IsoDateTime['problem'];

/** Range checks shared by both paths (plain numbers in, no object: this runs per record). */
function problemOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  offsetHours: number,
  offsetMinutes: number,
): Problem {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'date';
  if (hour > 23 || minute > 59 || second > 59) return 'time';
  if (offsetHours > MAX_OFFSET_HOURS || offsetMinutes > 59) return 'offset';
  if (offsetHours === MAX_OFFSET_HOURS && offsetMinutes > 0) return 'offset';
  return undefined;
}

const ZERO = 0x30;

function isSeparator(code: number): boolean {
  return code === 0x54 || code === 0x74 || code === 0x20; // T t space
}

/**
 * The common shape `yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)` read by position, without a regex; anything
 * else returns undefined and goes to the regex (which words the same result).
 */
function parseCommon(text: string): IsoDateTime | undefined {
  const { length } = text;
  if (length < 20 || text.charCodeAt(4) !== HYPHEN || text.charCodeAt(7) !== HYPHEN) return undefined;
  if (!isSeparator(text.charCodeAt(10)) || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON)
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let nanos = 0;
  const dot = text.charCodeAt(at);
  if (dot === DOT || dot === COMMA) {
    at += 1;
    const start = at;
    let scale = 100_000_000;
    for (
      let digit = text.charCodeAt(at) - ZERO;
      digit >= 0 && digit <= 9;
      digit = text.charCodeAt(at) - ZERO
    ) {
      nanos += digit * scale;
      scale /= 10;
      at += 1;
    }
    if (at === start || at - start > 9) return undefined;
    nanos = Math.round(nanos);
  }
  let offsetHours = 0;
  let offsetMinutes = 0;
  let sign = 1;
  const zone = text.charCodeAt(at);
  if ((zone === 0x5a || zone === 0x7a) && at + 1 === length) {
    // Z or z
  } else if ((zone === 0x2b || zone === HYPHEN) && at + 6 === length && text.charCodeAt(at + 3) === COLON) {
    offsetHours = digitsAt(text, at + 1, at + 3);
    offsetMinutes = digitsAt(text, at + 4, at + 6);
    if (offsetHours < 0 || offsetMinutes < 0) return undefined;
    sign = zone === HYPHEN ? -1 : 1;
  } else return undefined;
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    nanos,
    offsetSeconds: sign * (offsetHours * 3600 + offsetMinutes * 60),
    hasTime: true,
    hasZone: true,
    problem: problemOf(year, month, day, hour, minute, second, offsetHours, offsetMinutes),
  };
}

/** The fields of an ISO-8601 date or date-time, or undefined when the text is not ISO-8601 at all. */
export function parseIso8601(text: string): IsoDateTime | undefined {
  const common = parseCommon(text);
  if (common !== undefined) return common;
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zulu, sign, offsetH = '0', offsetM = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h ?? 0, mi ?? 0, s].map(Number) as number[];
  const offsetHours = Number(offsetH);
  const offsetMinutes = Number(offsetM);
  return {
    year: year!,
    month: month!,
    day: day!,
    hour: hour!,
    minute: minute!,
    second: second!,
    nanos: fraction === '' ? 0 : Number(fraction.padEnd(9, '0')),
    offsetSeconds: (sign === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60),
    hasTime: h !== undefined,
    hasZone: zulu !== undefined || sign !== undefined,
    problem: problemOf(year!, month!, day!, hour!, minute!, second!, offsetHours, offsetMinutes),
  };
}

/** Whole seconds since 1970-01-01T00:00:00Z of valid fields (the fraction is in `nanos`). */
export function isoEpochSeconds(fields: IsoDateTime): number {
  const { year, month, day, hour, minute, second, offsetSeconds } = fields;
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
}

/** Milliseconds since the epoch of valid fields; sub-millisecond digits are truncated (a Date holds ms). */
export function isoEpochMillis(fields: IsoDateTime): number {
  return isoEpochSeconds(fields) * 1000 + Math.floor(fields.nanos / 1_000_000);
}
