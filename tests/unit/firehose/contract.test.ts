import { firehoseTransformationEvent } from '../../../lib/events/factories';
import {
  checkTransformationResponse,
  FIREHOSE_ERROR_CODES as C,
  LAMBDA_MAX_RESPONSE_BYTES,
  PROJECT_CONTRACT,
  SERVICE_CONTRACT,
  type ContractProblem,
} from '../../../lib/firehose';

const event = firehoseTransformationEvent([{ data: '{"a":1}' }, { data: '{"a":2}' }, { data: '{"a":3}' }]);
const ids = event.records.map((record) => record.recordId);
const [a, b, c] = ids as [string, string, string];
const okData = Buffer.from('{"a":1}\n').toString('base64');
const dropped = (recordId: string) => ({ recordId, result: 'Dropped' });
const strict = (response: unknown) => checkTransformationResponse(ids, response, PROJECT_CONTRACT).problems;
const service = (response: unknown) => checkTransformationResponse(ids, response, SERVICE_CONTRACT).problems;
const codes = (problems: ContractProblem[]) => problems.map((problem) => problem.code);

describe('checkTransformationResponse with the project profile', () => {
  it('accepts every record once, in order, and returns them checked in input order', () => {
    // Prepare
    const response = {
      records: [
        { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { k: 'v' } } },
        dropped(b),
        { recordId: c, result: 'ProcessingFailed' },
      ],
    };

    // Act
    const report = checkTransformationResponse(ids, response, PROJECT_CONTRACT);

    // Assess
    expect(report.problems).toHaveLength(0);
    expect(report).toEqual({
      problems: [],
      records: [
        { result: 'Ok', data: Buffer.from('{"a":1}\n'), partitionKeys: { k: 'v' } },
        { result: 'Dropped' },
        { result: 'ProcessingFailed' },
      ],
    });
  });

  it.each<[string, unknown, string[]]>([
    ['no records array', { items: [] }, [C.jsonProcessing]],
    ['a missing record', { records: [dropped(a), dropped(b)] }, [C.missingRecordId]],
    ['a repeated record', { records: [a, b, c, c].map(dropped) }, [C.duplicatedRecordId]],
    ['an unknown record', { records: [a, b, c, 'zzz'].map(dropped) }, [C.missingRecordId]],
    [
      'an unknown result on every record',
      { records: [a, b, c].map((recordId) => ({ recordId, result: 'Skipped' })) },
      [C.jsonProcessing, C.jsonProcessing, C.jsonProcessing],
    ],
    [
      'Ok without data, and a record never returned',
      { records: [{ recordId: a, result: 'Ok' }, dropped(b)] },
      [C.jsonProcessing, C.missingRecordId],
    ],
    [
      'data that is not base64',
      { records: [{ recordId: a, result: 'Ok', data: '{"a":1}' }, dropped(b), dropped(c)] },
      [C.jsonProcessing],
    ],
    [
      'a partition key that is a number',
      {
        records: [
          { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { k: 1 } } },
          dropped(b),
          dropped(c),
        ],
      },
      [C.looseMetadata],
    ],
    ['records out of order', { records: [b, a, c].map(dropped) }, [C.recordOutOfOrder]],
  ])('reports %s, and only that', (_case, response, expected) => {
    // Act / Assess
    expect(codes(strict(response))).toEqual(expected);
  });

  it('names the first record out of order and where it belongs', () => {
    // Act
    const problems = strict({ records: [a, c, b].map(dropped) });

    // Assess
    expect(problems).toEqual([
      {
        code: C.recordOutOfOrder,
        message: `records[1] is recordId ${c}, input position 2: keep the input order`,
      },
    ]);
  });

  it('does not add an order complaint to a response that already breaks the contract', () => {
    // Act / Assess: b is repeated; the shifted positions are not a second problem.
    expect(codes(strict({ records: [b, b, a, c].map(dropped) }))).toEqual([C.duplicatedRecordId]);
  });

  it('holds a response over the guard but under Lambda’s limit to the guard, and only the guard', () => {
    // Prepare
    const response = { records: [a, b, c].map((recordId) => ({ recordId, result: 'Ok', data: okData })) };
    const size = Buffer.byteLength(JSON.stringify(response));

    // Act
    const atGuard = checkTransformationResponse(ids, response, {
      ...PROJECT_CONTRACT,
      maxResponseBytes: size,
    });
    const overGuard = checkTransformationResponse(ids, response, {
      ...PROJECT_CONTRACT,
      maxResponseBytes: size - 1,
    });

    // Assess
    expect(atGuard.problems).toEqual([]);
    expect(overGuard.problems).toEqual([
      {
        code: C.responseOverGuard,
        message: `response is ${size} bytes, over the ${size - 1}-byte guard (Lambda's limit is ${LAMBDA_MAX_RESPONSE_BYTES})`,
      },
    ]);
  });

  it('reports a response over Lambda’s own limit as the function error Lambda raises', () => {
    // Prepare: base64 of 4.8 MB is 6.4 MB of text.
    const response = {
      records: [{ recordId: a, result: 'Ok', data: Buffer.from('é'.repeat(2_400_000)).toString('base64') }],
    };

    // Act / Assess
    expect(codes(strict(response))).toEqual([C.functionError]);
    expect(PROJECT_CONTRACT.maxResponseBytes).toBe(6_000_000);
  });
});

