import { compileSchema } from './compile';
import { toIssues, type Validator } from './issues';
import type { ValidatorOptions } from './schema-key';

export { formatIssues, pointerToPath, toIssues } from './issues';
export type { SchemaIssue, ValidationResult, Validator } from './issues';
export type { ValidatorOptions } from './schema-key';

/**
 * Compiles a JSON Schema (draft 2020-12 or draft-07 keywords) once; call the result per record.
 * Ajv generates a specialised function per schema, so the per-record cost is a plain function call.
 */
export function compileValidator(schema: object, options: ValidatorOptions = {}): Validator {
  let validate: ReturnType<typeof compileSchema>;
  try {
    validate = compileSchema(schema, options);
  } catch (error) {
    throw new Error(`invalid JSON Schema: ${(error as Error).message}`);
  }
  return (value) => (validate(value) ? { ok: true } : { ok: false, issues: toIssues(validate.errors) });
}
