import { createHmac } from 'node:crypto';
import {
  compileTransforms,
  TransformConfigError,
  type CustomTransform,
  type TransformStep,
} from '../../../lib/transform';
import { customTransforms } from '../../../transforms';
import { contextFactory, okRecord, recordFactory, runSteps, SALT_ENV } from './helpers';

const hmac = (text: string, salt = SALT_ENV.MASK_SALT): string =>
  createHmac('sha256', salt).update(text).digest('hex');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Every built-in step, the way pipeline.yml would list them. */
const ALL_STEPS: TransformStep[] = [
  { timestamp: { fields: ['timestamp'], to: 'epochMillis' } },
  { mask: { fields: ['customer.email'], saltFrom: 'MASK_SALT' } },
  { rename: { from: 'page.url', to: 'url' } },
  { drop: { fields: ['page.path', 'tags'] } },
  { add: { field: 'meta.shard', from: 'shardId' } },
  { filter: { drop: { field: 'event_type', equals: 'heartbeat' } } },
  { flatten: { fields: ['customer'] } },
];

describe('compileTransforms: configuration errors', () => {
  it.each<[string, unknown, string, Record<string, unknown>?]>([
    [
      'a salt variable that is not set',
      [{ drop: { fields: ['a'] } }, { mask: { fields: ['a'], saltFrom: 'MASK_SALT' } }],
      'transforms[1].mask.saltFrom: environment variable MASK_SALT is not set',
      { env: {} },
    ],
    [
      'an empty salt variable',
      [{ mask: { fields: ['a'], saltFrom: 'MASK_SALT' } }],
      'transforms[0].mask.saltFrom: environment variable MASK_SALT is empty',
      { env: { MASK_SALT: '' } },
    ],
    [
      'an unknown custom transform',
      [{ custom: { name: 'geo' } }],
      'transforms[0].custom.name: unknown custom transform "geo"; known: a, b',
      { registry: { b: () => null, a: () => null } },
    ],
    [
      'a custom transform when none is registered',
      [{ custom: { name: 'geo' } }],
      'transforms[0].custom.name: unknown custom transform "geo"; none are registered in transforms/index.ts',
      { registry: {} },
    ],
    [
      'an inherited name as a custom transform',
      [{ custom: { name: 'toString' } }],
      'transforms[0].custom.name: unknown custom transform "toString"; none are registered in transforms/index.ts',
      { registry: {} },
    ],
    [
      'a registry entry that is not a function',
      [{ custom: { name: 'geo' } }],
      'transforms[0].custom.name: custom transform "geo" is not a function',
      { registry: { geo: 5 } },
    ],
    [
      'a __proto__ path',
      [{ drop: { fields: ['a', '__proto__.polluted'] } }],
      'transforms[0].drop.fields[1]: "__proto__.polluted" uses "__proto__", which is not allowed in a path',
    ],
    [
      'a constructor.prototype path',
      [{ add: { field: 'constructor.prototype.polluted', value: 1 } }],
      'transforms[0].add.field: "constructor.prototype.polluted" uses "constructor", which is not allowed in a path',
    ],
    [
      'a prototype path in a rename',
      [{ rename: { from: 'a', to: 'x.prototype' } }],
      'transforms[0].rename.to: "x.prototype" uses "prototype", which is not allowed in a path',
    ],
    [
      'a __proto__ path in a filter',
      [{ filter: { keep: { field: '__proto__', exists: true } } }],
      'transforms[0].filter.keep.field: "__proto__" uses "__proto__", which is not allowed in a path',
    ],
    [
      'a __proto__ path in flatten.fields',
      [{ flatten: { fields: ['ok', 'a.__proto__'] } }],
      'transforms[0].flatten.fields[1]: "a.__proto__" uses "__proto__", which is not allowed in a path',
    ],
    [
      'a rename onto itself',
      [{ rename: { from: 'a.b', to: 'a.b' } }],
      'transforms[0].rename.to: is the same path as from ("a.b")',
    ],
    [
      'a time format on a non-time context field',
      [{ add: { field: 'a', from: 'shardId', format: 'iso' } }],
      'transforms[0].add.format: only applies to ingestionTime and arrivalTime, not shardId',
    ],
    [
      'a misspelt step',
      [{ renmae: { from: 'a', to: 'b' } }],
      'transforms[0].renmae: is not an allowed property',
    ],
    [
      'two steps in one item',
      [{ drop: { fields: ['a'] }, rename: { from: 'a', to: 'b' } }],
      'transforms[0]: must NOT have more than 1 properties',
    ],
    [
      'a misspelt option',
      [{ mask: { fields: ['a'], saltFrom: 'MASK_SALT', salt: 'x' } }],
      'transforms[0].mask.salt: is not an allowed property',
    ],
    [
      'an unknown time format',
      [{ timestamp: { fields: ['a'], to: 'unix' } }],
      'transforms[0].timestamp.to: must be one of "iso", "epochMillis", "epochSeconds"',
    ],
    [
      'an empty path segment',
      [{ drop: { fields: ['a..b'] } }],
      'transforms[0].drop.fields[0]: must match pattern',
    ],
    [
      'an empty field list',
      [{ drop: { fields: [] } }],
      'transforms[0].drop.fields: must NOT have fewer than 1 items',
    ],
    ['a zero maxDepth', [{ flatten: { maxDepth: 0 } }], 'transforms[0].flatten.maxDepth: must be >= 1'],
    [
      'add with both value and from',
      [{ add: { field: 'a', value: 1, from: 'shardId' } }],
      'transforms[0].add: must match exactly one schema in oneOf',
    ],
    [
      'a filter with drop and keep',
      [{ filter: { drop: { field: 'a', exists: true }, keep: { field: 'a', exists: true } } }],
      'transforms[0].filter: must match exactly one schema in oneOf',
    ],
    [
      'a condition without an operator',
      [{ filter: { drop: { field: 'a' } } }],
      'transforms[0].filter.drop: must match a schema in anyOf',
    ],
    [
      'a condition with an unknown operator',
      [{ filter: { drop: { field: 'a', matches: 'x' } } }],
      'transforms[0].filter.drop.matches: is not an allowed property',
    ],
    ['steps that are not a list', { drop: { fields: ['a'] } }, 'transforms: must be array'],
    ['a bad inPlace option', [], 'options.inPlace: must be a boolean', { inPlace: 'yes' }],
  ])('rejects %s', (_case, steps, expected, options = { env: SALT_ENV }) => {
    // Act
    const compile = () => compileTransforms(steps as TransformStep[], options);
    // Assess
    expect(compile).toThrow(TransformConfigError);
    expect(compile).toThrow(expected);
  });

  it('reads the salt once, at compile time', () => {
    // Prepare
    const env: NodeJS.ProcessEnv = { MASK_SALT: 'first' };
    const transform = compileTransforms([{ mask: { fields: ['a'], saltFrom: 'MASK_SALT' } }], { env });
    // Act
    env.MASK_SALT = 'second';
    const record = okRecord(transform({ a: 'x' }, contextFactory()));
    // Assess
    expect(record.a).toBe(hmac('x', 'first'));
  });

  it('reads process.env by default', () => {
    process.env.TRANSFORM_TEST_SALT = 'from-process';
    try {
      const transform = compileTransforms([{ mask: { fields: ['a'], saltFrom: 'TRANSFORM_TEST_SALT' } }]);
      expect(okRecord(transform({ a: 'x' }, contextFactory())).a).toBe(hmac('x', 'from-process'));
    } finally {
      delete process.env.TRANSFORM_TEST_SALT;
    }
  });
});

