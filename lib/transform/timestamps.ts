import { isoEpochMillis, parseIso8601 } from '../time/iso8601';
import type { TimeFormat } from './types';

/**
 * Numbers below this are epoch seconds, from it up epoch milliseconds. 1e11 seconds is the year 5138
 * and 1e11 milliseconds is 3 March 1973, so every realistic event time is read the right way.
 */
export const EPOCH_MILLIS_THRESHOLD = 1e11;

/** The range a JavaScript Date can hold (±100,000,000 days around 1970). */
const MAX_EPOCH_MILLIS = 8.64e15;

const NUMERIC = /^-?\d+(?:\.\d+)?$/;

/**
 * ISO-8601 text (lib/time/iso8601.ts) to epoch milliseconds, or undefined. Stricter than Date.parse, which
 * accepts 30 February (as 1 March) and many non-ISO formats. Without a zone the time is taken as UTC
 * (Date.parse would use the machine's zone).
 */
function parseIsoMillis(text: string): number | undefined {
  const fields = parseIso8601(text);
  return fields === undefined || fields.problem !== undefined ? undefined : isoEpochMillis(fields);
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
