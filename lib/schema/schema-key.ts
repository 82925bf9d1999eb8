/**
 * What identifies a compiled schema: the schema, the options and the schemas it references. `sls package`
 * generates a standalone validator per key (lib/pipeline/packaged-build.ts); the bundle finds it by the same
 * key, so this file has no Ajv in it.
 */
import { createHash } from 'node:crypto';

export interface ValidatorOptions {
  allErrors?: boolean;
  /** Fill in `default` values from the schema (mutates the validated value). */
  useDefaults?: boolean;
  /** Further schemas the main one `$ref`s by their `$id`. */
  references?: object[];
  /**
   * Add "did you mean" to unknown properties and enum values (for files people write, such as pipeline.yml;
   * Ajv then keeps each error's schema, which is why records do not get it).
   */
  suggestions?: boolean;
  /**
   * The schema checks pipeline.yml's content. `sls package` checked the very config a packaged bundle ships,
   * so there this validator accepts without code (lib/schema/standalone.ts): nothing to parse or run at cold
   * start. Never for records or anything else that arrives at run time, nor with `useDefaults`.
   */
  pipelineConfig?: boolean;
}

export function schemaKey(schema: object, options: ValidatorOptions = {}): string {
  const identity = [
    schema,
    options.allErrors ?? true,
    options.useDefaults ?? false,
    options.references ?? [],
    // Ajv's `verbose` code differs: errors carry the schema the suggestions read.
    options.suggestions ?? false,
    options.pipelineConfig ?? false,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 24);
}
