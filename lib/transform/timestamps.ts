import { daysInMonth } from '../time/calendar';
import type { TimeFormat } from './types';

/**
 * Numbers below this are epoch seconds, from it up epoch milliseconds. 1e11 seconds is the year 5138
 * and 1e11 milliseconds is 3 March 1973, so every realistic event time is read the right way.
 */
export const EPOCH_MILLIS_THRESHOLD = 1e11;

/** The range a JavaScript Date can hold (±100,000,000 days around 1970). */
const MAX_EPOCH_MILLIS = 8.64e15;

const NUMERIC = /^-?\d+(?:\.\d+)?$/;

// YYYY-MM-DD, optionally followed by [T or space]hh:mm[:ss[.fraction]] and a zone (Z, ±hh:mm or ±hhmm).
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * ISO-8601 text to epoch milliseconds, or undefined. Stricter than Date.parse, which accepts
 * 30 February (as 1 March) and many non-ISO formats. Without a zone the time is taken as UTC
 * (Date.parse would use the machine's zone).
 */
export function parseIsoMillis(text: string): number | undefined {
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [
    ,
    y,
    mo,
    d,
    h = '0',
    mi = '0',
    s = '0',
    fraction = '',
    ,
    sign,
    offsetHours = '0',
    offsetMinutes = '0',
  ] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const zoneHours = Number(offsetHours);
  const zoneMinutes = Number(offsetMinutes);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneHours <= 23 &&
    zoneMinutes <= 59;
  if (!valid) return undefined;
  // Sub-millisecond digits are truncated: a Date holds milliseconds.
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const offset = (sign === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC reads years 0-99 as 1900-1999.
  return (year < 100 ? new Date(utc).setUTCFullYear(year) : utc) - offset;
}

function fromEpochNumber(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const millis = Math.abs(value) < EPOCH_MILLIS_THRESHOLD ? value * 1000 : value;
  return Math.abs(millis) <= MAX_EPOCH_MILLIS ? Math.round(millis) : undefined;
}

/**
 * Epoch milliseconds from an ISO-8601 string, epoch seconds or epoch milliseconds (numbers or numeric
 * strings, see EPOCH_MILLIS_THRESHOLD) or a Date; undefined when the value is none of these.
 */
export function toEpochMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return fromEpochNumber(value);
  if (typeof value === 'string') {
    return NUMERIC.test(value) ? fromEpochNumber(Number(value)) : parseIsoMillis(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  return undefined;
}

/** Epoch milliseconds to the output format; seconds are whole (rounded down). */
export const TIME_FORMATTERS: Readonly<Record<TimeFormat, (millis: number) => string | number>> = {
  iso: (millis) => new Date(millis).toISOString(),
  epochMillis: (millis) => millis,
  epochSeconds: (millis) => Math.floor(millis / 1000),
};
