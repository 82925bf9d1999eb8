import { createHmac } from 'node:crypto';
import { compileTransforms, type StepConfigs, type TransformStep } from '../../../lib/transform';
import { INGESTION_TIME, contextFactory, okRecord, recordFactory, runSteps, SALT_ENV } from './helpers';

const hmac = (text: string, salt = SALT_ENV.MASK_SALT): string =>
  createHmac('sha256', salt).update(text).digest('hex');

describe('rename', () => {
  it.each<[string, string, Record<string, unknown>, Record<string, unknown>]>([
    ['top-level', 'session_id → session', { session_id: 's', a: 1 }, { session: 's', a: 1 }],
    ['into a new object', 'session_id → meta.session', { session_id: 's' }, { meta: { session: 's' } }],
    ['into an existing object', 'x → page.x', { x: 1, page: { url: 'u' } }, { page: { url: 'u', x: 1 } }],
    [
      'out of an object',
      'page.url → url',
      { page: { url: 'u', path: 'p' } },
      { page: { path: 'p' }, url: 'u' },
    ],
    ['over an existing field', 'a → b', { a: 1, b: 2 }, { b: 1 }],
    ['an object value', 'page → location', { page: { url: 'u' } }, { location: { url: 'u' } }],
    ['to a child of itself', 'a → a.b', { a: 5 }, { a: { b: 5 } }],
    ['an absent field (no-op)', 'nope → other', { a: 1 }, { a: 1 }],
    ['a null value', 'a → b', { a: null }, { b: null }],
  ])('renames %s (%s)', (_case, spec, input, expected) => {
    // Prepare
    const [from, to] = spec.split(' → ') as [string, string];
    // Act
    const outcome = runSteps([{ rename: { from, to } }], input);
    // Assess
    expect(okRecord(outcome)).toEqual(expected);
  });

  it('fails the record when the target parent is not an object', () => {
    const outcome = runSteps([{ rename: { from: 'a', to: 'b.c' } }], { a: 1, b: 'text' });
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'transform-failed',
      message: 'transforms[0].rename: cannot write "b.c": "b" is a string, not an object',
    });
  });
});

describe('drop', () => {
  it.each<[string[], Record<string, unknown>, Record<string, unknown>]>([
    [['a'], { a: 1, b: 2 }, { b: 2 }],
    [['a', 'b'], { a: 1, b: 2, c: 3 }, { c: 3 }],
    [['page.url'], { page: { url: 'u', path: 'p' } }, { page: { path: 'p' } }],
    [['page'], { page: { url: 'u' }, a: 1 }, { a: 1 }],
    [['missing', 'page.missing', 'a.b.c'], { a: 1, page: {} }, { a: 1, page: {} }],
  ])('drops %j', (fields, input, expected) => {
    expect(okRecord(runSteps([{ drop: { fields } }], input))).toEqual(expected);
  });
});

describe('mask', () => {
  it.each<[string, unknown, unknown]>([
    ['a string', 'ada@example.com', hmac('ada@example.com')],
    ['a number (its text)', 42, hmac('42')],
    ['a boolean (its text)', true, hmac('true')],
    ['null (kept)', null, null],
  ])('masks %s', (_case, value, expected) => {
    const outcome = runSteps([{ mask: { fields: ['customer.email'], saltFrom: 'MASK_SALT' } }], {
      customer: { email: value, segment: 'vip' },
    });
    expect(okRecord(outcome)).toEqual({ customer: { email: expected, segment: 'vip' } });
  });

  it('maps equal inputs to equal tokens and different inputs or salts to different ones', () => {
    // Prepare
    const steps: TransformStep[] = [{ mask: { fields: ['a', 'b', 'c'], saltFrom: 'MASK_SALT' } }];
    // Act
    const first = okRecord(runSteps(steps, { a: 'x', b: 'x', c: 'y' }));
    const otherSalt = okRecord(
      runSteps(steps, { a: 'x' }, contextFactory(), { env: { MASK_SALT: 'salt-2' } }),
    );
    // Assess
    expect(first.a).toBe(first.b);
    expect(first.a).not.toBe(first.c);
    expect(otherSalt.a).not.toBe(first.a);
    expect(otherSalt.a).toBe(hmac('x', 'salt-2'));
  });

  it('leaves an absent field absent', () => {
    const outcome = runSteps([{ mask: { fields: ['customer.phone'], saltFrom: 'MASK_SALT' } }], { id: 1 });
    expect(okRecord(outcome)).toEqual({ id: 1 });
  });

  it.each([
    [{ customer: { name: 'x' } }, 'field "customer" is an object'],
    [{ customer: ['x'] }, 'field "customer" is an array'],
  ])('fails the record when the value is not a scalar: %j', (input, expected) => {
    const outcome = runSteps([{ mask: { fields: ['customer'], saltFrom: 'MASK_SALT' } }], input);
    expect(outcome.kind).toBe('failed');
    if (outcome.kind === 'failed')
      expect(outcome.message).toBe(`transforms[0].mask: ${expected}; mask its leaf fields instead`);
  });
});

