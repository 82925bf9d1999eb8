import { KinesisClient } from '@aws-sdk/client-kinesis';
import { resolve } from 'node:path';
import pipelineSchema from '../../../schemas/pipeline.schema.json';
import { loadPipeline } from '../../../lib/pipeline/load';
import {
  INTEGER_RULES,
  MAPPING_DEFAULTS,
  MappingOptionsError,
  resolveMappingOptions,
  type EventSourceMappingOptions,
} from '../../../lib/local/esm-options';

const client = new KinesisClient({ region: 'us-east-1' });
const base: EventSourceMappingOptions = { client, streamName: 'clicks', handler: async () => undefined };

type ConsumerProperty = { default?: unknown; minimum?: number; maximum?: number; enum?: string[] };
const consumerProperties = pipelineSchema.$defs.consumer.properties as Record<string, ConsumerProperty>;
const mappingKeys = Object.keys(MAPPING_DEFAULTS).filter((key) => key in consumerProperties);

describe('resolveMappingOptions', () => {
  it('fills in the defaults', () => {
    // Act
    const options = resolveMappingOptions(base);

    // Assess
    expect(options).toMatchObject({
      ...MAPPING_DEFAULTS,
      functionName: 'local-function',
      pollIntervalMs: 1_000,
    });
    expect(options.readAheadRecords).toBeGreaterThanOrEqual(options.batchSize);
  });

  it.each(mappingKeys)('has the default of pipeline.yml consumer.%s', (key) => {
    expect(MAPPING_DEFAULTS[key as keyof typeof MAPPING_DEFAULTS]).toEqual(consumerProperties[key]!.default);
  });

  it.each(mappingKeys.filter((key) => key in INTEGER_RULES))(
    'accepts the whole pipeline.yml range of consumer.%s',
    (key) => {
      const { minimum, maximum } = consumerProperties[key]!;
      const rule = INTEGER_RULES[key as keyof typeof INTEGER_RULES];
      expect(rule.min).toBeLessThanOrEqual(minimum!);
      expect(rule.max).toBeGreaterThanOrEqual(maximum!);
    },
  );

  it('takes the consumer block of the sample pipeline.yml as it is', () => {
    // Prepare
    const consumer = loadPipeline(resolve(__dirname, '../../../pipeline.yml')).config.consumer!;

    // Act
    const options = resolveMappingOptions({ ...base, ...consumer });

    // Assess
    expect(options).toMatchObject({
      batchSize: consumer.batchSize,
      batchWindowSeconds: consumer.batchWindowSeconds,
      startingPosition: consumer.startingPosition,
      maximumRetryAttempts: consumer.maximumRetryAttempts,
      bisectBatchOnFunctionError: consumer.bisectBatchOnFunctionError,
    });
  });

  it.each([
    [{ batchSize: 0 }, 'batchSize must be an integer 1–10000'],
    [{ batchSize: 10_001 }, 'batchSize must be an integer 1–10000'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ batchWindowSeconds: 301 }, 'batchWindowSeconds'],
    [{ parallelizationFactor: 11 }, 'parallelizationFactor'],
    [{ maximumRetryAttempts: -2 }, 'maximumRetryAttempts must be an integer 0–10000 or -1'],
    [{ maximumRecordAgeSeconds: 59 }, 'maximumRecordAgeSeconds must be an integer 60–604800 or -1'],
    [{ tumblingWindowSeconds: 901 }, 'tumblingWindowSeconds'],
    [{ bisectBatchOnFunctionError: 'yes' }, 'bisectBatchOnFunctionError must be true or false'],
    [{ startingPosition: 'EARLIEST' }, 'startingPosition must be one of LATEST, TRIM_HORIZON, AT_TIMESTAMP'],
    [{ startingPosition: 'AT_TIMESTAMP' }, 'startingPositionTimestamp (epoch seconds or a Date) is required'],
    [{ startingPositionTimestamp: 1 }, 'only valid with startingPosition AT_TIMESTAMP'],
    [{ batchSize: 500, readAheadRecords: 100 }, 'readAheadRecords (100) must be >= batchSize (500)'],
    [
      { retryBackoff: { baseDelayMs: 10, maxDelayMs: 1 } },
      'retryBackoff.maxDelayMs (1) must be >= baseDelayMs (10)',
    ],
    [{ pollBackoff: { baseDelayMs: -1 } }, 'pollBackoff.baseDelayMs must be a number >= 0'],
    [{ batchSzie: 10 }, 'unknown option "batchSzie"'],
    [{ streamName: '' }, 'streamName must be a non-empty string'],
    [{ handler: 'index.handler' }, 'handler must be a function'],
    [{ checkpointFile: '' }, 'checkpointFile must be a non-empty string'],
  ])('rejects %j', (bad, message) => {
    // Act
    const act = () => resolveMappingOptions({ ...base, ...(bad as object) } as EventSourceMappingOptions);

    // Assess
    expect(act).toThrow(MappingOptionsError);
    expect(act).toThrow(message);
  });

  it('lists every problem at once', () => {
    // Act
    let error: MappingOptionsError | undefined;
    try {
      resolveMappingOptions({ ...base, batchSize: 0, parallelizationFactor: 0 });
    } catch (caught) {
      error = caught as MappingOptionsError;
    }

    // Assess
    expect(error?.problems).toHaveLength(2);
  });

  it.each([
    [1_700_000_000, 1_700_000_000_000],
    [new Date(1_700_000_000_000), 1_700_000_000_000],
  ])('reads startingPositionTimestamp %p', (timestamp, ms) => {
    expect(
      resolveMappingOptions({
        ...base,
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: timestamp,
      }).startingTimestampMs,
    ).toBe(ms);
  });
});