describe('the service profile differs from the project profile only in the strict rules', () => {
  it.each<[string, unknown]>([
    ['records out of order', { records: [c, b, a].map(dropped) }],
    [
      'scalar partition keys',
      {
        records: [
          { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { n: 7, flag: true } } },
          dropped(b),
          dropped(c),
        ],
      },
    ],
  ])('accepts %s, which the project profile refuses', (_case, response) => {
    // Act / Assess
    expect(service(response)).toEqual([]);
    expect(strict(response)).toHaveLength(1);
  });

  it('accepts partition keys named like the fields of a problem (code, message)', () => {
    // Prepare
    const response = {
      records: [
        { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { code: 'x', message: 'y' } } },
        dropped(b),
        dropped(c),
      ],
    };

    // Act
    const report = checkTransformationResponse(ids, response, PROJECT_CONTRACT);

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.records[0]?.partitionKeys).toEqual({ code: 'x', message: 'y' });
  });

  it('coerces scalar partition keys to strings, as Jackson does', () => {
    // Prepare
    const response = {
      records: [
        { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { n: 7, flag: false } } },
        dropped(b),
        dropped(c),
      ],
    };

    // Act
    const report = checkTransformationResponse(ids, response, SERVICE_CONTRACT);

    // Assess
    expect(report.records[0]).toEqual({
      result: 'Ok',
      data: Buffer.from('{"a":1}\n'),
      partitionKeys: { n: '7', flag: 'false' },
    });
  });
});

