/** Validation results and Ajv's errors as people read them; no Ajv at run time, so packaged bundles share it. */
import type { ErrorObject } from 'ajv';

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
        ? 'is not an allowed property'
        : error.keyword === 'enum'
          ? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
          : (error.message ?? error.keyword);
    return { path: path === '' ? '(root)' : path, message };
  });
}

/** `"device.os: must be string; amount: must be number"`, for logs and error records. */
export function formatIssues(issues: SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