describe('add', () => {
  it.each<[string, StepConfigs['add'], unknown]>([
    ['a string constant', { field: 'source', value: 'web' }, 'web'],
    ['a number constant', { field: 'source', value: 3 }, 3],
    ['a null constant', { field: 'source', value: null }, null],
    ['an object constant', { field: 'source', value: { a: [1] } }, { a: [1] }],
    [
      'ingestionTime (iso by default)',
      { field: 'source', from: 'ingestionTime' },
      '2024-05-01T12:00:00.000Z',
    ],
    [
      'ingestionTime as epochMillis',
      { field: 'source', from: 'ingestionTime', format: 'epochMillis' },
      1714564800000,
    ],
    [
      'arrivalTime as epochSeconds',
      { field: 'source', from: 'arrivalTime', format: 'epochSeconds' },
      1714564798,
    ],
    [
      'arrivalTime as epochMillis',
      { field: 'source', from: 'arrivalTime', format: 'epochMillis' },
      1714564798250,
    ],
    ['arrivalTime', { field: 'source', from: 'arrivalTime' }, '2024-05-01T11:59:58.250Z'],
    ['shardId', { field: 'source', from: 'shardId' }, 'shardId-000000000001'],
    ['sequenceNumber', { field: 'source', from: 'sequenceNumber' }, contextFactory().sequenceNumber],
    ['subSequenceNumber', { field: 'source', from: 'subSequenceNumber' }, 3],
    ['partitionKey', { field: 'source', from: 'partitionKey' }, 'customer-42'],
  ])('adds %s', (_case, config, expected) => {
    const outcome = runSteps([{ add: config }], { id: 1 });
    expect(okRecord(outcome)).toEqual({ id: 1, source: expected });
  });

  it('adds at a nested path, creating the parent', () => {
    const outcome = runSteps([{ add: { field: 'meta.shard', from: 'shardId' } }], { meta: { a: 1 } });
    expect(okRecord(outcome)).toEqual({ meta: { a: 1, shard: 'shardId-000000000001' } });
  });

  it.each(['arrivalTime', 'shardId', 'sequenceNumber', 'subSequenceNumber', 'partitionKey'] as const)(
    'leaves the field absent when the context has no %s',
    (from) => {
      const outcome = runSteps([{ add: { field: 'x', from } }], { id: 1 }, { ingestionTime: INGESTION_TIME });
      expect(okRecord(outcome)).toEqual({ id: 1 });
    },
  );

  it('gives each record its own copy of an object constant', () => {
    // Prepare
    const transform = compileTransforms([{ add: { field: 'meta', value: { tags: ['x'] } } }]);
    // Act
    const first = okRecord(transform({ id: 1 }, contextFactory()));
    (first.meta as { tags: string[] }).tags.push('changed');
    const second = okRecord(transform({ id: 2 }, contextFactory()));
    // Assess
    expect(second.meta).toEqual({ tags: ['x'] });
  });

  it('formats each record’s own ingestion time', () => {
    // Prepare
    const transform = compileTransforms([
      { add: { field: 'at', from: 'ingestionTime', format: 'epochSeconds' } },
    ]);
    // Act
    const first = okRecord(transform({}, contextFactory({ ingestionTime: new Date(1000) })));
    const second = okRecord(transform({}, contextFactory({ ingestionTime: new Date(2000) })));
    const third = okRecord(transform({}, contextFactory({ ingestionTime: new Date(2000) })));
    // Assess
    expect([first.at, second.at, third.at]).toEqual([1, 2, 2]);
  });

  it('fails the record when the context time is not a valid Date', () => {
    const outcome = runSteps(
      [{ add: { field: 'x', from: 'ingestionTime' } }],
      {},
      { ingestionTime: new Date('nope') },
    );
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'transform-failed',
      message: 'transforms[0].add: context.ingestionTime is not a valid Date',
    });
  });
});

