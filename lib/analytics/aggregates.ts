/**
 * Aggregate accumulators in a mergeable form: each adds values one at a time, merges with another partial
 * of the same kind (invocations, shards, early emissions), serialises to compact JSON for the window state
 * and revives from it. NULLs are skipped as SQL does; a value of the wrong type (a string in SUM) is skipped
 * too and reported by `add` returning false, so the caller counts it instead of failing the record.
 */
import { HyperLogLog } from './hyperloglog';

export type AggregateFunction = 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max';

export interface DistinctOptions {
  /** Distinct values kept exactly per group; past this the group switches to a HyperLogLog sketch. */
  exactLimit: number;
  /** HyperLogLog precision (registers = 2^precision). */
  precision: number;
}

export interface Accumulator {
  /** Returns false when the value was not NULL but could not be aggregated (wrong type). */
  add(value: unknown): boolean;
  merge(other: Accumulator): void;
  result(): number | string | boolean | null;
  toJSON(): unknown;
}

export interface AccumulatorFactory {
  create(): Accumulator;
  /** Throws when `json` is not this accumulator's state form. */
  revive(json: unknown): Accumulator;
}

class StateFormatError extends Error {}

function expect(condition: boolean, what: string, json: unknown): asserts condition {
  if (!condition)
    throw new StateFormatError(`${what}: unexpected state ${JSON.stringify(json)?.slice(0, 80)}`);
}

class CountAll implements Accumulator {
  constructor(public count = 0) {}
  add(_value?: unknown): boolean {
    this.count += 1;
    return true;
  }
  merge(other: CountAll): void {
    this.count += other.count;
  }
  result(): number {
    return this.count;
  }
  toJSON(): number {
    return this.count;
  }
}

class CountValues extends CountAll {
  override add(value: unknown): boolean {
    if (value !== null) this.count += 1;
    return true;
  }
}

/** Key of a value in an exact distinct set: strings as themselves, anything else marked so "1" ≠ 1. */
export function distinctKey(value: unknown): string {
  return typeof value === 'string' ? value : `\u0001${JSON.stringify(value)}`;
}

class CountDistinct implements Accumulator {
  /** Exactly one of `exact` and `sketch` is set. */
  exact: Set<string> | undefined;
  sketch: HyperLogLog | undefined;

  constructor(
    private readonly options: DistinctOptions,
    from: Set<string> | HyperLogLog = new Set(),
  ) {
    if (from instanceof HyperLogLog) this.sketch = from;
    else this.exact = from;
  }
  add(value: unknown): boolean {
    if (value !== null) this.addKey(distinctKey(value));
    return true;
  }
  private addKey(key: string): void {
    if (this.exact) {
      this.exact.add(key);
      if (this.exact.size > this.options.exactLimit) this.toSketch();
    } else {
      this.sketch!.add(key);
    }
  }
  private toSketch(): void {
    const sketch = new HyperLogLog(this.options.precision);
    for (const key of this.exact!) sketch.add(key);
    this.sketch = sketch;
    this.exact = undefined;
  }
  merge(other: CountDistinct): void {
    if (other.exact) {
      for (const key of other.exact) this.addKey(key);
      return;
    }
    if (this.exact) this.toSketch();
    this.sketch!.merge(other.sketch!);
  }
  /** Whether the count is exact (no sketch yet). */
  get isExact(): boolean {
    return this.exact !== undefined;
  }
  result(): number {
    return this.exact ? this.exact.size : this.sketch!.estimate();
  }
  toJSON(): { s: string[] } | { h: string } {
    return this.exact ? { s: [...this.exact] } : { h: this.sketch!.toBase64() };
  }
}

class Sum implements Accumulator {
  constructor(
    public sum = 0,
    public seen = false,
  ) {}
  add(value: unknown): boolean {
    if (typeof value === 'number') {
      this.sum += value;
      this.seen = true;
      return true;
    }
    return value === null;
  }
  merge(other: Sum): void {
    if (!other.seen) return;
    this.sum += other.sum;
    this.seen = true;
  }
  result(): number | null {
    return this.seen ? this.sum : null;
  }
  toJSON(): number | null {
    return this.seen ? this.sum : null;
  }
}

/** AVG as sum and count, so partials merge exactly. */
class Avg implements Accumulator {
  constructor(
    public sum = 0,
    public count = 0,
  ) {}
  add(value: unknown): boolean {
    if (typeof value === 'number') {
      this.sum += value;
      this.count += 1;
      return true;
    }
    return value === null;
  }
  merge(other: Avg): void {
    this.sum += other.sum;
    this.count += other.count;
  }
  result(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
  toJSON(): [number, number] {
    return [this.sum, this.count];
  }
}

type Extreme = number | string | boolean;

function isExtreme(value: unknown): value is Extreme {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

/** MIN / MAX over numbers, strings (UTF-16 order) or booleans; the first value fixes the type. */
class Extremum implements Accumulator {
  constructor(
    private readonly sign: 1 | -1,
    public value: Extreme | null = null,
  ) {}
  add(value: unknown): boolean {
    if (value === null) return true;
    if (!isExtreme(value)) return false;
    const current = this.value;
    if (current === null) {
      this.value = value;
      return true;
    }
    if (typeof current !== typeof value) return false;
    if (this.sign > 0 ? value > current : value < current) this.value = value;
    return true;
  }
  merge(other: Extremum): void {
    if (other.value !== null) this.add(other.value);
  }
  result(): Extreme | null {
    return this.value;
  }
  toJSON(): Extreme | null {
    return this.value;
  }
}

function finite(json: unknown): json is number {
  return typeof json === 'number' && Number.isFinite(json);
}

export function accumulatorFactory(
  fn: AggregateFunction,
  star: boolean,
  distinct: DistinctOptions,
): AccumulatorFactory {
  const factories: Record<AggregateFunction, AccumulatorFactory> = {
    count: {
      create: () => (star ? new CountAll() : new CountValues()),
      revive: (json) => {
        expect(finite(json), 'COUNT', json);
        return star ? new CountAll(json) : new CountValues(json);
      },
    },
    count_distinct: {
      create: () => new CountDistinct(distinct),
      revive: (json) => {
        expect(json !== null && typeof json === 'object', 'COUNT(DISTINCT)', json);
        const { s, h } = json as { s?: unknown; h?: unknown };
        if (Array.isArray(s) && s.every((key) => typeof key === 'string')) {
          return new CountDistinct(distinct, new Set(s as string[]));
        }
        expect(typeof h === 'string', 'COUNT(DISTINCT)', json);
        return new CountDistinct(distinct, HyperLogLog.fromBase64(distinct.precision, h as string));
      },
    },
    sum: {
      create: () => new Sum(),
      revive: (json) => {
        expect(json === null || finite(json), 'SUM', json);
        return json === null ? new Sum() : new Sum(json, true);
      },
    },
    avg: {
      create: () => new Avg(),
      revive: (json) => {
        expect(Array.isArray(json) && json.length === 2 && finite(json[0]) && finite(json[1]), 'AVG', json);
        return new Avg(json[0] as number, json[1] as number);
      },
    },
    min: {
      create: () => new Extremum(-1),
      revive: (json) => {
        expect(json === null || isExtreme(json), 'MIN', json);
        return new Extremum(-1, json as Extreme | null);
      },
    },
    max: {
      create: () => new Extremum(1),
      revive: (json) => {
        expect(json === null || isExtreme(json), 'MAX', json);
        return new Extremum(1, json as Extreme | null);
      },
    },
  };
  return factories[fn];
}

export { CountDistinct, StateFormatError };
