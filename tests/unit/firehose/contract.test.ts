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
