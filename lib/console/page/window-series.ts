/**
 * The Dashboards tab's data: chart series from the window aggregator's result rows. The numeric columns of
 * the SQL's SELECT are the values (one chart each); the other columns are the group keys (one series per
 * group). Lambda's tumbling windows are per shard, so a series is one group on one shard: adding shards'
 * rows would be right for COUNT and SUM and wrong for AVG, MIN, MAX and COUNT(DISTINCT). A point is one
 * closed window, at its start. Pure (no DOM), so it is unit-tested in Node.
 */
import type { WindowMessage } from '../../local/live-types';

/** Columns every result row carries besides the SELECT's (lib/analytics/window.ts resultRows). */
export const RESERVED_COLUMNS = ['window_start', 'window_end', 'shard_id', 'part', 'complete'] as const;

const reserved = new Set<string>(RESERVED_COLUMNS);

export interface ColumnRoles {
  /** Charted: every non-null value is a finite number. */
  values: string[];
  /** Group keys: the other SELECT columns. */
  groups: string[];
}

/** Which SELECT columns are values and which are group keys, from the rows seen so far (SELECT order kept). */
export function columnRoles(
  rows: readonly Record<string, unknown>[],
  known: ColumnRoles = { values: [], groups: [] },
): ColumnRoles {
  const order = [...known.values, ...known.groups];
  const numeric = new Map<string, boolean>();
  for (const column of known.values) numeric.set(column, true);
  for (const column of known.groups) numeric.set(column, false);
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (reserved.has(column)) continue;
      if (!numeric.has(column)) {
        order.push(column);
        numeric.set(column, true);
      }
      if (value !== null && value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
        numeric.set(column, false);
      }
    }
  }
  // A column only ever null so far is not a value yet: a group key until a number shows up is wrong too, so
  // it stays a value (it charts nothing while null).
  return {
    values: order.filter((column) => numeric.get(column)),
    groups: order.filter((column) => !numeric.get(column)),
  };
}

export function groupLabel(
  row: Record<string, unknown>,
  groups: readonly string[],
  shardId: string,
  part: number,
): string {
  const keys = groups.map(
    (column) =>
      `${column}=${row[column] === null || row[column] === undefined ? 'NULL' : String(row[column])}`,
  );
  const where = part > 0 ? `${shardId} part ${part}` : shardId;
  return keys.length === 0 ? where : `${keys.join(', ')} · ${where}`;
}

export interface ChartData {
  column: string;
  /** Series labels, in the order of `data` after its first array. */
  labels: string[];
  /** uPlot's aligned data: window starts (epoch seconds), then one array per series (null: no row). */
  data: [number[], ...(number | null)[][]];
}

/**
 * Result rows of closed windows, bounded to the last `limit` windows. A window sent twice (the history a
 * late page gets, then the live message) replaces itself rather than adding a point.
 */
export class WindowSeries {
  roles: ColumnRoles = { values: [], groups: [] };
  /** window start (s) → series label → row. */
  private readonly points = new Map<number, Map<string, Record<string, unknown>>>();
  private readonly labels = new Set<string>();

  constructor(readonly limit = 500) {}

  add(window: Pick<WindowMessage, 'windowStart' | 'shardId' | 'part' | 'rows'>): boolean {
    const x = Math.floor(Date.parse(window.windowStart) / 1000);
    if (!Number.isFinite(x)) return false;
    this.roles = columnRoles(window.rows, this.roles);
    let at = this.points.get(x);
    if (!at) {
      at = new Map();
      this.points.set(x, at);
    }
    for (const row of window.rows) {
      const label = groupLabel(row, this.roles.groups, window.shardId, window.part);
      at.set(label, row);
      this.labels.add(label);
    }
    while (this.points.size > this.limit) {
      this.points.delete(Math.min(...this.points.keys()));
    }
    return true;
  }

  windows(): number {
    return this.points.size;
  }

  /** One chart per value column. */
  charts(): ChartData[] {
    const xs = [...this.points.keys()].sort((a, b) => a - b);
    const labels = [...this.labels].sort();
    return this.roles.values.map((column) => ({
      column,
      labels,
      data: [
        xs,
        ...labels.map((label) =>
          xs.map((x) => {
            const value = this.points.get(x)!.get(label)?.[column];
            return typeof value === 'number' && Number.isFinite(value) ? value : null;
          }),
        ),
      ],
    }));
  }
}