describe('compileTransforms: running steps', () => {
  it.each<[string, TransformStep[], Record<string, unknown>]>([
    [
      'rename then mask masks the new name',
      [
        { rename: { from: 'email', to: 'contact' } },
        { mask: { fields: ['contact'], saltFrom: 'MASK_SALT' } },
      ],
      { contact: hmac('a@b.c') },
    ],
    [
      'mask then rename masks nothing (the field is not there yet)',
      [
        { mask: { fields: ['contact'], saltFrom: 'MASK_SALT' } },
        { rename: { from: 'email', to: 'contact' } },
      ],
      { contact: 'a@b.c' },
    ],
    [
      'add then filter sees the added field',
      [{ add: { field: 'keep', value: true } }, { filter: { keep: { field: 'keep', equals: true } } }],
      { email: 'a@b.c', keep: true },
    ],
  ])('applies steps in order: %s', (_case, steps, expected) => {
    expect(okRecord(runSteps(steps, { email: 'a@b.c' }))).toEqual(expected);
  });

  it('runs every built-in step on a clickstream record', () => {
    // Act
    const outcome = runSteps(ALL_STEPS, recordFactory());
    // Assess
    expect(okRecord(outcome)).toEqual({
      event_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      event_type: 'click',
      session_id: 's-1',
      timestamp: Date.UTC(2024, 4, 1, 11, 59, 57),
      page: {},
      url: 'https://shop.example/p/1',
      meta: { shard: 'shardId-000000000001' },
      customer_email: hmac('ada@example.com'),
      customer_segment: 'vip',
    });
  });

  it('stops at the first failure and names the step', () => {
    // Prepare
    const later = jest.fn<ReturnType<CustomTransform>, Parameters<CustomTransform>>((record) => record);
    const steps: TransformStep[] = [
      { drop: { fields: ['x'] } },
      { timestamp: { fields: ['timestamp'], to: 'iso' } },
      { custom: { name: 'later' } },
    ];
    // Act
    const outcome = runSteps(steps, recordFactory({ timestamp: 'soon' }), contextFactory(), {
      registry: { later },
    });
    // Assess
    expect(outcome.kind === 'failed' && outcome.message).toMatch(
      /^transforms\[1\]\.timestamp: field "timestamp"/,
    );
    expect(later).not.toHaveBeenCalled();
  });

  it('stops at a drop', () => {
    const later = jest.fn<ReturnType<CustomTransform>, Parameters<CustomTransform>>((record) => record);
    const steps: TransformStep[] = [
      { filter: { name: 'only-purchases', keep: { field: 'event_type', equals: 'purchase' } } },
      { custom: { name: 'later' } },
    ];
    expect(runSteps(steps, recordFactory(), contextFactory(), { registry: { later } })).toEqual({
      kind: 'dropped',
      rule: 'only-purchases',
    });
    expect(later).not.toHaveBeenCalled();
  });

  it.each<[string, unknown, string]>([
    ['an array', [1], 'an array'],
    ['a string', 'text', 'a string'],
    ['null', null, 'null'],
  ])('fails a record that is %s', (_case, record, kind) => {
    const outcome = runSteps([{ drop: { fields: ['a'] } }], record as Record<string, unknown>);
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'transform-failed',
      message: `transforms: the record is ${kind}, not a JSON object`,
    });
  });

  it('passes records through unchanged when there are no steps', () => {
    const record = recordFactory();
    expect(compileTransforms([])(record, contextFactory())).toEqual({ kind: 'ok', record, changed: false });
  });
});

