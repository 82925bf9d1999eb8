/**
 * Ajv's standalone code for the schemas a function compiles (`sls package`, lib/pipeline/packaged-build.ts):
 * one CommonJS module whose `validators` are found by schemaKey, so that a cold start compiles nothing.
 */
import { _ } from 'ajv/dist/compile/codegen';
import standaloneCode from 'ajv/dist/standalone';
import { createAjv, type CompiledSchema } from './compile';

/** A pipeline config validator in a packaged bundle (ValidatorOptions.pipelineConfig): the config passed. */
export const CHECKED_AT_PACKAGE_TIME = 'checkedAtPackageTime';

/**
 * `formatsModule`: how the generated code `require()`s lib/schema/formats (it reads FORMATS from it), relative
 * to where the module is resolved from.
 */
export function standaloneValidators(schemas: CompiledSchema[], formatsModule: string): string {
  const parts = schemas.map(({ key, schema, options }) => {
    if (options.pipelineConfig && !options.useDefaults) {
      return `validators[${JSON.stringify(key)}] = ${CHECKED_AT_PACKAGE_TIME};`;
    }
    const ajv = createAjv(options, {
      source: true,
      formats: _`require(${formatsModule}).FORMATS`,
    });
    const validate = ajv.compile(schema);
    // Each schema gets an Ajv of its own (options differ), hence a module scope of its own.
    return `validators[${JSON.stringify(key)}] = (function () {
  const module = { exports: {} };
  const exports = module.exports;
  ${standaloneCode(ajv, validate).replace(/^"use strict";/, '')}
  return module.exports;
})();`;
  });
  return `"use strict";
const validators = {};
function ${CHECKED_AT_PACKAGE_TIME}() {
  return true;
}
${CHECKED_AT_PACKAGE_TIME}.errors = null;
${parts.join('\n')}
exports.validators = validators;
`;
}