describe('timestamp', () => {
  const MILLIS = Date.UTC(2024, 4, 1, 11, 59, 57, 123);
  it.each<[string, unknown, string, unknown]>([
    ['ISO with Z', '2024-05-01T11:59:57.123Z', 'epochMillis', MILLIS],
    ['ISO with offset', '2024-05-01T13:59:57.123+02:00', 'iso', '2024-05-01T11:59:57.123Z'],
    ['epoch seconds number', 1714564797, 'iso', '2024-05-01T11:59:57.000Z'],
    ['fractional epoch seconds', 1714564797.123, 'epochMillis', MILLIS],
    ['epoch millis number', MILLIS, 'iso', '2024-05-01T11:59:57.123Z'],
    ['epoch millis string', String(MILLIS), 'epochSeconds', 1714564797],
    ['epoch seconds string', '1714564797', 'epochMillis', 1714564797000],
  ])('converts %s', (_case, value, to, expected) => {
    const outcome = runSteps([{ timestamp: { fields: ['ts'], to } } as TransformStep], { ts: value });
    expect(okRecord(outcome)).toEqual({ ts: expected });
  });

  it('converts several and nested fields', () => {
    const outcome = runSteps([{ timestamp: { fields: ['a', 'b.c'], to: 'epochSeconds' } }], {
      a: '2024-05-01T00:00:00Z',
      b: { c: 1714521600000 },
    });
    expect(okRecord(outcome)).toEqual({ a: 1714521600, b: { c: 1714521600 } });
  });

  it('keeps canonical ISO text as it is', () => {
    const input = { ts: '2026-11-22T12:00:00.000Z' };
    expect(okRecord(runSteps([{ timestamp: { fields: ['ts'], to: 'iso' } }], input))).toEqual(input);
  });

  it.each([undefined, null])('leaves %s as it is', (value) => {
    const input = value === undefined ? { id: 1 } : { id: 1, ts: value };
    expect(okRecord(runSteps([{ timestamp: { fields: ['ts'], to: 'iso' } }], input))).toEqual(input);
  });

  it.each<[unknown, string]>([
    ['yesterday', '"yesterday"'],
    ['2024-02-30T00:00:00Z', '"2024-02-30T00:00:00Z"'],
    // The shape toISOString writes, which takes the fast path: the date must still be real.
    ['2024-02-30T00:00:00.000Z', '"2024-02-30T00:00:00.000Z"'],
    ['2024-13-01T00:00:00.000Z', '"2024-13-01T00:00:00.000Z"'],
    [true, 'a boolean'],
    [{ at: 1 }, 'an object'],
    [1e20, '100000000000000000000'],
    ['x'.repeat(100), `"${'x'.repeat(36)}...`],
  ])('fails the record on %j, naming the field', (value, shown) => {
    const outcome = runSteps([{ timestamp: { fields: ['meta.ts'], to: 'iso' } }], { meta: { ts: value } });
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'transform-failed',
      message: `transforms[0].timestamp: field "meta.ts": ${shown} is not an ISO-8601 date-time, epoch seconds or epoch milliseconds`,
    });
  });
});