describe('compileTransforms: the caller’s record', () => {
  it('is not modified (copy-on-write by default)', () => {
    // Prepare
    const input = deepFreeze(recordFactory());
    const before = structuredClone(input);
    // Act
    const outcome = runSteps([...ALL_STEPS, { flatten: {} }], input);
    // Assess
    expect(outcome.kind).toBe('ok');
    expect(input).toEqual(before);
  });

  it('shares the objects no step touched', () => {
    // Prepare
    const input = recordFactory();
    // Act
    const output = okRecord(
      runSteps([{ mask: { fields: ['customer.email'], saltFrom: 'MASK_SALT' } }], input),
    );
    // Assess
    expect(output).not.toBe(input);
    expect(output.customer).not.toBe(input.customer);
    expect(output.page).toBe(input.page);
    expect(output.tags).toBe(input.tags);
  });

  it('is edited in place with inPlace: true', () => {
    // Prepare
    const input = recordFactory();
    // Act
    const output = okRecord(runSteps(ALL_STEPS, input, contextFactory(), { env: SALT_ENV, inPlace: true }));
    // Assess
    expect(output).toBe(input);
    expect(input.customer_email).toBe(hmac('ada@example.com'));
  });
});

describe('compileTransforms: prototype pollution', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('keeps __proto__ keys from JSON.parse as plain data through every step', () => {
    // Prepare
    const json =
      '{"__proto__":{"polluted":"top"},"nested":{"__proto__":{"polluted":"nested"},"x":1},' +
      '"list":[{"__proto__":{"polluted":"list"}}],"timestamp":0,"email":"e"}';
    const steps: TransformStep[] = [
      { timestamp: { fields: ['timestamp'], to: 'iso' } },
      { mask: { fields: ['email'], saltFrom: 'MASK_SALT' } },
      { rename: { from: 'nested', to: 'moved.nested' } },
      { add: { field: 'moved.nested.y', value: 2 } },
      { custom: { name: 'identity' } },
      { drop: { fields: ['moved.nested.x'] } },
      { flatten: {} },
    ];
    // Act
    const output = okRecord(
      runSteps(steps, JSON.parse(json), contextFactory(), {
        env: SALT_ENV,
        registry: { identity: (r) => r },
      }),
    );
    // Assess
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.keys(output).sort()).toEqual(
      [
        '__proto___polluted',
        'email',
        'list',
        'moved_nested___proto___polluted',
        'moved_nested_y',
        'timestamp',
      ].sort(),
    );
    expect(output.moved_nested___proto___polluted).toBe('nested');
  });

  it('keeps a top-level __proto__ key that flatten cannot descend into as an own property', () => {
    const output = okRecord(runSteps([{ flatten: {} }], JSON.parse('{"__proto__":[1],"a":{"b":1}}')));
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual([1]);
  });

  it('does not read inherited properties as fields', () => {
    const outcome = runSteps([{ rename: { from: 'toString', to: 'name' } }], { id: 1 });
    expect(okRecord(outcome)).toEqual({ id: 1 });
  });
});

