/**
 * Makes a record value safe as one S3 folder name inside a Hive-style `key=value/` segment. The rule (see
 * docs/partitioning.md) is deterministic, so the same value always lands in the same partition:
 *
 * 1. Unicode NFC, then trim whitespace and control characters at both ends.
 * 2. Every character other than a letter, a combining mark, a digit, `-`, `_` or `.` becomes `_`
 *    (this removes `/`, `\`, `=`, `%`, `#`, `:`, spaces, control characters, emoji...).
 * 3. Leading and trailing dots are removed (no `.`, `..`, hidden or dot-suffixed folders).
 * 4. Nothing left: `undefined` (the caller treats the key as missing).
 * 5. Longer than `maxLength` code points: the first `maxLength - 9` code points, `_`, and 8 hex digits of an
 *    FNV-1a hash of the whole step-3 value, so distinct long values stay distinct.
 */
import schema from '../../schemas/pipeline/partitioning.schema.json';

/** The default and the bounds of `maxValueLength` are schemas/pipeline/partitioning.schema.json's. */
export const DEFAULT_MAX_VALUE_LENGTH: number = schema.properties.maxValueLength.default;
const HASH_SUFFIX_LENGTH = 9; // '_' + 8 hex digits

// Common case: short ASCII values already safe; skip normalisation and regex replacement entirely. The fast path
// only saves time (the full path returns these values unchanged), so its mutants are equivalent.
// Stryker disable next-line Regex: a fast-path shortcut, see above
const ALREADY_SAFE = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;
const EDGES = /^[\s\p{Cc}]+|[\s\p{Cc}]+$/gu;
const UNSAFE = /[^\p{L}\p{M}\p{N}_.-]/gu;
const EDGE_DOTS = /^\.+|\.+$/g;

/** FNV-1a over UTF-16 code units: tiny, stable across runtimes, good enough to separate long values. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * Returns the safe form of `value`, or undefined when nothing usable remains. Numbers, bigints and booleans
 * are stringified; any other type is the caller's business (key extraction treats it as missing).
 */
export function sanitizePartitionValue(
  value: string | number | bigint | boolean,
  maxLength = DEFAULT_MAX_VALUE_LENGTH,
): string | undefined {
  // Stryker disable next-line ConditionalExpression,StringLiteral: String() of a string is the string
  const text = typeof value === 'string' ? value : String(value);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: the fast path, see ALREADY_SAFE
  if (text.length <= maxLength && ALREADY_SAFE.test(text)) return text;
  const cleaned = text.normalize('NFC').replace(EDGES, '').replace(UNSAFE, '_').replace(EDGE_DOTS, '');
  if (cleaned === '') return undefined;
  // Count code points, not UTF-16 units, so a surrogate pair is never split.
  const codePoints = Array.from(cleaned);
  if (codePoints.length <= maxLength) return cleaned;
  return `${codePoints.slice(0, maxLength - HASH_SUFFIX_LENGTH).join('')}_${fnv1a(cleaned)}`;
}

/** True when `sanitizePartitionValue` would return the value unchanged (used to vet configured defaults). */
export function isSafePartitionValue(value: string, maxLength = DEFAULT_MAX_VALUE_LENGTH): boolean {
  return sanitizePartitionValue(value, maxLength) === value;
}
