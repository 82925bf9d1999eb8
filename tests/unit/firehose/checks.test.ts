import { resolve } from 'node:path';
import { parsePipeline, PipelineConfigError } from '../../../lib/pipeline/load';

const BASE = `
name: test
stream: { name: clicks }
record: { schema: schemas/clickstream.schema.json, maxBytes: 1024000 }
transforms: []`;

const LAMBDA_KEYS = `
partitioning:
  keys:
    - { name: event_type, path: event_type }`;

const JQ_KEYS = `
partitioning:
  engine: jq
  keys:
    - { name: event_type, path: event_type }`;

function delivery(fields: Record<string, string>): string {
  const merged = {
    name: 'd',
    buffering: '{ sizeMB: 64, intervalSeconds: 60 }',
    prefix: 'raw/e=!{partitionKeyFromLambda:event_type}/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
    ...fields,
  };
  return `\ndelivery:\n${Object.entries(merged)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `  ${key}: ${value}`)
    .join('\n')}`;
}

function problemsOf(text: string): string[] {
  try {
    parsePipeline(text, resolve('pipeline.test.yml'));
    return [];
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
}

describe('pipeline.yml checks for the delivery stream', () => {
  it.each<[string, string]>([
    ['the sample shape', BASE + LAMBDA_KEYS + delivery({})],
    [
      'jq keys with a MetadataExtraction prefix',
      BASE + JQ_KEYS + delivery({ prefix: 'raw/e=!{partitionKeyFromQuery:event_type}/' }),
    ],
    [
      'no dynamic partitioning, small buffer',
      BASE +
        delivery({ prefix: 'raw/', buffering: '{ sizeMB: 5, intervalSeconds: 10 }', errorOutputPrefix: '' }),
    ],
    ['a custom time zone', BASE + LAMBDA_KEYS + delivery({ timeZone: 'Asia/Tokyo' })],
  ])('accepts %s', (_case, text) => {
    expect(problemsOf(text)).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    [
      'a buffer below 64 MiB with dynamic partitioning',
      BASE + LAMBDA_KEYS + delivery({ buffering: '{ sizeMB: 32, intervalSeconds: 60 }' }),
      /^delivery\.buffering\.sizeMB: is 32, but with dynamic partitioning Firehose requires at least 64/,
    ],
    [
      'an interval below 60 s with dynamic partitioning',
      BASE + LAMBDA_KEYS + delivery({ buffering: '{ sizeMB: 64, intervalSeconds: 30 }' }),
      /^delivery\.buffering\.intervalSeconds: is 30/,
    ],
    [
      'a key no rule produces',
      BASE + LAMBDA_KEYS + delivery({ prefix: 'raw/c=!{partitionKeyFromLambda:customer}/' }),
      /^delivery\.prefix: .*customer.* does not produce \(it produces: event_type\)/,
    ],
    [
      'Lambda keys with engine jq',
      BASE + JQ_KEYS + delivery({}),
      /^delivery\.prefix: !\{partitionKeyFromLambda:event_type\} names a key the Lambda does not produce/,
    ],
    [
      'Lambda keys with no processor',
      BASE + LAMBDA_KEYS + delivery({ processor: '{ function: none }' }),
      /the Lambda does not produce \(it produces: none\)/,
    ],
    [
      'a missing error prefix',
      BASE + LAMBDA_KEYS + delivery({ errorOutputPrefix: '' }),
      /^delivery\.errorOutputPrefix: is required when dynamic partitioning is enabled/,
    ],
    [
      'a key in the error prefix',
      BASE +
        LAMBDA_KEYS +
        delivery({
          errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{partitionKeyFromLambda:event_type}/',
        }),
      /^delivery\.errorOutputPrefix: .* is not allowed/,
    ],
    [
      'an error prefix without the error type',
      BASE + LAMBDA_KEYS + delivery({ errorOutputPrefix: 'errors/' }),
      /must contain !\{firehose:error-output-type\}/,
    ],
    [
      'an unknown time zone',
      BASE + LAMBDA_KEYS + delivery({ timeZone: 'Mars/Olympus' }),
      /^delivery\.timeZone: unknown time zone 'Mars\/Olympus'/,
    ],
    [
      'partitionKeys with engine jq',
      BASE +
        JQ_KEYS +
        delivery({
          prefix: 'raw/e=!{partitionKeyFromQuery:event_type}/',
          processor: '{ function: partitionKeys }',
        }),
      /^delivery\.processor\.function: partitionKeys computes keys/,
    ],
    [
      'CloudWatch Logs input with engine jq',
      BASE +
        JQ_KEYS +
        delivery({ prefix: 'raw/e=!{partitionKeyFromQuery:event_type}/', input: 'cloudwatch-logs' }),
      /^delivery\.input: jq extraction reads one JSON object per record/,
    ],
    ['an unknown input', BASE + LAMBDA_KEYS + delivery({ input: 'xml' }), /^delivery\.input: must be one of/],
  ])('refuses %s with a message naming the field', (_case, text, message) => {
    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems.some((problem) => message.test(problem))).toBe(true);
  });
});
