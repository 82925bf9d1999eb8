/**
 * Formats checked per record. ajv-formats' full `date-time` costs about a microsecond a value; most
 * producers write exactly what `Date.prototype.toISOString` writes, which a regex and a round trip settle.
 */
import type { FormatDefinition } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';

/** The shape toISOString writes, e.g. 2026-11-22T12:00:00.000Z. */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Exactly toISOString's output for a real instant (the round trip refuses 30 February). */
export function isCanonicalIsoDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24 || !CANONICAL_ISO.test(value)) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

const fullDateTime = fullFormats['date-time'] as FormatDefinition<string> & {
  validate: (value: string) => boolean;
};

/** RFC 3339 date-time as ajv-formats checks it, with the canonical shape answered first. */
export const dateTimeFormat: FormatDefinition<string> = {
  ...fullDateTime,
  validate: (value: string) => isCanonicalIsoDateTime(value) || fullDateTime.validate(value),
};
