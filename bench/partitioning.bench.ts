/**
 * Partition key extraction and prefix evaluation per record, each beside the least hand-written code that
 * reaches the same result for these inputs.
 */
import { runBench } from './harness';
import { compileKeyRules, evaluatePrefix, parsePrefix, sanitizePartitionValue } from '../lib/partitioning';

const COUNT = 10_000;
const TYPES = ['click', 'view', 'purchase', 'add_to_cart'];
const records = Array.from({ length: COUNT }, (_, index) => ({
  event_type: TYPES[index % TYPES.length],
  timestamp: new Date(Date.UTC(2024, 2, 5) + index * 60_000).toISOString(),
}));
const context = { arrivalTime: new Date() };

export default async function (): Promise<void> {
  const extract = compileKeyRules({
    engine: 'lambda',
    onMissingKey: 'default',
    keys: [
      { name: 'event_type', path: 'event_type', default: 'unknown' },
      { name: 'dt', timestamp: { field: 'timestamp', pattern: 'yyyy-MM-dd' } },
    ],
  });
  await runBench({
    name: 'compileKeyRules (path + ISO timestamp key)',
    unitsPerCall: COUNT,
    unit: 'records',
    subject: () => records.map((record) => extract(record, context)),
    baselineName: 'read both fields, slice the date',
    baseline: () =>
      records.map((record) => ({
        ok: true,
        keys: { event_type: record.event_type, dt: record.timestamp.slice(0, 10) },
      })),
  });

  const prefix = parsePrefix(
    'raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/',
  );
  const timestamp = new Date();
  const keys = records.map((record) => ({
    event_type: record.event_type as string,
    dt: record.timestamp.slice(0, 10),
  }));
  await runBench({
    name: 'evaluatePrefix (pipeline.yml prefix)',
    unitsPerCall: COUNT,
    unit: 'prefixes',
    subject: () => keys.map((lambdaKeys) => evaluatePrefix(prefix, { lambdaKeys, timestamp })),
    baselineName: 'template string',
    baseline: () => keys.map((k) => ({ ok: true, prefix: `raw/event_type=${k.event_type}/dt=${k.dt}/` })),
  });

  const hostile = Array.from({ length: COUNT }, (_, index) => `../tenant ${index}/café\u0301#${index % 7}`);
  await runBench({
    name: 'sanitizePartitionValue (hostile unicode values)',
    unitsPerCall: COUNT,
    unit: 'values',
    subject: () => hostile.map((value) => sanitizePartitionValue(value)),
    baselineName: 'one ASCII replace',
    baseline: () => hostile.map((value) => value.replace(/[^A-Za-z0-9_.-]/g, '_')),
  });
}
