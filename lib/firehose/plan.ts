/**
 * What one record of a Firehose invocation comes to before the response is fitted under its size limit, and
 * the pure rules on plans: how a plan becomes a response entry, and how items that cannot be returned as one
 * record are split into re-ingestable parts.
 */
import type { DropReason, FirehoseFailureReason, FirehoseResponseRecord } from './types';
import { DROP_REASONS } from './types';

export type Keys = Record<string, string>;

export type Plan =
  | { kind: 'ok'; data: string; keys: Keys | undefined }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'failed'; reason: FirehoseFailureReason; message: string }
  | { kind: 'reingest'; reason: DropReason; parts: Uint8Array[] };

export type ReingestPlan = Extract<Plan, { kind: 'reingest' }>;

export type SplitReason = Extract<DropReason, 'reingested-split-keys' | 'reingested-split-size'>;

export function failed(reason: FirehoseFailureReason, message: string): Plan {
  return { kind: 'failed', reason, message };
}

export const DROPPED = Object.fromEntries(
  (Object.keys(DROP_REASONS) as DropReason[]).map((reason) => [
    reason,
    Object.freeze({ kind: 'dropped', reason }),
  ]),
) as Record<DropReason, Plan>;

export function sameKeys(a: Keys, b: Keys): boolean {
  for (const name in a) if (a[name] !== b[name]) return false;
  return true;
}

/** Groups item indexes by their key set, first appearance first. */
export function groupByKeys(indexes: readonly number[], keys: readonly Keys[]): number[][] {
  const groups = new Map<string, number[]>();
  indexes.forEach((index, position) => {
    const id = JSON.stringify(keys[position]);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [index]);
    else group.push(index);
  });
  return [...groups.values()];
}

export function count<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export function toEntry(recordId: string, plan: Plan): FirehoseResponseRecord {
  if (plan.kind === 'ok') {
    return plan.keys === undefined
      ? { recordId, result: 'Ok', data: plan.data }
      : { recordId, result: 'Ok', data: plan.data, metadata: { partitionKeys: plan.keys } };
  }
  return { recordId, result: plan.kind === 'failed' ? 'ProcessingFailed' : 'Dropped' };
}

export interface SplitInput {
  reason: SplitReason;
  /** Item indexes, by the group they must stay in (one key set per group). */
  groups: readonly number[][];
  /** An item's output bytes (0 where the output is the input itself). */
  outputBytes: (index: number) => number;
  /** The re-ingested data of some items: the original record rebuilt from them. */
  build: (indexes: readonly number[]) => Buffer;
  maxRecordBytes: number;
  /** Names an item in a message ("object 2 of 5: "), or '' for a record of one. */
  where: (index: number) => string;
}

/**
 * Splits items into re-ingestable parts: per group, halves until each half's output fits a record and its
 * rebuilt original fits one put. A single item that fits neither fails the record.
 */
export function splitIntoParts({
  reason,
  groups,
  outputBytes,
  build,
  maxRecordBytes,
  where,
}: SplitInput): Plan {
  const parts: Uint8Array[] = [];
  const visit = (indexes: number[]): string | undefined => {
    let output = 0;
    for (const index of indexes) output += outputBytes(index);
    if (output <= maxRecordBytes) {
      const part = build(indexes);
      if (part.length <= maxRecordBytes) {
        parts.push(part);
        return undefined;
      }
      if (indexes.length === 1) {
        return `${where(indexes[0]!)}is ${part.length} bytes as re-ingested data; a record may hold ${maxRecordBytes}`;
      }
    } else if (indexes.length === 1) {
      return `${where(indexes[0]!)}is ${output} bytes after transformation; a record may hold ${maxRecordBytes}`;
    }
    const middle = indexes.length >> 1;
    return visit(indexes.slice(0, middle)) ?? visit(indexes.slice(middle));
  };
  for (const group of groups) {
    const problem = visit(group);
    if (problem !== undefined) return failed('record-too-large', problem);
  }
  return { kind: 'reingest', reason, parts };
}
