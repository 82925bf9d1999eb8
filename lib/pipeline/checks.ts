import { jqMetadataExtractionQuery, validatePrefixes } from '../partitioning';
import { lintTimestampPattern } from '../partitioning/pattern-lint';
import { assertTimeZone } from '../partitioning/timestamp-format';
import { AnalyticsSqlError, compilePipelineQuery } from '../analytics/sql';
import { validateConversionConfig } from '../parquet/config';
import { usesDynamicPartitioning } from '../firehose/config';
import { FieldPathError, parseFieldPath } from '../records/field-path';
import type { PipelineConfig } from './types';

/** Rules that JSON Schema cannot express: each returns problems, each naming its field. */
type Check = (pipeline: PipelineConfig, recordSchema: object) => string[];

const DYNAMIC_PARTITIONING_MIN_BUFFER_MB = 64;
const DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS = 60;

/** Which key names reach the prefix from the Lambda and from the jq query, given engine and processor. */
export function availablePartitionKeys(pipeline: PipelineConfig): {
  lambdaKeys: string[];
  queryKeys: string[];
} {
  const partitioning = pipeline.partitioning;
  const names = partitioning?.keys.map((key) => key.name) ?? [];
  const engine = partitioning?.engine ?? 'lambda';
  const lambdaProducesKeys = engine === 'lambda' && pipeline.delivery?.processor.function !== 'none';
  return { lambdaKeys: lambdaProducesKeys ? names : [], queryKeys: engine === 'jq' ? names : [] };
}

const checks: Record<string, Check> = {
  /** Firehose refuses these at deploy time, after a long wait; say it now. */
  dynamicPartitioningBuffer(pipeline) {
    const delivery = pipeline.delivery;
    if (!delivery || !usesDynamicPartitioning(delivery)) return [];
    const problems: string[] = [];
    if (delivery.buffering.sizeMB < DYNAMIC_PARTITIONING_MIN_BUFFER_MB) {
      problems.push(
        `delivery.buffering.sizeMB: is ${delivery.buffering.sizeMB}, but with dynamic partitioning Firehose requires at least ${DYNAMIC_PARTITIONING_MIN_BUFFER_MB} (MiB)`,
      );
    }
    if (delivery.buffering.intervalSeconds < DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS) {
      problems.push(
        `delivery.buffering.intervalSeconds: is ${delivery.buffering.intervalSeconds}, but with dynamic partitioning Firehose requires at least ${DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS}`,
      );
    }
    return problems;
  },

  /** Prefix syntax, error prefix rules, and keys the prefix names but nothing produces. */
  deliveryPrefixes(pipeline) {
    const delivery = pipeline.delivery;
    if (!delivery) return [];
    if (delivery.timeZone !== undefined) {
      try {
        assertTimeZone(delivery.timeZone);
      } catch (error) {
        return [`delivery.timeZone: ${(error as Error).message}`];
      }
    }
    return validatePrefixes({
      prefix: delivery.prefix,
      errorOutputPrefix: delivery.errorOutputPrefix,
      dynamicPartitioning: usesDynamicPartitioning(delivery),
      ...availablePartitionKeys(pipeline),
      timeZone: delivery.timeZone,
    });
  },

  /** Combinations that deploy but can never produce keys. */
  deliveryEngine(pipeline) {
    const delivery = pipeline.delivery;
    const partitioning = pipeline.partitioning;
    if (!delivery) return [];
    const engine = partitioning?.engine ?? 'lambda';
    const problems: string[] = [];
    if (delivery.processor.function === 'partitionKeys' && (!partitioning || engine !== 'lambda')) {
      problems.push(
        'delivery.processor.function: partitionKeys computes keys from a `partitioning` block with engine lambda;' +
          ' with engine jq use firehoseTransformer or none',
      );
    }
    if (partitioning && engine === 'jq' && usesDynamicPartitioning(delivery)) {
      if (delivery.input === 'cloudwatch-logs') {
        problems.push(
          'delivery.input: jq extraction reads one JSON object per record, but CloudWatch Logs records become' +
            ' several lines; use partitioning.engine lambda',
        );
      }
      try {
        jqMetadataExtractionQuery(partitioning);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return problems;
  },

  /** Field paths follow the one rule of lib/records/field-path.ts (no `__proto__`...), named by field. */
  consumerFieldPaths(pipeline) {
    return (pipeline.consumer?.sinks ?? []).flatMap((sink, index) => {
      if (sink.type !== 'kinesis' || sink.partitionKeyField === undefined) return [];
      try {
        parseFieldPath(sink.partitionKeyField);
        return [];
      } catch (error) {
        if (!(error instanceof FieldPathError)) throw error;
        return [`consumer.sinks[${index}].partitionKeyField: ${error.message}`];
      }
    });
  },

  /** The Parquet converter must not read what it writes (it would trigger itself). */
  conversionPrefixes(pipeline) {
    return pipeline.conversion ? validateConversionConfig(pipeline.conversion) : [];
  },

  /** The analytics query compiles (cold start would fail otherwise): an unsupported clause or unknown column is named. */
  analyticsSql(pipeline, recordSchema) {
    if (!pipeline.analytics) return [];
    try {
      compilePipelineQuery(pipeline, recordSchema);
      return [];
    } catch (error) {
      if (error instanceof AnalyticsSqlError) return [`analytics.sql: ${error.message}`];
      throw error;
    }
  },
};

export function crossFieldProblems(pipeline: PipelineConfig, recordSchema: object): string[] {
  return Object.values(checks).flatMap((check) => check(pipeline, recordSchema));
}

/** `!{timestamp:...}` patterns of a prefix (the value runs to the first `}`, as Firehose reads it). */
const prefixPatterns = (prefix: string | undefined): string[] =>
  [...(prefix ?? '').matchAll(/!\{timestamp:([^}]*)\}/g)].map((match) => match[1] as string);

/**
 * Valid settings that are surely mistakes (date patterns with minutes for months...): warnings, each naming
 * its field, that `--strict` turns into problems.
 */
export function pipelineWarnings(pipeline: PipelineConfig): string[] {
  const keyPatterns = (pipeline.partitioning?.keys ?? []).flatMap((key, index) =>
    'timestamp' in key
      ? [{ field: `partitioning.keys[${index}].timestamp.pattern`, pattern: key.timestamp.pattern }]
      : [],
  );
  const delivery = pipeline.delivery;
  const prefixes = (['prefix', 'errorOutputPrefix'] as const).flatMap((name) =>
    prefixPatterns(delivery?.[name]).map((pattern) => ({ field: `delivery.${name}`, pattern })),
  );
  return [...keyPatterns, ...prefixes].flatMap(({ field, pattern }) =>
    lintTimestampPattern(pattern).map((warning) => `${field}: ${warning}`),
  );
}
