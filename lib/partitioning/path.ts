/**
 * Field paths in jq form, for the jq engine. Paths themselves (parsing, the safety rule, lookups) are
 * lib/records/field-path.ts.
 */
import type { PathSegment } from '../records/field-path';

/** jq keywords cannot appear bare after `.` or as object keys in jq 1.6. */
export const JQ_KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'if',
  'then',
  'elif',
  'else',
  'end',
  'as',
  'def',
  'reduce',
  'foreach',
  'try',
  'catch',
  'label',
  'import',
  'include',
  '__loc__',
]);

const JQ_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isBareJqName(name: string): boolean {
  return JQ_IDENTIFIER.test(name) && !JQ_KEYWORDS.has(name);
}

/**
 * The same lookup as readPath in jq 1.6 syntax: `.customer|(if type=="object" then .id else null end)`.
 * Steps after the first are guarded instead of wrapped in `try`: in jq 1.6 a `try` (or `?`) also catches
 * errors raised later in the pipeline, which would hide a deliberate `error(...)` for a missing key.
 */
export function toJqPath(segments: readonly PathSegment[]): string {
  return segments
    .map((segment, index) => {
      const step =
        typeof segment === 'number'
          ? `.[${segment}]`
          : isBareJqName(segment)
            ? `.${segment}`
            : `.${JSON.stringify(segment)}`;
      if (index === 0) return step;
      const container = typeof segment === 'number' ? 'array' : 'object';
      return `|(if type=="${container}" then ${step} else null end)`;
    })
    .join('');
}
