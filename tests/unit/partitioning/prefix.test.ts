import {
  evaluatePrefix,
  parsePrefix,
  PrefixError,
  validatePrefixes,
  type PrefixValidationInput,
} from '../../../lib/partitioning/prefix';

// The instants of the Firehose guide's example table.
const AUG_27_1030 = new Date(Date.UTC(2018, 7, 27, 10, 30));
const JUL_06_2300 = new Date(Date.UTC(2018, 6, 6, 23, 0));

const PIPELINE = {
  prefix: 'raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/',
  errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
};

function evaluated(result: ReturnType<typeof evaluatePrefix>): string {
  if (!result.ok) throw new Error(`expected a prefix, got ${result.reason}: ${result.message}`);
  return result.prefix;
}

describe('parsePrefix', () => {
  it('splits literals and expressions', () => {
    // Act
    const parsed = parsePrefix("a/!{timestamp:yyyy}/k=!{partitionKeyFromQuery:k}!{firehose:random-string}'");
    // Assess
    expect(parsed.hasExpressions).toBe(true);
    expect(parsed.parts.map((part) => part.kind)).toEqual([
      'literal',
      'timestamp',
      'literal',
      'partition-key',
      'random-string',
      'literal',
    ]);
    expect(parsed.parts[3]).toMatchObject({ source: 'query', key: 'k' });
  });

  it('reads a prefix without expressions as one literal', () => {
    const parsed = parsePrefix('plain/{braces}/!/');
    expect(parsed).toMatchObject({
      hasExpressions: false,
      parts: [{ kind: 'literal', text: 'plain/{braces}/!/' }],
    });
  });

  it('throws PrefixError listing every problem', () => {
    // Act
    let error: unknown;
    try {
      parsePrefix('!{nope:x}/!{timestamp:bb}/!{firehose:other}/!{unclosed');
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(PrefixError);
    expect((error as PrefixError).problems).toEqual([
      "!{nope:x}: unknown namespace 'nope' (expected firehose, timestamp, partitionKeyFromQuery, partitionKeyFromLambda)",
      expect.stringContaining("!{timestamp:bb}: unknown pattern letter 'b'"),
      "!{firehose:other}: unknown firehose value 'other' (expected error-output-type or random-string)",
      "'!{' at position 44 is not closed by '}'",
    ]);
  });
});

describe('validatePrefixes', () => {
  const base: PrefixValidationInput = {
    ...PIPELINE,
    dynamicPartitioning: true,
    lambdaKeys: ['event_type', 'dt'],
    queryKeys: [],
  };

  it.each<[string, PrefixValidationInput]>([
    ['the pipeline.yml pair', base],
    [
      'the guide: Prefix unspecified, error prefix with error-output-type',
      { errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/', dynamicPartitioning: false },
    ],
    [
      'the guide: random string and timestamps',
      {
        prefix: 'myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}',
        errorOutputPrefix:
          'myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}',
        dynamicPartitioning: false,
      },
    ],
    [
      'the guide: quoted literals in the error prefix',
      {
        prefix:
          'myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
        errorOutputPrefix:
          "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
        dynamicPartitioning: false,
      },
    ],
    [
      'the guide: a plain prefix without error prefix',
      { prefix: 'myFirehosePrefix', dynamicPartitioning: false },
    ],
    [
      'the guide: jq keys in a Hive-style prefix',
      {
        prefix: 'customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        dynamicPartitioning: true,
        queryKeys: ['customer_id', 'device'],
      },
    ],
    [
      'both namespaces together',
      {
        prefix: 'q=!{partitionKeyFromQuery:a}/l=!{partitionKeyFromLambda:b}/',
        errorOutputPrefix: 'e/!{firehose:error-output-type}/',
        dynamicPartitioning: true,
        queryKeys: ['a'],
        lambdaKeys: ['b'],
      },
    ],
    ['nothing at all without dynamic partitioning', { dynamicPartitioning: false }],
  ])('accepts %s', (_case, input) => {
    expect(validatePrefixes(input)).toEqual([]);
  });

  it.each<[string, Partial<PrefixValidationInput>, string[]]>([
    [
      'error prefix missing with dynamic partitioning',
      { errorOutputPrefix: undefined },
      ['delivery.errorOutputPrefix: is required when dynamic partitioning is enabled'],
    ],
    [
      'error prefix missing when Prefix has expressions (the guide)',
      { prefix: '!{timestamp:yyyy/MM/dd}', errorOutputPrefix: null, dynamicPartitioning: false },
      ['delivery.errorOutputPrefix: is required when delivery.prefix contains expressions'],
    ],
    [
      'partition key in the error prefix',
      { errorOutputPrefix: 'e/!{firehose:error-output-type}/!{partitionKeyFromLambda:dt}/' },
      [
        'delivery.errorOutputPrefix: !{partitionKeyFromLambda:dt} is not allowed (records that fail have no partition keys)',
      ],
    ],
    [
      'error prefix without error-output-type when Prefix has expressions',
      { errorOutputPrefix: 'errors/' },
      [
        'delivery.errorOutputPrefix: must contain !{firehose:error-output-type} because delivery.prefix contains expressions',
      ],
    ],
    [
      'error prefix with expressions but without error-output-type',
      { prefix: 'plain/', errorOutputPrefix: 'errors/!{timestamp:yyyy}/', dynamicPartitioning: false },
      [
        'delivery.errorOutputPrefix: must contain !{firehose:error-output-type} because it contains expressions',
      ],
    ],
    [
      'unknown namespace',
      { prefix: `${PIPELINE.prefix}!{partitionKeyFromSql:x}/` },
      [
        expect.stringContaining(
          "delivery.prefix: !{partitionKeyFromSql:x}: unknown namespace 'partitionKeyFromSql'",
        ),
      ],
    ],
    [
      'error-output-type in Prefix',
      { prefix: `${PIPELINE.prefix}!{firehose:error-output-type}/` },
      ['delivery.prefix: !{firehose:error-output-type} may only appear in the error output prefix'],
    ],
    [
      'a key no rule produces',
      { prefix: 'raw/!{partitionKeyFromLambda:region}/' },
      [
        'delivery.prefix: !{partitionKeyFromLambda:region} names a key the Lambda does not produce (it produces: event_type, dt)',
      ],
    ],
    [
      'a jq key without a query',
      { prefix: 'raw/!{partitionKeyFromQuery:event_type}/' },
      [
        'delivery.prefix: !{partitionKeyFromQuery:event_type} names a key the jq query does not produce (it produces: none)',
      ],
    ],
    [
      'dynamic partitioning without a key in the prefix',
      { prefix: 'raw/!{timestamp:yyyy}/' },
      [
        'delivery.prefix: must use at least one !{partitionKeyFromQuery:...} or !{partitionKeyFromLambda:...} when dynamic partitioning is enabled',
      ],
    ],
    [
      'dynamic partitioning without a prefix',
      { prefix: undefined },
      ['delivery.prefix: is required when dynamic partitioning is enabled'],
    ],
    [
      'a partition key without dynamic partitioning',
      { dynamicPartitioning: false },
      [
        'delivery.prefix: !{partitionKeyFromLambda:event_type} needs dynamic partitioning to be enabled',
        'delivery.prefix: !{partitionKeyFromLambda:dt} needs dynamic partitioning to be enabled',
      ],
    ],
    [
      'malformed !{',
      { prefix: `${PIPELINE.prefix}!{oops` },
      ["delivery.prefix: '!{' at position 84 is not closed by '}'"],
    ],
    [
      'an expression without a namespace',
      { prefix: `${PIPELINE.prefix}!{dt}/` },
      ['delivery.prefix: !{dt} at position 84 is not of the form !{namespace:value}'],
    ],
    [
      'an empty key name',
      { prefix: `${PIPELINE.prefix}!{partitionKeyFromLambda:}/` },
      ['delivery.prefix: !{partitionKeyFromLambda:} names no key'],
    ],
    [
      'an invalid timestamp pattern',
      { errorOutputPrefix: 'e/!{firehose:error-output-type}/!{timestamp:jjjj}/' },
      [
        expect.stringContaining(
          "delivery.errorOutputPrefix: !{timestamp:jjjj}: unknown pattern letter 'j' at position 0",
        ),
      ],
    ],
    [
      'a prefix field over 1024 characters',
      { prefix: `${PIPELINE.prefix}${'p'.repeat(1000)}` },
      [
        'delivery.prefix: is 1084 characters; Firehose allows at most 1024',
        'delivery.prefix: evaluates to at least 1022 characters; Firehose allows 512',
      ],
    ],
    [
      'a prefix that cannot fit 512 characters',
      { errorOutputPrefix: `${'e'.repeat(500)}/!{firehose:error-output-type}/` },
      ['delivery.errorOutputPrefix: evaluates to at least 515 characters; Firehose allows 512'],
    ],
  ])('rejects %s', (_case, change, expected) => {
    expect(validatePrefixes({ ...base, ...change })).toEqual(expected);
  });

  it('uses the caller-given field names', () => {
    const problems = validatePrefixes({
      prefix: '!{timestamp:yyyy}',
      dynamicPartitioning: false,
      fields: { prefix: 'Prefix', errorOutputPrefix: 'ErrorOutputPrefix' },
    });
    expect(problems).toEqual(['ErrorOutputPrefix: is required when Prefix contains expressions']);
  });
});

describe('evaluatePrefix', () => {
  it('evaluates the guide example with a random string and timestamps', () => {
    // Prepare
    const randomString = jest.fn().mockReturnValue('5abf82daaa5');
    // Act
    const prefix = evaluatePrefix(
      'myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}',
      {
        timestamp: AUG_27_1030,
        randomString,
      },
    );
    const errorPrefix = evaluatePrefix(
      'myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}',
      { timestamp: AUG_27_1030, errorOutputType: 'processing-failed' },
    );
    // Assess: the guide prints day "10" for 27 August; the day of that instant is 27.
    expect(evaluated(prefix)).toBe('myFirehose/DeliveredYear=2018/anyMonth/rand=5abf82daaa5');
    expect(evaluated(errorPrefix)).toBe('myFirehoseFailures/processing-failed/2018/anyMonth/27');
    expect(randomString).toHaveBeenCalledTimes(1);
  });

  it('evaluates the guide example with quoted literals', () => {
    const prefix = evaluatePrefix(
      'myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      { timestamp: JUL_06_2300 },
    );
    const errorPrefix = evaluatePrefix(
      "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
      { timestamp: JUL_06_2300, errorOutputType: 'processing-failed' },
    );
    expect(evaluated(prefix)).toBe('myPrefix/year=2018/month=07/day=06/hour=23/');
    expect(evaluated(errorPrefix)).toBe('myErrorPrefix/year=2018/month=07/day=06/hour=23/processing-failed');
  });

  it.each<[string, string | undefined, string]>([
    ['myFirehosePrefix', undefined, 'myFirehosePrefix2018/08/27/10/'],
    ['myFirehosePrefix/', undefined, 'myFirehosePrefix/2018/08/27/10/'],
    ['', undefined, '2018/08/27/10/'],
    ['errors/', 'processing-failed', 'errors/processing-failed/2018/08/27/10/'],
  ])('appends yyyy/MM/dd/HH/ (UTC) to %j without expressions', (source, errorOutputType, expected) => {
    expect(evaluated(evaluatePrefix(source, { timestamp: AUG_27_1030, errorOutputType }))).toBe(expected);
  });

  it('appends nothing when the prefix has expressions (the dynamic partitioning example)', () => {
    // Prepare: the guide's record, event_timestamp 1565382027 = 2019-08-09T20:20:27Z.
    const source =
      'customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/' +
      'year=!{partitionKeyFromQuery:year}/month=!{partitionKeyFromQuery:month}/day=!{partitionKeyFromQuery:day}/' +
      'hour=!{partitionKeyFromQuery:hour}/';
    const queryKeys = {
      customer_id: '1234567890',
      device: 'mobile',
      year: '2019',
      month: '08',
      day: '09',
      hour: '20',
    };
    // Act
    const result = evaluatePrefix(source, { queryKeys, timestamp: AUG_27_1030 });
    // Assess
    expect(evaluated(result)).toBe('customer_id=1234567890/device=mobile/year=2019/month=08/day=09/hour=20/');
  });

  it('evaluates the pipeline.yml pair', () => {
    const lambdaKeys = { event_type: 'click', dt: '2024-03-05' };
    const timestamp = new Date(Date.UTC(2024, 2, 5, 23, 59));
    expect(evaluated(evaluatePrefix(PIPELINE.prefix, { lambdaKeys, timestamp }))).toBe(
      'raw/event_type=click/dt=2024-03-05/',
    );
    expect(
      evaluated(
        evaluatePrefix(PIPELINE.errorOutputPrefix, {
          timestamp,
          errorOutputType: 'format-conversion-failed',
        }),
      ),
    ).toBe('errors/format-conversion-failed/dt=2024-03-05/');
  });

  it('evaluates the Athena guide example', () => {
    const source =
      'prefix/!{timestamp:yyyy}-!{timestamp:MM}-!{timestamp:dd}/!{partitionKeyFromQuery:customer_id}/';
    const result = evaluatePrefix(source, {
      queryKeys: { customer_id: 'customer-1234' },
      timestamp: new Date(Date.UTC(2021, 10, 1, 12)),
    });
    expect(evaluated(result)).toBe('prefix/2021-11-01/customer-1234/');
  });

  it('uses one instant for every timestamp expression', () => {
    // Prepare: the instant is a millisecond before midnight, where a second clock read would disagree.
    const timestamp = new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 999));
    // Act
    const result = evaluatePrefix(
      '!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/!{timestamp:SSS}/',
      {
        timestamp,
        errorOutputType: 'x',
      },
    );
    // Assess
    expect(evaluated(result)).toBe('2023/12/31/23/999/');
  });

  it('draws a new 11-character random string for each occurrence', () => {
    // Act
    const prefix = evaluated(
      evaluatePrefix('!{firehose:random-string}/!{firehose:random-string}/', { timestamp: AUG_27_1030 }),
    );
    // Assess
    const [first, second] = prefix.split('/');
    expect(first).toHaveLength(11);
    expect(second).toHaveLength(11);
    expect(first).not.toBe(second);
  });

  it('evaluates a parsed prefix in its time zone', () => {
    const parsed = parsePrefix('!{timestamp:yyyy-MM-dd-HH}/', { timeZone: 'Asia/Tokyo' });
    expect(evaluated(evaluatePrefix(parsed, { timestamp: new Date(Date.UTC(2024, 11, 31, 20)) }))).toBe(
      '2025-01-01-05/',
    );
  });

  it.each<[string, string, Parameters<typeof evaluatePrefix>[1], string]>([
    [
      'a missing lambda key',
      PIPELINE.prefix,
      { lambdaKeys: { event_type: 'click' }, timestamp: AUG_27_1030 },
      "!{partitionKeyFromLambda:dt} in 'raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/': the record has no partition key 'dt'",
    ],
    [
      'an empty query key',
      'k=!{partitionKeyFromQuery:k}/',
      { queryKeys: { k: '' }, timestamp: AUG_27_1030 },
      "!{partitionKeyFromQuery:k} in 'k=!{partitionKeyFromQuery:k}/': the record has no partition key 'k'",
    ],
    [
      'no error output type',
      'e/!{firehose:error-output-type}/',
      { timestamp: AUG_27_1030 },
      "!{firehose:error-output-type} in 'e/!{firehose:error-output-type}/' needs an error output type",
    ],
    [
      'a result over 512 characters',
      'k=!{partitionKeyFromLambda:k}/',
      { lambdaKeys: { k: 'v'.repeat(510) }, timestamp: AUG_27_1030 },
      "'k=!{partitionKeyFromLambda:k}/' evaluates to 513 characters; Firehose allows 512",
    ],
  ])('fails on %s', (_case, source, context, message) => {
    const result = evaluatePrefix(source, context);
    expect(result).toMatchObject({ ok: false, message });
  });

  it('reports the failure reasons', () => {
    const reasons = [
      evaluatePrefix('!{partitionKeyFromLambda:k}', { timestamp: AUG_27_1030 }),
      evaluatePrefix('!{firehose:error-output-type}', { timestamp: AUG_27_1030 }),
      evaluatePrefix('!{partitionKeyFromLambda:k}', {
        lambdaKeys: { k: 'x'.repeat(600) },
        timestamp: AUG_27_1030,
      }),
    ].map((result) => (result.ok ? 'ok' : result.reason));
    expect(reasons).toEqual(['missing-partition-key', 'missing-error-output-type', 'prefix-too-long']);
  });

  it('throws for a malformed prefix, a configuration error rather than a record failure', () => {
    expect(() => evaluatePrefix('!{nope', { timestamp: AUG_27_1030 })).toThrow(PrefixError);
  });
});
