import type { PipelineConfig } from './types';

/** Rules that JSON Schema cannot express: each returns problems, each naming its field. */
type Check = (pipeline: PipelineConfig, recordSchema: object) => string[];

const DYNAMIC_PARTITIONING_MIN_BUFFER_MB = 64;
const DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS = 60;

function usesDynamicPartitioning(pipeline: PipelineConfig): boolean {
  return pipeline.delivery?.prefix.includes('!{partitionKeyFrom') ?? false;
}

const checks: Record<string, Check> = {
  /** Firehose refuses these at deploy time, after a long wait; say it now. */
  dynamicPartitioningBuffer(pipeline) {
    const delivery = pipeline.delivery;
    if (!delivery || !usesDynamicPartitioning(pipeline)) return [];
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
};

export function crossFieldProblems(pipeline: PipelineConfig, recordSchema: object): string[] {
  return Object.values(checks).flatMap((check) => check(pipeline, recordSchema));
}
