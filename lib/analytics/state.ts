/**
 * The window state Lambda hands back on every invocation of a tumbling window (one per shard and window).
 * Versioned JSON: partial aggregates per group in their mergeable form, the last sequence number processed
 * per shard (so a re-delivered batch is not counted twice), the early-emission part counter and the window's
 * counters. In memory the groups live in a Map keyed by their values; the JSON keeps values once, as arrays.
 */
import { distinctKey, type Accumulator } from './aggregates';
import type { CompiledQuery } from './sql';

export const STATE_VERSION = 1;

export interface WindowStats {
  /** Kinesis records in the invocations, re-delivered ones included. */
  records: number;
  /** Records skipped because their sequence number was already processed (re-delivery). */
  duplicates: number;
  /** JSON objects decoded from the records (KPL user records and JSON lines expanded). */
  objects: number;
  /** Objects that passed WHERE and were aggregated. */
  aggregated: number;
  /** Objects WHERE did not keep (false or unknown). */
  filtered: number;
  /** Objects dropped by a transform rule, by rule. */
  dropped: Record<string, number>;
  /** Records or objects that could not be used, by reason (invalid-json, schema-violation, ...). */
  failed: Record<string, number>;
  /** Non-NULL values an aggregate could not use (a string in SUM), by aggregate. */
  ignoredValues: Record<string, number>;
}

export interface SerializedState {
  v: typeof STATE_VERSION;
  /** CompiledQuery.fingerprint: a state written for another query is not merged. */
  query: string;
  /** Window start (ISO) this state belongs to. */
  window: string;
  /** Last sequence number processed, per shard. */
  seq: Record<string, string>;
  /** Early emissions made in this window so far. */
  part: number;
  stats: WindowStats;
  /** [group values, accumulator states in SELECT's aggregate order]. */
  groups: [unknown[], unknown[]][];
}

export interface Group {
  values: unknown[];
  accumulators: Accumulator[];
}

export function emptyStats(): WindowStats {
  return {
    records: 0,
    duplicates: 0,
    objects: 0,
    aggregated: 0,
    filtered: 0,
    dropped: {},
    failed: {},
    ignoredValues: {},
  };
}

/** In-memory key of a group: one column keyed by its value, several by their JSON. */
export function groupKeyFunction(columns: number): (values: readonly unknown[]) => string {
  if (columns === 0) return () => '';
  if (columns === 1) return (values) => distinctKey(values[0]);
  return (values) => JSON.stringify(values);
}

export class WindowState {
  readonly groups = new Map<string, Group>();
  seq: Record<string, string> = {};
  part = 0;
  stats: WindowStats = emptyStats();
  private readonly keyOf: (values: readonly unknown[]) => string;

  constructor(
    readonly query: CompiledQuery,
    readonly window: string,
  ) {
    this.keyOf = groupKeyFunction(query.groups.length);
  }

  /** The group of these values, created empty when new. */
  group(key: string, values: () => unknown[]): Group {
    let group = this.groups.get(key);
    if (!group) {
      group = {
        values: values(),
        accumulators: this.query.aggregates.map((aggregate) => aggregate.factory.create()),
      };
      this.groups.set(key, group);
    }
    return group;
  }

  /** Adds another partial of the same query (another shard, or an earlier part) into this one. */
  merge(other: WindowState): void {
    for (const [key, theirs] of other.groups) {
      const mine = this.group(key, () => theirs.values);
      mine.accumulators.forEach((accumulator, index) => accumulator.merge(theirs.accumulators[index]!));
    }
  }

  /** After an early emission: the groups start again, the sequence numbers and counters carry on. */
  nextPart(): void {
    this.groups.clear();
    this.part += 1;
  }

  toJSON(): SerializedState {
    const groups: [unknown[], unknown[]][] = [];
    for (const group of this.groups.values()) {
      groups.push([group.values, group.accumulators.map((accumulator) => accumulator.toJSON())]);
    }
    return {
      v: STATE_VERSION,
      query: this.query.fingerprint,
      window: this.window,
      seq: this.seq,
      part: this.part,
      stats: this.stats,
      groups,
    };
  }

  /**
   * The state Lambda passed, or a fresh one when it is empty (a new window). A state of another version,
   * query or window cannot be merged: `discarded` says why, with its counters, for the caller to log.
   */
  static revive(
    json: unknown,
    query: CompiledQuery,
    window: string,
  ): { state: WindowState; discarded?: { reason: string; stats?: unknown } } {
    const state = new WindowState(query, window);
    if (json === null || json === undefined || (typeof json === 'object' && Object.keys(json).length === 0)) {
      return { state };
    }
    const candidate = json as Partial<SerializedState>;
    const discard = (reason: string) => ({
      state: new WindowState(query, window),
      discarded: { reason, stats: candidate.stats },
    });
    if (candidate.v !== STATE_VERSION)
      return discard(`state version ${String(candidate.v)} is not ${STATE_VERSION}`);
    if (candidate.query !== query.fingerprint) {
      return discard(
        `state was written for another query (${String(candidate.query)}, now ${query.fingerprint})`,
      );
    }
    if (candidate.window !== window) {
      return discard(`state belongs to window ${String(candidate.window)}, not ${window}`);
    }
    try {
      if (!Array.isArray(candidate.groups)) throw new Error('groups is not an array');
      for (const entry of candidate.groups) {
        if (!Array.isArray(entry) || !Array.isArray(entry[0]) || !Array.isArray(entry[1])) {
          throw new Error('a group is not [values, accumulators]');
        }
        const [values, accumulators] = entry as [unknown[], unknown[]];
        if (values.length !== query.groups.length || accumulators.length !== query.aggregates.length) {
          throw new Error('a group does not match the query');
        }
        state.groups.set(state.keyOf(values), {
          values,
          accumulators: query.aggregates.map((aggregate, index) =>
            aggregate.factory.revive(accumulators[index]),
          ),
        });
      }
      state.seq = { ...(candidate.seq as Record<string, string>) };
      state.part = typeof candidate.part === 'number' ? candidate.part : 0;
      state.stats = { ...emptyStats(), ...candidate.stats };
    } catch (error) {
      return discard(`state is malformed: ${(error as Error).message}`);
    }
    return { state };
  }
}

/** Size in bytes of the state as Lambda receives it (UTF-8 JSON). */
export function stateBytes(serialized: SerializedState): number {
  return Buffer.byteLength(JSON.stringify(serialized));
}

/** Kinesis sequence numbers are decimal strings without leading zeros: longer is later. */
export function isAfter(sequenceNumber: string, last: string | undefined): boolean {
  if (last === undefined) return true;
  if (sequenceNumber.length !== last.length) return sequenceNumber.length > last.length;
  return sequenceNumber > last;
}
