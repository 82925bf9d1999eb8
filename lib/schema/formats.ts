/**
 * Formats checked per record. ajv-formats' full `date-time` costs about a microsecond a value; most
 * producers write exactly what `Date.prototype.toISOString` writes, which fixed positions settle. Its
 * case-insensitive `uuid` regex is a few times slower than reading the 36 characters by position.
 */
import type { Format, FormatDefinition } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';
import { parseIso8601 } from '../time/iso8601';

const HYPHEN = 0x2d;
const DOT = 0x2e;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;

/**
 * Exactly toISOString's output for a real instant, e.g. 2026-11-22T12:00:00.000Z (years 0000-9999; no
 * 30 February, no leap second). Read by position, without Date: this runs on every record.
 */
export function isCanonicalIsoDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24) return false;
  // T, '.' and Z where toISOString puts them; lib/time/iso8601.ts reads the rest (and the real-date rules).
  if (value.charCodeAt(10) !== UPPER_T || value.charCodeAt(19) !== DOT || value.charCodeAt(23) !== UPPER_Z)
    return false;
  const fields = parseIso8601(value);
  return fields !== undefined && fields.problem === undefined;
}

const fullDateTime = fullFormats['date-time'] as FormatDefinition<string> & {
  validate: (value: string) => boolean;
};

/** RFC 3339 date-time as ajv-formats checks it, with the canonical shape answered first. */
export const dateTimeFormat: FormatDefinition<string> = {
  ...fullDateTime,
  validate: (value: string) => isCanonicalIsoDateTime(value) || fullDateTime.validate(value),
};

const URN_PREFIX = 'urn:uuid:';
const UUID_LENGTH = 36;

function isHexDigit(code: number): boolean {
  // 0-9, A-F, a-f (ORing 0x20 folds upper case onto lower case).
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
}

/**
 * Exactly what ajv-formats' `uuid` accepts: 8-4-4-4-12 hex digits in either case, optionally after
 * `urn:uuid:` (the prefix in any case too, as its regex has the `i` flag).
 */
export function isUuid(value: string): boolean {
  let start = 0;
  if (value.length === URN_PREFIX.length + UUID_LENGTH) {
    if (value.slice(0, URN_PREFIX.length).toLowerCase() !== URN_PREFIX) return false;
    start = URN_PREFIX.length;
  } else if (value.length !== UUID_LENGTH) {
    return false;
  }
  for (let index = 0; index < UUID_LENGTH; index += 1) {
    const code = value.charCodeAt(start + index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== HYPHEN) return false;
    } else if (!isHexDigit(code)) {
      return false;
    }
  }
  return true;
}

export const uuidFormat: FormatDefinition<string> = { type: 'string', validate: isUuid };

/**
 * Every format a schema may name: ajv-formats' full set with the two above in place of its own. Standalone
 * validators `require()` this table by name (lib/schema/standalone.ts), so it must stay an export.
 */
export const FORMATS: Record<string, Format> = {
  ...fullFormats,
  'date-time': dateTimeFormat,
  uuid: uuidFormat,
};
