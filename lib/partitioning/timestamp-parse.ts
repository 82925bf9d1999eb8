/**
 * Reads a timestamp out of a record value: ISO-8601 text, epoch seconds or epoch milliseconds (numbers or
 * numeric strings), or `auto` which tells them apart. Strict on purpose: `Date.parse` accepts text such as
 * "March 7" that would silently land records in a wrong partition.
 */
import { isoEpochMillis, parseIso8601 } from '../time/iso8601';

export const TIMESTAMP_INPUTS = ['auto', 'iso', 'epochSeconds', 'epochMillis'] as const;
export type TimestampInput = (typeof TIMESTAMP_INPUTS)[number];

export type ParsedTimestamp = { ok: true; date: Date } | { ok: false; message: string };

// 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z: what a four-digit `yyyy` can print.
const MIN_TIME = -62_167_219_200_000;
const MAX_TIME = 253_402_300_799_999;
/** Below this magnitude a number is read as seconds (1e11 s is year 5138; 1e11 ms is 1973). */
const AUTO_SECONDS_BELOW = 1e11;

const NUMERIC = /^-?\d+(?:\.\d+)?$/;
function inRange(time: number, what: string): ParsedTimestamp {
  if (!Number.isFinite(time) || time < MIN_TIME || time > MAX_TIME) {
    return { ok: false, message: `${what} is outside the years 0000-9999` };
  }
  return { ok: true, date: new Date(time) };
}

const PROBLEMS = {
  date: 'is not a valid calendar date-time',
  time: 'is not a valid calendar date-time',
  offset: 'has an invalid UTC offset',
} as const;

/** ISO-8601 date or date-time (lib/time/iso8601.ts); no zone means UTC. */
export function parseIso(text: string): ParsedTimestamp {
  const fields = parseIso8601(text);
  if (fields === undefined) return { ok: false, message: 'is not an ISO-8601 timestamp' };
  if (fields.problem !== undefined) return { ok: false, message: PROBLEMS[fields.problem] };
  return inRange(isoEpochMillis(fields), 'the timestamp');
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
