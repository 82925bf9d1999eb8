/** Standalone validators (what a packaged function runs) answer exactly as the validators Ajv compiles at run time. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { compiledSchemas } from '../../../lib/schema/compile';
import { schemaKey } from '../../../lib/schema/schema-key';
import { standaloneValidators } from '../../../lib/schema/standalone';
import { compileValidator, toIssues } from '../../../lib/schema/validate';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';

const ROOT = resolve(__dirname, '../../..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/clickstream.schema.json'), 'utf8')) as object;

/** Runs the generated CommonJS module with this test's require (the formats module resolves by path). */
function load(code: string): Record<string, ValidateFunction> {
  const module = { exports: {} as { validators: Record<string, ValidateFunction> } };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports.validators;
}

describe('standaloneValidators', () => {
  const runtime = compileValidator(schema);
  const entry = compiledSchemas().find((compiled) => compiled.key === schemaKey(schema));
  const validators = load(standaloneValidators(entry ? [entry] : [], join(ROOT, 'lib/schema/formats')));
  const standalone = validators[schemaKey(schema)];

  it('records what was compiled, under the key the bundle looks it up by', () => {
    expect(entry?.schema).toBe(schema);
    expect(typeof standalone).toBe('function');
  });

  it.each([
    ['a valid click', clickEvent(1), true],
    ['a valid purchase', purchaseEvent(2), true],
    ['a missing field', { ...clickEvent(1), event_id: undefined }, false],
    ['a bad uuid', { ...clickEvent(1), event_id: 'not-a-uuid' }, false],
    ['a non-canonical date-time', { ...clickEvent(1), timestamp: '2026-11-22T12:00:00+01:00' }, true],
    ['a bad date-time', { ...clickEvent(1), timestamp: '2026-02-30T12:00:00.000Z' }, false],
    ['an unknown event type', { ...clickEvent(1), event_type: 'teleport' }, false],
  ])('gives the same answer and issues for %s', (_case, record, valid) => {
    const value = JSON.parse(JSON.stringify(record)) as unknown;
    const ok = standalone!(value);
    expect(ok).toBe(valid);
    expect({ ok, issues: ok ? [] : toIssues(standalone!.errors) }).toEqual(
      ((result) => ({ ok: result.ok, issues: result.ok ? [] : result.issues }))(runtime(value)),
    );
  });

  it('tells a different option set apart', () => {
    expect(schemaKey(schema, { allErrors: false })).not.toBe(schemaKey(schema));
    expect(schemaKey(schema, { allErrors: true })).toBe(schemaKey(schema));
  });
});
