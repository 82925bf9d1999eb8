/**
 * From plans to the response, after every record is planned: the 6 MB guard (Ok entries that do not fit are
 * re-ingested instead), re-ingestion of every planned part (a record with a failed part becomes
 * ProcessingFailed, never both Ok and re-ingested), and the final tally into the summary.
 */
import type { DeliveryOptions } from '../sinks/retry';
import { count, failed, toEntry, type Plan, type ReingestPlan } from './plan';
import { reingest, reingestTarget, type ReingestClients, type ReingestPart } from './reingest';
import { entryBytes, fitUnderLimit, responseBytes } from './response-size';
import {
  DROP_REASONS,
  type FirehoseInputRecord,
  type FirehoseInvocation,
  type FirehoseResponseRecord,
  type FirehoseSummary,
} from './types';

export interface SizedEntries {
  entries: FirehoseResponseRecord[];
  /** Each entry's bytes in the response as it stands. */
  sizes: number[];
}

/**
 * Everything not Ok is sized at its largest possible form, then Ok entries are admitted while the response
 * stays under `maxResponseBytes`; the rest are re-planned as re-ingested (`plans` is updated in place).
 */
export function guardResponseSize(
  records: readonly FirehoseInputRecord[],
  plans: Plan[],
  maxResponseBytes: number,
): SizedEntries {
  // Stryker disable next-line ArrayDeclaration: a length given only to preallocate; every index is set below
  const entries: FirehoseResponseRecord[] = new Array<FirehoseResponseRecord>(plans.length);
  // Stryker disable next-line ArrayDeclaration: as above
  const sizes: number[] = new Array<number>(plans.length);
  const candidates: { index: number; okBytes: number; fallbackBytes: number }[] = [];
  for (let index = 0; index < plans.length; index += 1) {
    const plan = plans[index]!;
    const entry = toEntry(records[index]!.recordId, plan);
    entries[index] = entry;
    if (plan.kind === 'dropped') {
      sizes[index] = entryBytes(entry);
      continue;
    }
    // Any other entry at its ProcessingFailed size: a failed entry's own, the largest that a re-ingested
    // one or an Ok one moved out can come to (putting it back may fail).
    const fallbackBytes = entryBytes({ recordId: entry.recordId, result: 'ProcessingFailed' });
    sizes[index] = fallbackBytes;
    if (plan.kind === 'ok') candidates.push({ index, okBytes: entryBytes(entry), fallbackBytes });
  }
  const keep = fitUnderLimit(candidates, responseBytes(sizes), maxResponseBytes);
  candidates.forEach((candidate, position) => {
    if (keep[position]) {
      sizes[candidate.index] = candidate.okBytes;
      return;
    }
    const record = records[candidate.index]!;
    plans[candidate.index] = {
      kind: 'reingest',
      reason: 'reingested-overflow',
      parts: [Buffer.from(record.data, 'base64')],
    };
  });
  return { entries, sizes };
}

/** PutRecords needs 1-256 characters; the source record's key keeps it on the same shard. */
function partitionKeyOf(record: FirehoseInputRecord): string {
  const key = record.kinesisRecordMetadata?.partitionKey;
  if (typeof key === 'string' && key.length > 0) return key;
  return String(record.recordId).slice(0, 256) || 'reingested';
}

/** Puts every re-ingest plan's parts back; a plan with a failed part becomes ProcessingFailed (in place). */
export async function reingestPlanned(
  event: FirehoseInvocation,
  plans: Plan[],
  summary: FirehoseSummary,
  clients: ReingestClients,
  retry: DeliveryOptions,
): Promise<void> {
  const parts: ReingestPart[] = [];
  plans.forEach((plan, entry) => {
    if (plan.kind !== 'reingest') return;
    const partitionKey = partitionKeyOf(event.records[entry]!);
    for (const data of plan.parts) parts.push({ entry, data, partitionKey });
    summary.reingest.records += 1;
  });
  if (parts.length === 0) return;
  const target = reingestTarget(event, clients);
  summary.reingest.target = target.kind;
  summary.reingest.parts = parts.length;
  const outcome = await reingest(target, parts, retry);
  summary.reingest.failedParts = outcome.failed.length;
  const failures = new Map<number, { count: number; first: string }>();
  for (const failure of outcome.failed) {
    const entry = parts[failure.index]!.entry;
    const known = failures.get(entry);
    if (known === undefined) {
      failures.set(entry, { count: 1, first: `${failure.errorCode}: ${failure.errorMessage}` });
    } else known.count += 1;
  }
  summary.reingest.errors = [...new Set(outcome.failed.map((failure) => failure.errorCode))];
  const because = (plan: ReingestPlan, failedParts: number, first: string): string => {
    if (target.kind === 'none')
      return `must be re-ingested (${plan.reason}), which is impossible: ${target.problem}`;
    const destination = `${target.kind === 'kinesis' ? 'PutRecords to' : 'PutRecordBatch to'} ${target.name}`;
    return `${DROP_REASONS[plan.reason]}; ${destination} failed for ${failedParts} of ${plan.parts.length} part(s): ${first}`;
  };
  for (const [entry, { count: failedParts, first }] of failures) {
    const plan = plans[entry] as ReingestPlan;
    // Parts already put back may arrive again: the error output then holds the whole record as a superset.
    plans[entry] = failed('reingest-failed', because(plan, failedParts, first));
  }
}

/**
 * The final entries of the records that are not Ok (only those can have changed: moved out, or their
 * re-ingestion failed), and the summary's counts; returns the response's size in bytes.
 */
export function tallyPlans(
  records: readonly FirehoseInputRecord[],
  plans: readonly Plan[],
  { entries, sizes }: SizedEntries,
  summary: FirehoseSummary,
  maxListedFailures: number,
): number {
  for (let index = 0; index < plans.length; index += 1) {
    const plan = plans[index]!;
    if (plan.kind === 'ok') {
      summary.ok += 1;
      continue;
    }
    const recordId = records[index]!.recordId;
    const entry = toEntry(recordId, plan);
    entries[index] = entry;
    sizes[index] = entryBytes(entry);
    if (plan.kind === 'failed') {
      summary.processingFailed += 1;
      count(summary.failed, plan.reason);
      if (summary.failures.length < maxListedFailures) {
        summary.failures.push({ recordId, reason: plan.reason, message: plan.message });
      }
    } else {
      summary.dropped += 1;
      count(summary.droppedRecords, plan.reason);
    }
  }
  return responseBytes(sizes);
}
