/**
 * CloudWatch metrics (Powertools Metrics, embedded metric format) for what each function's summary logs. One
 * namespace per deploy stage (POWERTOOLS_METRICS_NAMESPACE, set by lib/deploy), the function as the `service`
 * dimension, and breakdowns by a closed set of codes only (a rejection reason, a drop rule named in
 * pipeline.yml, an object outcome): never a record value, so the number of metric streams stays bounded.
 * The counts are buffered and flushed once per invocation by the `logMetrics` middleware.
 */
import type { MiddlewareObj } from '@middy/core';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { METRIC_NAMES } from './metric-names';

/** When no namespace is configured (tests, `kpipe local` without a stage). */
export const DEFAULT_NAMESPACE = 'kinesis-pipeline/local';

export function createMetrics(serviceName: string, env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    serviceName,
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_NAMESPACE,
  });
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Middy middleware: `metrics` flushed once per invocation (Powertools' logMetrics, with the cold-start
 * metric), and an invocation that throws counted as InvocationErrors. So every invocation publishes a metric,
 * and Powertools never adds "No application metrics to publish" beside a wrong event or an unreadable salt:
 * people read that warning as a second error.
 */
export function metricsMiddleware(metrics: Metrics): MiddlewareObj[] {
  return [
    logMetrics(metrics, { captureColdStartMetric: true }),
    // Used after logMetrics, so its onError runs first (middy runs them in reverse) and logMetrics flushes it.
    {
      onError: () => {
        metrics.addMetric(METRIC_NAMES.invocationErrors, MetricUnit.Count, 1);
      },
    },
  ];
}

/** One invocation's figures: plain counts, and counts broken down by one low-cardinality dimension. */
export interface InvocationMetrics {
  counts: Record<string, number | undefined>;
  /** Milliseconds the batch took, as the function measured it. */
  durationMs?: number;
  bytes?: Record<string, number | undefined>;
  /** metric name → dimension name → value → count. The metric's total is in `counts` as well. */
  breakdowns?: { metric: string; dimension: string; values: Readonly<Record<string, number | undefined>> }[];
}

/**
 * Adds one invocation's figures to `metrics`' buffer (flushed by `logMetrics`). A breakdown has a dimension
 * of its own, so each of its values is a single metric (one EMF line each, written now); zero values are
 * left out, so a clean batch writes one line.
 */
export function recordInvocation(metrics: Metrics, figures: InvocationMetrics): void {
  const add = (name: string, unit: Unit, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) metrics.addMetric(name, unit, value);
  };
  for (const [name, value] of Object.entries(figures.counts)) add(name, MetricUnit.Count, value);
  for (const [name, value] of Object.entries(figures.bytes ?? {})) add(name, MetricUnit.Bytes, value);
  add('BatchDuration', MetricUnit.Milliseconds, figures.durationMs);
  for (const { metric, dimension, values } of figures.breakdowns ?? []) {
    for (const [value, count] of Object.entries(values)) {
      if (count === undefined || count === 0) continue;
      const single = metrics.singleMetric();
      single.addDimension(dimension, value);
      single.addMetric(metric, MetricUnit.Count, count);
    }
  }
}

/** Sum of a count map's values (undefined entries count 0). */
export function total(values: Readonly<Record<string, number | undefined>>): number {
  let sum = 0;
  for (const value of Object.values(values)) sum += value ?? 0;
  return sum;
}
