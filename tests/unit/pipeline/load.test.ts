import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run as runLocal } from '../../../lib/cli/local';
import { loadPipeline, parsePipeline, PipelineConfigError } from '../../../lib/pipeline/load';

const FILE = resolve('pipeline.yml');

const VALID = `
name: shop
stream: { name: clicks }
record: { schema: schemas/clickstream.schema.json }
`;

function problemsOf(text: string): string[] {
  try {
    parsePipeline(text, FILE);
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the pipeline to be refused');
}

describe('loadPipeline', () => {
  it('loads the sample pipeline and fills in defaults', () => {
    const { config, recordSchema } = loadPipeline(FILE);
    expect(config.name).toBe('clickstream');
    expect(config.stream.kmsKeyId).toBe('alias/aws/kinesis');
    expect(config.consumer?.sinks[0]).toMatchObject({ type: 's3', compression: 'gzip', partitioned: true });
    expect((recordSchema as { title: string }).title).toBe('Clickstream event');
  });

  it('fills defaults in a minimal pipeline', () => {
    const { config } = parsePipeline(VALID, FILE);
    expect(config.stream).toEqual({
      name: 'clicks',
      mode: 'PROVISIONED',
      shards: 1,
      retentionHours: 24,
      kmsKeyId: 'alias/aws/kinesis',
    });
    expect(config.record.maxBytes).toBe(1024000);
    expect(config.transforms).toEqual([]);
  });

  it('names a missing file', () => {
    expect(() => loadPipeline('/nonexistent/pipeline.yml')).toThrow(
      /nonexistent\/pipeline.yml[\s\S]*file not found/,
    );
  });
});

describe('a bad pipeline.yml fails fast, naming the field and the problem', () => {
  it.each([
    ['YAML syntax', 'name: [unclosed', /YAML:/],
    ['duplicate keys', `${VALID}\nname: again`, /YAML: .*unique/i],
    ['not a mapping', '- a\n- b', /\(root\): must be a mapping/],
    [
      'missing stream',
      'name: shop\nrecord: { schema: schemas/clickstream.schema.json }',
      /stream: must have required property 'stream'/,
    ],
    ['bad name', VALID.replace('name: shop', 'name: Shop_1'), /name: must match pattern/],
    ['unknown top-level key', `${VALID}\nstreams: {}`, /streams: is not an allowed property/],
    [
      'typo in stream',
      VALID.replace('{ name: clicks }', '{ name: clicks, shard: 2 }'),
      /stream.shard: is not an allowed property/,
    ],
    [
      'shards out of range',
      VALID.replace('{ name: clicks }', '{ name: clicks, shards: 0 }'),
      /stream.shards: must be >= 1/,
    ],
    [
      'bad stream mode',
      VALID.replace('{ name: clicks }', '{ name: clicks, mode: FAST }'),
      /stream.mode: must be one of "PROVISIONED", "ON_DEMAND"/,
    ],
    [
      'record schema file missing',
      VALID.replace('schemas/clickstream', 'schemas/nope'),
      /record.schema: file .*nope.schema.json not found/,
    ],
    [
      'consumer batch size too large',
      `${VALID}\nconsumer: { batchSize: 20000, sinks: [{ type: s3, prefix: lake/ }] }`,
      /consumer.batchSize: must be <= 10000/,
    ],
    [
      'consumer without sinks',
      `${VALID}\nconsumer: { sinks: [] }`,
      /consumer.sinks: must NOT have fewer than 1 items/,
    ],
    [
      'sink of an unknown type',
      `${VALID}\nconsumer: { sinks: [{ type: ftp, prefix: lake/ }] }`,
      /consumer.sinks\[0\].type: must be one of "s3", "firehose", "kinesis"/,
    ],
    [
      's3 sink with a kinesis field',
      `${VALID}\nconsumer: { sinks: [{ type: s3, prefix: lake/, stream: x }] }`,
      /consumer.sinks\[0\].stream: is not an allowed property/,
    ],
    [
      'prefix without trailing slash',
      `${VALID}\nconsumer: { sinks: [{ type: s3, prefix: lake }] }`,
      /consumer.sinks\[0\].prefix: must match pattern/,
    ],
    [
      'unbounded retries',
      `${VALID}\nconsumer: { maximumRetryAttempts: -1, sinks: [{ type: s3, prefix: lake/ }] }`,
      /consumer.maximumRetryAttempts: must be >= 0/,
    ],
    ['unknown transform step', `${VALID}\ntransforms: [{ uppercase: { fields: [a] } }]`, /transforms\[0\]/],
    [
      'dynamic partitioning below the Firehose buffer minimum',
      `${VALID}
partitioning: { keys: [{ name: event_type, path: event_type }] }
delivery:
  name: d
  prefix: raw/event_type=!{partitionKeyFromLambda:event_type}/
  errorOutputPrefix: errors/!{firehose:error-output-type}/
  buffering: { sizeMB: 5, intervalSeconds: 30 }`,
      /delivery.buffering.sizeMB: is 5, but with dynamic partitioning Firehose requires at least 64/,
    ],
    [
      'a consumer sink format that does not exist',
      `${VALID}\nconsumer: { sinks: [{ type: s3, prefix: lake/, format: parquet }] }`,
      /consumer.sinks\[0\].format: must be one of "jsonl"/,
    ],
    [
      'a Parquet converter that would trigger itself',
      `${VALID}\nconversion: { inputPrefix: raw/, outputPrefix: raw/curated/, errorPrefix: errors/ }`,
      /conversion.outputPrefix/,
    ],
  ])('%s', (_name, text, expected) => {
    const problems = problemsOf(text);
    expect(problems.join('\n')).toMatch(expected);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(VALID.replace('{ name: clicks }', '{ name: clicks, shards: 0, mode: FAST }'));
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it('puts the file name and each problem in the error message', () => {
    expect(() => parsePipeline(`${VALID}\nstreams: {}`, FILE)).toThrow(
      new RegExp(
        `${FILE.replace(/[/.]/g, '\\$&')} is not a valid pipeline:\\n  - streams: is not an allowed property`,
      ),
    );
  });
});

describe('pipeline.yml warnings: valid date patterns that surely meant a date (issue 18)', () => {
  const SAMPLE = readFileSync(FILE, 'utf8');
  // The sample pipeline with minutes for months in the dt key, and a week-based year in the error prefix.
  const MISTAKEN = SAMPLE.replace('pattern: yyyy-MM-dd', 'pattern: yyyy-mm-dd').replace(
    'dt=!{timestamp:yyyy-MM-dd}',
    'dt=!{timestamp:YYYY-MM-dd}',
  );

  it('has none for the sample pipeline', () => {
    expect(loadPipeline(FILE, { strict: true }).warnings).toEqual([]);
  });

  it('names the field, the pattern and the fix, and still loads', () => {
    // Act
    const { warnings } = parsePipeline(MISTAKEN, FILE);
    // Assess
    expect(MISTAKEN).not.toBe(SAMPLE);
    expect(warnings).toEqual([
      "partitioning.keys[1].timestamp.pattern: 'yyyy-mm-dd': 'mm' is minutes, beside a date with no month and no hour: the month was surely meant; write 'yyyy-MM-dd'",
      expect.stringMatching(
        /^delivery\.errorOutputPrefix: 'YYYY-MM-dd': 'YYYY' is the week-based year.*; write 'yyyy-MM-dd'$/,
      ),
    ]);
  });

  it('refuses them under strict, naming each', () => {
    // Act
    const problems = problemsOfStrict(MISTAKEN);
    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^partitioning\.keys\[1\]\.timestamp\.pattern: 'yyyy-mm-dd'.*\(a warning, refused in strict mode\)$/,
      ),
      expect.stringMatching(
        /^delivery\.errorOutputPrefix: 'YYYY-MM-dd'.*\(a warning, refused in strict mode\)$/,
      ),
    ]);
  });

  it('makes kpipe local --strict fail before starting anything', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kpipe-strict-'));
    const file = join(dir, 'pipeline.yml');
    writeFileSync(file, MISTAKEN.replace('schema: schemas/', `schema: ${resolve('schemas')}/`));
    // Act / Assess
    await expect(runLocal(['--strict', file])).rejects.toThrow(
      /partitioning\.keys\[1\]\.timestamp\.pattern: 'yyyy-mm-dd'.*write 'yyyy-MM-dd' \(a warning, refused in strict mode\)/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

function problemsOfStrict(text: string): string[] {
  try {
    parsePipeline(text, FILE, { strict: true });
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the pipeline to be refused');
}

describe('a typo in pipeline.yml gets a "did you mean"', () => {
  it.each([
    [
      'a top-level key',
      `${VALID}\nstreams: {}`,
      'streams: is not an allowed property (did you mean "stream"?)',
    ],
    [
      'a key of a block',
      VALID.replace('{ name: clicks }', '{ name: clicks, shard: 2 }'),
      'stream.shard: is not an allowed property (did you mean "shards"?)',
    ],
    [
      'a key of a list item',
      `${VALID}\nconsumer: { sinks: [{ type: s3, prefx: lake/ }] }`,
      'consumer.sinks[0].prefx: is not an allowed property (did you mean "prefix"?)',
    ],
    [
      'a transform step',
      `${VALID}\ntransforms: [{ msk: { fields: [a] } }]`,
      'transforms[0].msk: is not an allowed property (did you mean "mask"?)',
    ],
    [
      'a key in a referenced schema',
      `${VALID}\npartitioning: { engin: lambda, keys: [{ name: a, path: a }] }`,
      'partitioning.engin: is not an allowed property (did you mean "engine"?)',
    ],
    [
      'an enum value in another case and spelling',
      VALID.replace('{ name: clicks }', '{ name: clicks, mode: on-demand }'),
      'stream.mode: must be one of "PROVISIONED", "ON_DEMAND" (did you mean "ON_DEMAND"?)',
    ],
    [
      'an enum value of a list item',
      `${VALID}\nconsumer: { sinks: [{ type: s4, prefix: lake/ }] }`,
      'consumer.sinks[0].type: must be one of "s3", "firehose", "kinesis" (did you mean "s3"?)',
    ],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });

  it.each([
    ['a key nothing is close to', `${VALID}\nzzzzzzzz: 1`, 'zzzzzzzz: is not an allowed property'],
    [
      'an enum value nothing is close to',
      VALID.replace('{ name: clicks }', '{ name: clicks, mode: FAST }'),
      'stream.mode: must be one of "PROVISIONED", "ON_DEMAND"',
    ],
  ])('but not for %s', (_name, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });
});
