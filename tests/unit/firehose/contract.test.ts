import { firehoseTransformationEvent } from '../../../lib/events/factories';
import { checkTransformationResponse } from '../../../lib/firehose';

const event = firehoseTransformationEvent([{ data: '{"a":1}' }, { data: '{"a":2}' }, { data: '{"a":3}' }]);
const [a, b, c] = event.records.map((record) => record.recordId) as [string, string, string];
const okData = Buffer.from('{"a":1}\n').toString('base64');

describe('checkTransformationResponse', () => {
  it('accepts a response with every record once, in order', () => {
    // Prepare
    const response = {
      records: [
        { recordId: a, result: 'Ok', data: okData, metadata: { partitionKeys: { k: 'v' } } },
        { recordId: b, result: 'Dropped' },
        { recordId: c, result: 'ProcessingFailed' },
      ],
    };

    // Act / Assess
    expect(checkTransformationResponse(event, response)).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['no records array', { items: [] }, /JsonProcessingException/],
    [
      'a missing record',
      {
        records: [
          { recordId: a, result: 'Dropped' },
          { recordId: b, result: 'Dropped' },
        ],
      },
      /MissingRecordId: .*/,
    ],
    [
      'a repeated record',
      { records: [a, b, c, c].map((recordId) => ({ recordId, result: 'Dropped' })) },
      /DuplicatedRecordId/,
    ],
    [
      'an unknown record',
      { records: [a, b, c, 'zzz'].map((recordId) => ({ recordId, result: 'Dropped' })) },
      /"zzz" is not an input record/,
    ],
    [
      'an unknown result',
      { records: [a, b, c].map((recordId) => ({ recordId, result: 'Skipped' })) },
      /InvalidResult/,
    ],
    [
      'Ok without data',
      { records: [a, b, c].map((recordId) => ({ recordId, result: 'Ok' })) },
      /data is required on Ok/,
    ],
    [
      'Ok with data that is not base64',
      { records: [a, b, c].map((recordId) => ({ recordId, result: 'Ok', data: '{"a":1}' })) },
      /data is not base64/,
    ],
    [
      'partition keys that are not strings',
      {
        records: [a, b, c].map((recordId) => ({
          recordId,
          result: 'Ok',
          data: okData,
          metadata: { partitionKeys: { k: 1 } },
        })),
      },
      /InvalidMetadata/,
    ],
    [
      'records out of order',
      { records: [b, a, c].map((recordId) => ({ recordId, result: 'Dropped' })) },
      /^Order: records\[0\]/,
    ],
  ])('reports %s', (_case, response, problem) => {
    // Act
    const problems = checkTransformationResponse(event, response);

    // Assess
    expect(problems.some((text) => problem.test(text))).toBe(true);
  });

  it('reports a response over the size limit', () => {
    // Prepare
    const response = { records: [a, b, c].map((recordId) => ({ recordId, result: 'Ok', data: okData })) };

    // Act
    const problems = checkTransformationResponse(event, response, { maxResponseBytes: 100 });

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^Lambda.ResponseTooLarge: the response is \d+ bytes/)]);
  });
});
