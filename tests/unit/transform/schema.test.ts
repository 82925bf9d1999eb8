import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import transformsSchema from '../../../schemas/pipeline/transforms.schema.json';
import { compileTransforms, type TransformStep } from '../../../lib/transform';
import { compileValidator, formatIssues } from '../../../lib/schema/validate';
import { SALT_ENV } from './helpers';

const validate = compileValidator(transformsSchema);

describe('schemas/pipeline/transforms.schema.json', () => {
  it.each<[string, unknown[]]>([
    ['no steps', []],
    ['rename', [{ rename: { from: 'a.b', to: 'c' } }]],
    ['drop', [{ drop: { fields: ['a', 'b.c'] } }]],
    ['mask', [{ mask: { fields: ['customer.email'], saltFrom: 'MASK_SALT' } }]],
    ['add a constant', [{ add: { field: 'source', value: { any: ['json'] } } }]],
    ['add from the context', [{ add: { field: 'at', from: 'arrivalTime', format: 'epochMillis' } }]],
    ['timestamp', [{ timestamp: { fields: ['ts'], to: 'epochSeconds' } }]],
    ['flatten with defaults', [{ flatten: {} }]],
    ['flatten with options', [{ flatten: { separator: '.', maxDepth: 2, fields: ['page'] } }]],
    ['filter drop equals', [{ filter: { drop: { field: 'a', equals: null } } }]],
    ['filter keep in', [{ filter: { name: 'prod-only', keep: { field: 'env', in: ['prod', 1, true] } } }]],
    ['filter exists', [{ filter: { drop: { field: 'debug', exists: true } } }]],
    ['custom', [{ custom: { name: 'amountInUsd' } }]],
  ])('accepts %s', (_case, steps) => {
    expect(validate(steps)).toEqual({ ok: true });
  });

  it.each<[string, unknown, string]>([
    ['not a list', { rename: { from: 'a', to: 'b' } }, '(root): must be array'],
    ['a step name typo', [{ renmae: { from: 'a', to: 'b' } }], '[0].renmae: is not an allowed property'],
    ['an empty item', [{}], '[0]: must NOT have fewer than 1 properties'],
    [
      'two keys in one item',
      [{ drop: { fields: ['a'] }, flatten: {} }],
      '[0]: must NOT have more than 1 properties',
    ],
    ['a string item', ['drop'], '[0]: must be object'],
    ['rename without to', [{ rename: { from: 'a' } }], "[0].rename.to: must have required property 'to'"],
    [
      'rename with an extra key',
      [{ rename: { from: 'a', to: 'b', force: true } }],
      '[0].rename.force: is not an allowed property',
    ],
    ['drop with a string', [{ drop: { fields: 'a' } }], '[0].drop.fields: must be array'],
    [
      'drop with duplicates',
      [{ drop: { fields: ['a', 'a'] } }],
      '[0].drop.fields: must NOT have duplicate items',
    ],
    [
      'a path with an empty segment',
      [{ drop: { fields: ['.a'] } }],
      '[0].drop.fields[0]: must match pattern',
    ],
    [
      'mask without saltFrom',
      [{ mask: { fields: ['a'] } }],
      "[0].mask.saltFrom: must have required property 'saltFrom'",
    ],
    [
      'mask with a bad variable name',
      [{ mask: { fields: ['a'], saltFrom: 'my salt' } }],
      '[0].mask.saltFrom: must match pattern',
    ],
    [
      'add with neither value nor from',
      [{ add: { field: 'a' } }],
      '[0].add: must match exactly one schema in oneOf',
    ],
    ['add from an unknown field', [{ add: { field: 'a', from: 'region' } }], '[0].add.from: must be one of'],
    [
      'add format with a value',
      [{ add: { field: 'a', value: 1, format: 'iso' } }],
      '[0].add: must have property from when property format is present',
    ],
    [
      'timestamp with a bad format',
      [{ timestamp: { fields: ['a'], to: 'unix' } }],
      '[0].timestamp.to: must be one of "iso", "epochMillis", "epochSeconds"',
    ],
    [
      'flatten with an empty separator',
      [{ flatten: { separator: '' } }],
      '[0].flatten.separator: must NOT have fewer than 1 characters',
    ],
    [
      'flatten with a fractional depth',
      [{ flatten: { maxDepth: 1.5 } }],
      '[0].flatten.maxDepth: must be integer',
    ],
    [
      'filter without a condition',
      [{ filter: { name: 'x' } }],
      '[0].filter: must match exactly one schema in oneOf',
    ],
    [
      'filter with two operators',
      [{ filter: { drop: { field: 'a', equals: 1, exists: true } } }],
      '[0].filter.drop: must NOT have more than 2 properties',
    ],
    [
      'filter equals an object',
      [{ filter: { drop: { field: 'a', equals: { b: 1 } } } }],
      '[0].filter.drop.equals: must be string,number,boolean,null',
    ],
    [
      'filter in an empty list',
      [{ filter: { keep: { field: 'a', in: [] } } }],
      '[0].filter.keep.in: must NOT have fewer than 1 items',
    ],
    [
      'filter exists with a string',
      [{ filter: { keep: { field: 'a', exists: 'yes' } } }],
      '[0].filter.keep.exists: must be boolean',
    ],
    ['custom without a name', [{ custom: {} }], "[0].custom.name: must have required property 'name'"],
    [
      'a bad step further down',
      [{ drop: { fields: ['a'] } }, { custom: { name: 'x', with: 1 } }],
      '[1].custom.with: is not an allowed property',
    ],
  ])('rejects %s', (_case, steps, expected) => {
    const result = validate(steps);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssues(result.issues)).toContain(expected);
  });

  it('accepts the transforms block of pipeline.yml, which also compiles', () => {
    // Prepare
    const pipeline = parse(readFileSync(join(__dirname, '../../../pipeline.yml'), 'utf8')) as {
      transforms: TransformStep[];
    };
    // Act
    const result = validate(pipeline.transforms);
    // Assess
    expect(result).toEqual({ ok: true });
    expect(() => compileTransforms(pipeline.transforms, { env: SALT_ENV })).not.toThrow();
  });
});
