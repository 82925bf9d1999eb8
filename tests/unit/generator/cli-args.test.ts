import { UsageError, parseDuration, parseGenerateArgs, parseProfile } from '../../../lib/generator';

describe('parseGenerateArgs', () => {
  it('applies the defaults', () => {
    // Act
    const options = parseGenerateArgs([]);

    // Assess
    expect(options).toEqual({
      template: 'clickstream',
      target: { type: 'stdout' },
      partitionKey: 'random',
      aggregate: false,
      concurrency: 1,
      batchSize: 500,
      invalidRatio: 0,
      gzip: false,
      quiet: false,
      keepGoing: false,
    });
  });

  it('reads every flag', () => {
    // Act
    const options = parseGenerateArgs([
      '--template=iot-telemetry',
      '--count',
      '1000',
      '--duration',
      '15m',
      '--rate',
      '2500.5',
      '--seed',
      '7',
      '--start-time',
      '2024-05-01T00:00:00Z',
      '--target',
      'kinesis:clickstream-events',
      '--partition-key',
      'field:device.id',
      '--aggregate',
      '--concurrency',
      '4',
      '--batch-size',
      '250',
      '--invalid-ratio',
      '0.05',
      '--schema',
      'schemas/x.json',
      '--profile',
      'sine:0.3:3600',
      '--quiet',
      '--keep-going',
    ]);

    // Assess
    expect(options).toEqual({
      template: 'iot-telemetry',
      count: 1000,
      durationSeconds: 900,
      ratePerSecond: 2500.5,
      seed: 7,
      startTime: Date.UTC(2024, 4, 1),
      target: { type: 'kinesis', streamName: 'clickstream-events' },
      partitionKey: { field: 'device.id' },
      aggregate: true,
      concurrency: 4,
      batchSize: 250,
      invalidRatio: 0.05,
      schema: 'schemas/x.json',
      profile: { type: 'sine', amplitude: 0.3, periodSeconds: 3600 },
      gzip: false,
      quiet: true,
      keepGoing: true,
    });
  });

  it.each<[string, object]>([
    ['stdout', { type: 'stdout' }],
    ['file:out/records.jsonl', { type: 'file', path: 'out/records.jsonl' }],
    ['kinesis:my.stream_1', { type: 'kinesis', streamName: 'my.stream_1' }],
    ['firehose:delivery', { type: 'firehose', deliveryStreamName: 'delivery' }],
  ])('reads --target %s', (target, expected) => {
    // Act / Assess
    expect(parseGenerateArgs(['--target', target]).target).toEqual(expected);
  });

  it.each<[string, object | string]>([
    ['random', 'random'],
    ['fixed:one-shard', { fixed: 'one-shard' }],
    ['field:customer_id', { field: 'customer_id' }],
    ['template:user-{{number.int(9)}}', { template: 'user-{{number.int(9)}}' }],
  ])('reads --partition-key %s', (key, expected) => {
    // Act / Assess
    expect(parseGenerateArgs(['--partition-key', key]).partitionKey).toEqual(expected);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown flag', ['--bogus'], /^unknown option --bogus$/],
    ['a stray positional', ['clickstream'], /positional/i],
    ['a zero count', ['--count', '0'], /--count must be a positive integer, got "0"/],
    ['a fractional count', ['--count', '1.5'], /--count must be a positive integer/],
    ['a word for a count', ['--count', 'many'], /--count must be a positive integer, got "many"/],
    ['a negative rate', ['--rate=-1'], /--rate must be a positive number/],
    ['a bad duration', ['--duration', '5 minutes'], /--duration must be a positive time/],
    ['an unknown target', ['--target', 's3:bucket'], /--target must be stdout, file:<path>/],
    ['a target without a name', ['--target', 'kinesis'], /--target must be/],
    ['a bad stream name', ['--target', 'kinesis:bad name'], /not a stream name/],
    ['an unknown partition key', ['--partition-key', 'hash'], /--partition-key must be random, fixed:<key>/],
    ['a partition key template without helpers', ['--partition-key', 'template:abc'], /needs at least one/],
    ['a too long fixed key', ['--partition-key', `fixed:${'k'.repeat(257)}`], /1-256 characters/],
    ['too much concurrency', ['--concurrency', '1001'], /--concurrency must be an integer from 1 to 1000/],
    ['a batch over 500', ['--batch-size', '501'], /--batch-size must be an integer from 1 to 500/],
    ['an invalid ratio over 1', ['--invalid-ratio', '1.2'], /--invalid-ratio must be a number from 0 to 1/],
    ['a negative seed', ['--seed=-3'], /--seed must be an integer/],
    ['a bad start time', ['--start-time', 'yesterday'], /--start-time must be an ISO date/],
    ['a profile without a rate', ['--profile', 'sine'], /--profile needs --rate/],
    ['an unknown profile', ['--rate', '5', '--profile', 'square'], /unknown --profile "square"/],
    [
      'aggregation to Firehose',
      ['--target', 'firehose:d', '--aggregate'],
      /--aggregate only applies to kinesis/,
    ],
    [
      'a partition key for Firehose',
      ['--target', 'firehose:d', '--partition-key', 'random'],
      /does not apply to Firehose/,
    ],
    ['gzip with aggregation', ['--target', 'kinesis:s', '--aggregate', '--gzip'], /cannot be combined/],
  ])('rejects %s', (_name, argv, message) => {
    // Act / Assess
    expect(() => parseGenerateArgs(argv)).toThrow(UsageError);
    expect(() => parseGenerateArgs(argv)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['90', 90],
    ['90s', 90],
    ['1.5m', 90],
    ['2h', 7200],
  ])('reads %s', (text, seconds) => {
    // Act / Assess
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe('parseProfile', () => {
  it.each<[string, object]>([
    ['sine', { type: 'sine', amplitude: 0.5, periodSeconds: 86400 }],
    ['sine:0.2', { type: 'sine', amplitude: 0.2, periodSeconds: 86400 }],
    [
      `hourly:${Array(24).fill(1).join(',')}`,
      { type: 'hourly', multipliers: Array(24).fill(1), timeZone: 'local' },
    ],
    [
      `hourly-utc:${Array(24).fill(0.5).join(',')}`,
      { type: 'hourly', multipliers: Array(24).fill(0.5), timeZone: 'utc' },
    ],
  ])('reads %s', (text, expected) => {
    // Act / Assess
    expect(parseProfile(text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['sine:2', /amplitude must be between 0 and 1/],
    ['sine:0.5:0', /period must be positive/],
    ['hourly:1,2,3', /needs 24 non-negative numbers, got 3/],
    [`hourly:${Array(23).fill(1).join(',')},-1`, /needs 24 non-negative numbers/],
  ])('rejects %s', (text, message) => {
    // Act / Assess
    expect(() => parseProfile(text)).toThrow(message);
  });
});