describe('custom transforms', () => {
  const context = contextFactory();

  it.each<[string, CustomTransform, unknown]>([
    [
      'an edited record',
      (record) => Object.assign(record, { extra: 1 }),
      { kind: 'ok', record: { a: 1, extra: 1 }, changed: true },
    ],
    ['a new record', (record) => ({ b: record.a }), { kind: 'ok', record: { b: 1 }, changed: true }],
    ['null (dropped)', () => null, { kind: 'dropped', rule: 'transforms[0].custom(fn)' }],
    [
      'a thrown Error',
      () => {
        throw new Error('kaboom');
      },
      { kind: 'failed', reason: 'transform-failed', message: 'transforms[0].custom(fn): threw: kaboom' },
    ],
    [
      'a thrown string',
      () => {
        throw 'nope';
      },
      { kind: 'failed', reason: 'transform-failed', message: 'transforms[0].custom(fn): threw: nope' },
    ],
    [
      'undefined (a forgotten return)',
      (() => undefined) as unknown as CustomTransform,
      {
        kind: 'failed',
        reason: 'transform-failed',
        message: 'transforms[0].custom(fn): returned undefined; return the record or null',
      },
    ],
    [
      'a Promise',
      (async (record: Record<string, unknown>) => record) as unknown as CustomTransform,
      {
        kind: 'failed',
        reason: 'transform-failed',
        message: 'transforms[0].custom(fn): returned a Promise; custom transforms are synchronous',
      },
    ],
    [
      'an array',
      (() => [1]) as unknown as CustomTransform,
      {
        kind: 'failed',
        reason: 'transform-failed',
        message: 'transforms[0].custom(fn): returned an array; return the record or null',
      },
    ],
  ])('handles %s', (_case, fn, expected) => {
    expect(runSteps([{ custom: { name: 'fn' } }], { a: 1 }, context, { registry: { fn } })).toEqual(expected);
  });

  it('receives the record context', () => {
    // Prepare
    const fn = jest.fn<ReturnType<CustomTransform>, Parameters<CustomTransform>>((record) => record);
    // Act
    runSteps([{ custom: { name: 'fn' } }], { a: 1 }, context, { registry: { fn } });
    // Assess
    expect(fn).toHaveBeenCalledWith({ a: 1 }, context);
  });

  it("may edit nested objects without touching the caller's record", () => {
    // Prepare
    const input = recordFactory();
    const fn: CustomTransform = (record) => {
      (record.customer as Record<string, unknown>).email = 'hidden';
      (record.tags as string[]).push('c');
      return record;
    };
    // Act
    const output = okRecord(runSteps([{ custom: { name: 'fn' } }], input, context, { registry: { fn } }));
    // Assess
    expect(output.customer).toEqual({ email: 'hidden', segment: 'vip' });
    expect(input).toEqual(recordFactory());
  });

  it('keeps later steps from editing objects the function shares between records', () => {
    // Prepare
    const geo = { city: 'Lyon', country: 'FR' };
    const fn: CustomTransform = (record) => ({ ...record, geo });
    const steps: TransformStep[] = [
      { custom: { name: 'fn' } },
      { mask: { fields: ['geo.city'], saltFrom: 'MASK_SALT' } },
    ];
    // Act
    const output = okRecord(
      runSteps(steps, { a: 1 }, context, { env: SALT_ENV, registry: { fn }, inPlace: true }),
    );
    // Assess
    expect(output.geo).toEqual({ city: hmac('Lyon'), country: 'FR' });
    expect(geo).toEqual({ city: 'Lyon', country: 'FR' });
  });

  describe('the shipped example, amountInUsd (transforms/index.ts)', () => {
    const transform = compileTransforms([{ custom: { name: 'amountInUsd' } }], {
      registry: customTransforms,
    });

    it.each<[Record<string, unknown>, Record<string, unknown>]>([
      [
        { amount: 10, currency: 'EUR' },
        { amount: 10, currency: 'EUR', amount_usd: 10.8 },
      ],
      [
        { amount: 3, currency: 'USD' },
        { amount: 3, currency: 'USD', amount_usd: 3 },
      ],
      [{ event_type: 'click' }, { event_type: 'click' }],
    ])('converts %j', (input, expected) => {
      expect(okRecord(transform(input, context))).toEqual(expected);
    });

    it('fails a record in an unknown currency', () => {
      expect(transform({ amount: 1, currency: 'XXX' }, context)).toEqual({
        kind: 'failed',
        reason: 'transform-failed',
        message: 'transforms[0].custom(amountInUsd): threw: no USD rate for currency "XXX"',
      });
    });

    it('is listed when a name is unknown', () => {
      expect(() => compileTransforms([{ custom: { name: 'nope' } }], { registry: customTransforms })).toThrow(
        /known: .*amountInUsd/,
      );
    });
  });
});