describe('flatten', () => {
  const nested = {
    id: 1,
    page: { url: 'u', meta: { lang: 'en', tags: ['x'] } },
    empty: {},
    list: [{ a: 1 }],
  };

  it.each<[string, TransformStep, Record<string, unknown>]>([
    [
      'everything, with the default separator',
      { flatten: {} },
      { id: 1, page_url: 'u', page_meta_lang: 'en', page_meta_tags: ['x'], empty: {}, list: [{ a: 1 }] },
    ],
    [
      'with another separator',
      { flatten: { separator: '.' } },
      {
        id: 1,
        'page.url': 'u',
        'page.meta.lang': 'en',
        'page.meta.tags': ['x'],
        empty: {},
        list: [{ a: 1 }],
      },
    ],
    [
      'one level (maxDepth 1)',
      { flatten: { maxDepth: 1 } },
      { id: 1, page_url: 'u', page_meta: { lang: 'en', tags: ['x'] }, empty: {}, list: [{ a: 1 }] },
    ],
    [
      'only the named fields',
      { flatten: { fields: ['page'] } },
      { id: 1, page_url: 'u', page_meta_lang: 'en', page_meta_tags: ['x'], empty: {}, list: [{ a: 1 }] },
    ],
    [
      'a nested field to the top level',
      { flatten: { fields: ['page.meta'] } },
      { id: 1, page: { url: 'u' }, page_meta_lang: 'en', page_meta_tags: ['x'], empty: {}, list: [{ a: 1 }] },
    ],
    [
      'fields that are absent or not objects (no-op)',
      { flatten: { fields: ['id', 'nope', 'list'] } },
      nested,
    ],
  ])('flattens %s', (_case, step, expected) => {
    expect(okRecord(runSteps([step], structuredClone(nested)))).toEqual(expected);
  });

  it.each<[TransformStep, Record<string, unknown>, string]>([
    [{ flatten: {} }, { a_b: 1, a: { b: 2 } }, 'a_b'],
    [{ flatten: {} }, { a: { b: 2 }, a_b: 1 }, 'a_b'],
    [{ flatten: { fields: ['a'] } }, { a_b: 1, a: { b: 2 } }, 'a_b'],
  ])('fails the record on a key collision (%j on %j)', (step, input, key) => {
    expect(runSteps([step], input)).toEqual({
      kind: 'failed',
      reason: 'transform-failed',
      message: `transforms[0].flatten: key "${key}" already exists; flattening would overwrite it`,
    });
  });
});

