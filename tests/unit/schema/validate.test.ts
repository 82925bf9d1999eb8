import { compileValidator, formatIssues, pointerToPath } from '../../../lib/schema/validate';

describe('compileValidator', () => {
  const validate = compileValidator({
    type: 'object',
    required: ['id', 'device'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      device: { type: 'object', required: ['os'], properties: { os: { type: 'string' } } },
      items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
      kind: { enum: ['a', 'b'] },
    },
  });

  it('accepts a valid value', () => {
    expect(validate({ id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', device: { os: 'ios' } })).toEqual({
      ok: true,
    });
  });

  it.each([
    [{ device: { os: 'ios' } }, "id: must have required property 'id'"],
    [{ id: 'x', device: { os: 'ios' } }, 'id: must match format "uuid"'],
    [
      { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', device: {} },
      "device.os: must have required property 'os'",
    ],
    [
      {
        id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
        device: { os: 'ios' },
        items: [{ sku: 'a' }, { sku: 3 }],
      },
      'items[1].sku: must be string',
    ],
    [
      { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', device: { os: 'ios' }, extra: 1 },
      'extra: is not an allowed property',
    ],
    [
      { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', device: { os: 'ios' }, kind: 'c' },
      'kind: must be one of "a", "b"',
    ],
  ])('names the field in %j', (value, expected) => {
    const result = validate(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssues(result.issues)).toContain(expected);
  });

  it('rejects an invalid schema at compile time', () => {
    expect(() => compileValidator({ type: 'nonsense' })).toThrow(/invalid JSON Schema/);
  });
});

describe('pointerToPath', () => {
  it.each([
    ['', ''],
    ['/a', 'a'],
    ['/a/0/b', 'a[0].b'],
    ['/a~1b/c~0d', 'a/b.c~d'],
  ])('%s -> %s', (pointer, path) => expect(pointerToPath(pointer)).toBe(path));
});

describe('date-time format', () => {
  const validate = compileValidator({
    type: 'object',
    properties: { at: { type: 'string', format: 'date-time' } },
  });

  it.each([
    ['2026-11-22T12:00:00.000Z', true],
    ['2024-02-29T23:59:59.999Z', true],
    ['2026-11-22T12:00:00+02:00', true],
    ['2026-11-22T12:00:00.123456Z', true],
    ['2026-02-30T00:00:00.000Z', false],
    ['2026-13-01T00:00:00.000Z', false],
    ['2026-11-22 12:00:00', false],
    ['yesterday', false],
  ])('%s is valid: %s', (at, valid) => {
    expect(validate({ at }).ok).toBe(valid);
  });
});

describe('suggestions', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: { device: { type: 'string' }, kind: { enum: ['alpha', 'beta'] } },
  };
  const value = { devise: 'x', kind: 'alpah' };

  it('are off by default: record errors name the field and the rule only', () => {
    const result = compileValidator(schema)(value);
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'devise', message: 'is not an allowed property' },
      { path: 'kind', message: 'must be one of "alpha", "beta"' },
    ]);
  });

  it('name the close property or value when asked for', () => {
    const result = compileValidator(schema, { suggestions: true })(value);
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'devise', message: 'is not an allowed property (did you mean "device"?)' },
      { path: 'kind', message: 'must be one of "alpha", "beta" (did you mean "alpha"?)' },
    ]);
  });
});
