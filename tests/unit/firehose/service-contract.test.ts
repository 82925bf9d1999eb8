import {
  FIREHOSE_ERROR_CODES,
  judgeTransformationResponse,
  LAMBDA_MAX_RESPONSE_BYTES,
  SERVICE_CONTRACT,
} from '../../../lib/firehose';

const IDS = ['id-0', 'id-1', 'id-2'];
const b64 = (text: string) => Buffer.from(text).toString('base64');
const judge = (response: unknown, ids = IDS, maxResponseBytes = SERVICE_CONTRACT.maxResponseBytes) =>
  judgeTransformationResponse(ids, response, { ...SERVICE_CONTRACT, maxResponseBytes });
const ok = (recordId: string, text = recordId) => ({ recordId, result: 'Ok', data: b64(text) });

describe('judgeTransformationResponse with the service profile', () => {
  it('returns the records in input order whatever order they came back in', () => {
    // Prepare
    const response = {
      records: [
        { recordId: 'id-2', result: 'ProcessingFailed' },
        { ...ok('id-0', 'zero'), metadata: { partitionKeys: { type: 'click', n: 7, flag: true } } },
        { recordId: 'id-1', result: 'Dropped' },
      ],
    };

    // Act
    const check = judge(response);

    // Assess
    expect(check).toEqual({
      ok: true,
      records: [
        { result: 'Ok', data: Buffer.from('zero'), partitionKeys: { type: 'click', n: '7', flag: 'true' } },
        { result: 'Dropped' },
        { result: 'ProcessingFailed' },
      ],
    });
  });

  const { missingRecordId, duplicatedRecordId, jsonProcessing, functionError } = FIREHOSE_ERROR_CODES;
  it.each<[string, unknown, string, RegExp]>([
    ['an input record missing', { records: [ok('id-0'), ok('id-1')] }, missingRecordId, /1 of 3 .*id-2/],
    [
      'an entry without recordId',
      { records: [ok('id-0'), { result: 'Ok', data: b64('x') }] },
      missingRecordId,
      /records\[1\] has no recordId/,
    ],
    [
      'an unknown recordId',
      { records: [ok('id-0'), ok('id-1'), ok('id-9')] },
      missingRecordId,
      /id-9.*not in the invocation/,
    ],
    [
      'a repeated recordId',
      { records: [ok('id-0'), ok('id-1'), ok('id-1')] },
      duplicatedRecordId,
      /records\[2\] \(recordId id-1\)/,
    ],
    ['undefined (nothing returned)', undefined, jsonProcessing, /not an object with a "records" array/],
    ['an array', [ok('id-0')], jsonProcessing, /"records" array/],
    ['records not an array', { records: { 0: ok('id-0') } }, jsonProcessing, /"records" array/],
    ['an entry that is a string', { records: ['id-0'] }, jsonProcessing, /records\[0\] is not an object/],
    [
      'a numeric recordId',
      { records: [{ recordId: 0, result: 'Ok', data: b64('x') }] },
      jsonProcessing,
      /recordId is number/,
    ],
    [
      'an unknown result',
      { records: [{ ...ok('id-0'), result: 'OK' }] },
      jsonProcessing,
      /result "OK" is not one of Ok, Dropped, ProcessingFailed/,
    ],
    [
      'a missing result',
      { records: [{ recordId: 'id-0', data: b64('x') }] },
      jsonProcessing,
      /result undefined/,
    ],
    ['Ok without data', { records: [{ recordId: 'id-0', result: 'Ok' }] }, jsonProcessing, /Ok without data/],
    [
      'data that is not base64',
      { records: [{ recordId: 'id-0', result: 'Ok', data: 'not base64!' }] },
      jsonProcessing,
      /not base64/,
    ],
    [
      'data as a Buffer (serialises to an object)',
      { records: [{ recordId: 'id-0', result: 'Ok', data: Buffer.from('x') }] },
      jsonProcessing,
      /data is object/,
    ],
    [
      'partitionKeys not an object',
      { records: [{ ...ok('id-0'), metadata: { partitionKeys: 'a=b' } }] },
      jsonProcessing,
      /partitionKeys is not an object/,
    ],
    [
      'a nested partition key',
      { records: [{ ...ok('id-0'), metadata: { partitionKeys: { a: { b: 1 } } } }] },
      jsonProcessing,
      /partitionKeys\.a is object/,
    ],
    [
      'a BigInt (cannot serialise)',
      { records: [{ ...ok('id-0'), extra: 1n }] },
      jsonProcessing,
      /cannot be serialised/,
    ],
  ])('fails the batch for %s', (_name, response, errorCode, message) => {
    // Act
    const check = judge(response);

    // Assess
    expect(check).toMatchObject({ ok: false, errorCode });
    expect(check.ok ? '' : check.errorMessage).toMatch(message);
  });

  it('refuses a response one byte over the payload limit and accepts one at it', () => {
    // Prepare: measure the serialised size of a one-record response, then set the limit around it.
    const response = { records: [ok('id-0', 'x'.repeat(300))] };
    const size = Buffer.byteLength(JSON.stringify(response));

    // Act
    const atLimit = judge(response, ['id-0'], size);
    const overLimit = judge(response, ['id-0'], size - 1);

    // Assess
    expect(atLimit.ok).toBe(true);
    expect(overLimit).toEqual({
      ok: false,
      errorCode: functionError,
      errorMessage: `Function.ResponseSizeTooLarge: response payload is ${size} bytes, over the maximum allowed payload size (${size - 1} bytes)`,
    });
  });

  it("uses Lambda's 6,291,556-byte limit by default", () => {
    // Prepare: base64 of 4.8 MB is 6.4 MB of text.
    const response = { records: [ok('id-0', 'é'.repeat(2_400_000))] };

    // Act
    const check = judge(response, ['id-0']);

    // Assess
    expect(LAMBDA_MAX_RESPONSE_BYTES).toBe(6 * 1024 * 1024 + 100);
    expect(check).toMatchObject({ ok: false, errorCode: functionError });
  });
});