describe('filter', () => {
  it.each<[string, TransformStep, Record<string, unknown>, boolean]>([
    [
      'drop equals (match)',
      { filter: { drop: { field: 'event_type', equals: 'heartbeat' } } },
      { event_type: 'heartbeat' },
      true,
    ],
    [
      'drop equals (no match)',
      { filter: { drop: { field: 'event_type', equals: 'heartbeat' } } },
      { event_type: 'click' },
      false,
    ],
    ['drop equals is strict', { filter: { drop: { field: 'n', equals: 1 } } }, { n: '1' }, false],
    ['drop equals null', { filter: { drop: { field: 'n', equals: null } } }, { n: null }, true],
    ['drop equals on an absent field', { filter: { drop: { field: 'n', equals: null } } }, {}, false],
    ['drop in (match)', { filter: { drop: { field: 'e', in: ['a', 'b'] } } }, { e: 'b' }, true],
    ['drop in (no match)', { filter: { drop: { field: 'e', in: ['a', 'b'] } } }, { e: 'c' }, false],
    [
      'drop in, nested field',
      { filter: { drop: { field: 'd.type', in: ['bot'] } } },
      { d: { type: 'bot' } },
      true,
    ],
    [
      'drop exists true (present)',
      { filter: { drop: { field: 'debug', exists: true } } },
      { debug: 1 },
      true,
    ],
    [
      'drop exists true (null counts)',
      { filter: { drop: { field: 'debug', exists: true } } },
      { debug: null },
      true,
    ],
    ['drop exists true (absent)', { filter: { drop: { field: 'debug', exists: true } } }, {}, false],
    ['drop exists false (absent)', { filter: { drop: { field: 'id', exists: false } } }, {}, true],
    ['keep equals (match)', { filter: { keep: { field: 'env', equals: 'prod' } } }, { env: 'prod' }, false],
    ['keep equals (no match)', { filter: { keep: { field: 'env', equals: 'prod' } } }, { env: 'dev' }, true],
    ['keep in (absent)', { filter: { keep: { field: 'env', in: ['prod'] } } }, {}, true],
    ['keep exists (present)', { filter: { keep: { field: 'id', exists: true } } }, { id: 0 }, false],
    ['inherited names are not fields', { filter: { keep: { field: 'toString', exists: true } } }, {}, true],
  ])('%s', (_case, step, input, dropped) => {
    const outcome = runSteps([step], input);
    expect(outcome).toEqual(
      dropped
        ? { kind: 'dropped', rule: 'transforms[0].filter' }
        : { kind: 'ok', record: input, changed: false },
    );
  });

  it("reports the rule's name when it has one", () => {
    const outcome = runSteps(
      [{ filter: { name: 'no-heartbeats', drop: { field: 'event_type', equals: 'heartbeat' } } }],
      recordFactory({ event_type: 'heartbeat' }),
    );
    expect(outcome).toEqual({ kind: 'dropped', rule: 'no-heartbeats' });
  });
});

describe('changed: whether a step wrote or removed anything', () => {
  it.each<[string, TransformStep, Record<string, unknown>, boolean]>([
    ['rename of a present field', { rename: { from: 'a', to: 'b' } }, { a: 1 }, true],
    ['rename of an absent field', { rename: { from: 'x', to: 'b' } }, { a: 1 }, false],
    ['drop of a present field', { drop: { fields: ['a'] } }, { a: 1 }, true],
    ['drop of an absent nested field', { drop: { fields: ['p.q'] } }, { a: 1, p: {} }, false],
    ['mask of a value', { mask: { fields: ['a'], saltFrom: 'MASK_SALT' } }, { a: 'x' }, true],
    ['mask of null', { mask: { fields: ['a'], saltFrom: 'MASK_SALT' } }, { a: null }, false],
    ['add of a constant', { add: { field: 'c', value: 1 } }, {}, true],
    ['add of the ingestion time', { add: { field: 'c', from: 'ingestionTime' } }, {}, true],
    ['add of absent metadata', { add: { field: 'c', from: 'shardId' } }, {}, false],
    [
      'timestamp already canonical',
      { timestamp: { fields: ['t'], to: 'iso' } },
      { t: '2026-11-22T12:00:00.000Z' },
      false,
    ],
    ['timestamp from epoch seconds', { timestamp: { fields: ['t'], to: 'iso' } }, { t: 1_700_000_000 }, true],
    ['flatten of the whole record', { flatten: {} }, { a: 1 }, true],
    ['flatten of an absent field', { flatten: { fields: ['p'] } }, { a: 1 }, false],
    ['filter that keeps', { filter: { keep: { field: 'a', exists: true } } }, { a: 1 }, false],
  ])('%s', (_case, step, input, changed) => {
    const context = contextFactory({ shardId: undefined });
    for (const inPlace of [false, true]) {
      const outcome = runSteps([step], structuredClone(input), context, { env: SALT_ENV, inPlace });
      expect(outcome).toMatchObject({ kind: 'ok', changed });
    }
  });

  it('is true when a custom transform ran, whatever it did', () => {
    const outcome = compileTransforms([{ custom: { name: 'same' } }], {
      registry: { same: (record) => record },
    })({ a: 1 }, contextFactory());
    expect(outcome).toMatchObject({ kind: 'ok', changed: true });
  });
});
