/**
 * Ajv, at run time: compiles a schema and remembers it, so that `sls package` can ship the same validators as
 * standalone code (lib/schema/standalone.ts). In a packaged bundle this module is replaced by those validators
 * and Ajv is not there (lib/pipeline/packaged-build.ts).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { CodeOptions } from 'ajv/dist/core';
import { FORMATS } from './formats';
import { schemaKey, type ValidatorOptions } from './schema-key';

export interface CompiledSchema {
  key: string;
  schema: object;
  options: ValidatorOptions;
}

const compiled = new Map<string, CompiledSchema>();
/** The keys compileSchema sees while schemasCompiledBy runs (cached schemas included). */
let recording: Set<string> | undefined;

/** One Ajv configuration for compiling at run time and for generating standalone code. */
export function createAjv(options: ValidatorOptions, code?: CodeOptions): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: options.allErrors ?? true,
    useDefaults: options.useDefaults ?? false,
    strict: true,
    // `if/then` blocks legitimately require properties declared beside them, not inside.
    strictRequired: false,
    allowUnionTypes: true,
    verbose: options.suggestions ?? false,
    formats: FORMATS,
    ...(code && { code }),
  });
  for (const reference of options.references ?? []) ajv.addSchema(reference);
  return ajv;
}

/** Throws Ajv's error for an invalid schema. */
export function compileSchema(schema: object, options: ValidatorOptions = {}): ValidateFunction {
  const validate = createAjv(options).compile(schema);
  const key = schemaKey(schema, options);
  if (!compiled.has(key)) compiled.set(key, { key, schema, options });
  recording?.add(key);
  return validate;
}

/** The keys of the schemas `run` compiles: what one packaged function compiles at cold start. */
export function schemasCompiledBy(run: () => unknown): Set<string> {
  const keys = new Set<string>();
  const outer = recording;
  recording = keys;
  try {
    run();
  } finally {
    recording = outer;
  }
  return keys;
}

/** Every schema this process compiled, in order: what a packaged function needs standalone. */
export function compiledSchemas(): CompiledSchema[] {
  return [...compiled.values()];
}