describe('checkTransformationResponse: the exact problems, near misses included', () => {
  const named = (position: number, recordId: string) => `records[${position}] (recordId ${recordId})`;
  const withEntry = (entry: unknown) => ({ records: [entry, dropped(b), dropped(c)] });
  const ok = (extra: Record<string, unknown>) => ({ recordId: a, result: 'Ok', data: okData, ...extra });

  it.each<[string, unknown, ContractProblem[]]>([
    [
      'a null entry',
      withEntry(null),
      [
        { code: C.jsonProcessing, message: 'records[0] is not an object' },
        { code: C.missingRecordId, message: `1 of 3 records were not returned (recordId ${a})` },
      ],
    ],
    [
      'an array entry',
      withEntry([a]),
      [
        { code: C.jsonProcessing, message: 'records[0] is not an object' },
        { code: C.missingRecordId, message: `1 of 3 records were not returned (recordId ${a})` },
      ],
    ],
    [
      'a null recordId',
      withEntry({ recordId: null, result: 'Dropped' }),
      [
        { code: C.missingRecordId, message: 'records[0] has no recordId' },
        { code: C.missingRecordId, message: `1 of 3 records were not returned (recordId ${a})` },
      ],
    ],
    [
      'a numeric recordId',
      withEntry({ recordId: 7, result: 'Dropped' }),
      [
        { code: C.jsonProcessing, message: 'records[0].recordId is number, not a string' },
        { code: C.missingRecordId, message: `1 of 3 records were not returned (recordId ${a})` },
      ],
    ],
    [
      'a result in the wrong case',
      withEntry({ recordId: a, result: 'dropped' }),
      [
        {
          code: C.jsonProcessing,
          message: `${named(0, a)}: result "dropped" is not one of Ok, Dropped, ProcessingFailed`,
        },
      ],
    ],
    [
      'data that is a number',
      withEntry(ok({ data: 5 })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}: data is number, not a base64 string` }],
    ],
    [
      'data that is not base64',
      withEntry(ok({ data: 'abc' })),
      [
        {
          code: C.jsonProcessing,
          message: `${named(0, a)}: data is not base64 (base64 length 3 is not a multiple of 4)`,
        },
      ],
    ],
    [
      'Ok with null data',
      withEntry(ok({ data: null })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}: result Ok without data` }],
    ],
    [
      'metadata that is a string',
      withEntry(ok({ metadata: 'k=v' })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}.metadata is not an object` }],
    ],
    [
      'metadata that is an array',
      withEntry(ok({ metadata: [] })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}.metadata is not an object` }],
    ],
    [
      'partitionKeys that is an array',
      withEntry(ok({ metadata: { partitionKeys: ['v'] } })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}.metadata.partitionKeys is not an object` }],
    ],
    [
      'a null partition key',
      withEntry(ok({ metadata: { partitionKeys: { k: null } } })),
      [{ code: C.jsonProcessing, message: `${named(0, a)}.metadata.partitionKeys.k is null, not a string` }],
    ],
    [
      'an array partition key',
      withEntry(ok({ metadata: { partitionKeys: { k: ['v'] } } })),
      [
        {
          code: C.jsonProcessing,
          message: `${named(0, a)}.metadata.partitionKeys.k is an array, not a string`,
        },
      ],
    ],
    [
      'an object partition key',
      withEntry(ok({ metadata: { partitionKeys: { k: { v: 1 } } } })),
      [
        {
          code: C.jsonProcessing,
          message: `${named(0, a)}.metadata.partitionKeys.k is object, not a string`,
        },
      ],
    ],
    [
      'a boolean partition key',
      withEntry(ok({ metadata: { partitionKeys: { k: 'v', flag: true } } })),
      [
        {
          code: C.looseMetadata,
          message: `${named(0, a)}.metadata.partitionKeys.flag is a boolean; return a string`,
        },
      ],
    ],
    [
      'an unknown record',
      { records: [dropped(a), dropped(b), dropped(c), dropped('zzz')] },
      [
        {
          code: C.missingRecordId,
          message: `${named(3, 'zzz')}: recordId was not in the invocation, so an input record is missing from the response`,
        },
      ],
    ],
    [
      'a repeated record',
      { records: [dropped(a), dropped(a), dropped(b), dropped(c)] },
      [{ code: C.duplicatedRecordId, message: `${named(1, a)}: recordId returned more than once` }],
    ],
    [
      'no records array',
      { records: 'all' },
      [{ code: C.jsonProcessing, message: 'response is not an object with a "records" array' }],
    ],
    [
      'an array response',
      [dropped(a), dropped(b), dropped(c)],
      [{ code: C.jsonProcessing, message: 'response is not an object with a "records" array' }],
    ],
    [
      'a null response',
      null,
      [{ code: C.jsonProcessing, message: 'response is not an object with a "records" array' }],
    ],
  ])('reports %s', (_case, response, expected) => {
    // Act / Assess
    expect(strict(response)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['null metadata', withEntry(ok({ metadata: null }))],
    ['metadata without partitionKeys', withEntry(ok({ metadata: {} }))],
    ['null partitionKeys', withEntry(ok({ metadata: { partitionKeys: null } }))],
    ['null data on a Dropped record', withEntry({ recordId: a, result: 'Dropped', data: null })],
  ])('accepts %s, without partition keys', (_case, response) => {
    // Act
    const report = checkTransformationResponse(ids, response, PROJECT_CONTRACT);

    // Assess: toStrictEqual, since toEqual would take [undefined] for [].
    expect(report.problems).toStrictEqual([]);
    expect(report.records[0]).not.toHaveProperty('partitionKeys');
  });

  it('keeps the decoded data of a Dropped record that returns some', () => {
    // Act
    const report = checkTransformationResponse(
      ids,
      withEntry({ recordId: a, result: 'Dropped', data: okData }),
      PROJECT_CONTRACT,
    );

    // Assess
    expect(report.records[0]).toEqual({ result: 'Dropped', data: Buffer.from('{"a":1}\n') });
  });

  it('names the first three records never returned, and how many there are', () => {
    // Prepare
    const five = firehoseTransformationEvent([1, 2, 3, 4, 5].map((n) => ({ data: `{"n":${n}}` })));
    const fiveIds = five.records.map((record) => record.recordId);
    const threeIds = fiveIds.slice(0, 3);

    // Act
    const many = checkTransformationResponse(fiveIds, { records: [] }, PROJECT_CONTRACT).problems;
    const three = checkTransformationResponse(threeIds, { records: [] }, PROJECT_CONTRACT).problems;

    // Assess
    expect(many).toEqual([
      {
        code: C.missingRecordId,
        message: `5 of 5 records were not returned (recordId ${fiveIds.slice(0, 3).join(', ')}, ...)`,
      },
    ]);
    expect(three).toEqual([
      {
        code: C.missingRecordId,
        message: `3 of 3 records were not returned (recordId ${threeIds.join(', ')})`,
      },
    ]);
  });

  it('reports a problem in every entry, each once, and no order complaint on top', () => {
    // Act
    const problems = strict({ records: [dropped(c), { recordId: b }, null] });

    // Assess
    expect(problems).toEqual([
      {
        code: C.jsonProcessing,
        message: `${named(1, b)}: result undefined is not one of Ok, Dropped, ProcessingFailed`,
      },
      { code: C.jsonProcessing, message: 'records[2] is not an object' },
      { code: C.missingRecordId, message: `1 of 3 records were not returned (recordId ${a})` },
    ]);
  });

  it('keeps one slot per input record in the report, even when none came back', () => {
    // Act
    const report = checkTransformationResponse(ids, { records: [] }, PROJECT_CONTRACT);

    // Assess
    expect(report.records).toHaveLength(3);
  });

  it("holds a response of exactly Lambda's limit to the guard only: Lambda takes it", () => {
    // Prepare: pad base64 data (4 bytes a step) and a partition key (1 byte a step) to the exact size.
    const build = (quads: number, extra: number) => ({
      records: [
        ...[a, b].map(dropped),
        {
          recordId: c,
          result: 'Ok',
          data: 'AAAA'.repeat(quads),
          metadata: { partitionKeys: { k: `v${'x'.repeat(extra)}` } },
        },
      ],
    });
    const missing = LAMBDA_MAX_RESPONSE_BYTES - Buffer.byteLength(JSON.stringify(build(0, 0)));
    const response = build(Math.floor(missing / 4), missing % 4);

    // Act
    const problems = strict(response);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(response))).toBe(LAMBDA_MAX_RESPONSE_BYTES);
    expect(problems).toStrictEqual([
      {
        code: C.responseOverGuard,
        message: `response is ${LAMBDA_MAX_RESPONSE_BYTES} bytes, over the 6000000-byte guard (Lambda's limit is ${LAMBDA_MAX_RESPONSE_BYTES})`,
      },
    ]);
  });

  it('holds the service profile to its own limit, not the guard', () => {
    // Prepare
    const response = { records: [a, b, c].map(dropped) };
    const size = Buffer.byteLength(JSON.stringify(response));

    // Act
    const problems = checkTransformationResponse(ids, response, {
      ...SERVICE_CONTRACT,
      maxResponseBytes: size - 1,
    }).problems;

    // Assess
    expect(problems).toEqual([
      {
        code: C.functionError,
        message: `Function.ResponseSizeTooLarge: response payload is ${size} bytes, over the maximum allowed payload size (${size - 1} bytes)`,
      },
    ]);
  });
});
