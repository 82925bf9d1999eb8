/** Validation results and Ajv's errors as people read them; no Ajv at run time, so packaged bundles share it. */
import type { ErrorObject } from 'ajv';
import { didYouMean } from '../text/suggest';

/** One problem with a value, located by a dotted path such as `device.os` or `items[2].sku`. */
export interface SchemaIssue {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; issues: SchemaIssue[] };

export type Validator = (value: unknown) => ValidationResult;

/** Ajv reports JSON Pointers (`/items/2/sku`); people read `items[2].sku`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => {
      if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
      return path === '' ? segment : `${path}.${segment}`;
    }, '');
}

export function toIssues(errors: ErrorObject[] | null | undefined): SchemaIssue[] {
  return (errors ?? []).map((error) => {
    const base = pointerToPath(error.instancePath);
    // A missing or unexpected property is reported on the parent; name the property itself.
    const child =
      error.keyword === 'required'
        ? (error.params as { missingProperty: string }).missingProperty
        : error.keyword === 'additionalProperties'
          ? (error.params as { additionalProperty: string }).additionalProperty
          : undefined;
    const path = child === undefined ? base : base === '' ? child : `${base}.${child}`;
    const message =
      error.keyword === 'additionalProperties'
        ? `is not an allowed property${suggestion(error, child)}`
        : error.keyword === 'enum'
          ? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}${suggestion(error, error.data)}`
          : (error.message ?? error.keyword);
    return { path: path === '' ? '(root)' : path, message };
  });
}

/**
 * ` (did you mean "x"?)` when the validator keeps schemas (`suggestions`) and a known name or value is close:
 * for an unknown property the properties its schema declares, for an enum its string values.
 */
function suggestion(error: ErrorObject, given: unknown): string {
  const schema = error.parentSchema;
  if (schema === undefined || typeof given !== 'string') return '';
  const candidates =
    error.keyword === 'enum'
      ? (error.params as { allowedValues: unknown[] }).allowedValues.filter((v) => typeof v === 'string')
      : Object.keys((schema as { properties?: object }).properties ?? {});
  return didYouMean(given, candidates);
}

/** `"device.os: must be string; amount: must be number"`, for logs and error records. */
export function formatIssues(issues: SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
