/** The Dashboards tab's series from window result rows (lib/console/page/window-series.ts). */
import { columnRoles, groupLabel, WindowSeries } from '../../../lib/console/page/window-series';

const row = (eventType: string | null, events: number, revenue: number | null, shard = 'shardId-0') => ({
  window_start: 'x',
  window_end: 'y',
  event_type: eventType,
  events,
  revenue,
  shard_id: shard,
  part: 0,
  complete: true,
});

describe('columnRoles', () => {
  it('charts the numeric SELECT columns and groups by the others, reserved columns left out', () => {
    expect(columnRoles([row('click', 3, 9.5), row('view', 1, null)])).toEqual({
      values: ['events', 'revenue'],
      groups: ['event_type'],
    });
  });

  it('turns a column into a group key once a non-number shows up, and keeps SELECT order', () => {
    const first = columnRoles([{ region: 1, n: 2 }]);
    expect(first).toEqual({ values: ['region', 'n'], groups: [] });
    expect(columnRoles([{ region: 'eu', n: 3 }], first)).toEqual({ values: ['n'], groups: ['region'] });
    expect(columnRoles([{ n: Number.NaN }]).groups).toEqual(['n']);
  });
});

describe('groupLabel', () => {
  it('names the group by its keys and shard, NULL for a missing key, and the part when there are parts', () => {
    expect(groupLabel({ a: 'x', b: null }, ['a', 'b'], 'shardId-1', 0)).toBe('a=x, b=NULL · shardId-1');
    expect(groupLabel({}, [], 'shardId-1', 2)).toBe('shardId-1 part 2');
  });
});

describe('WindowSeries', () => {
  const window = (start: string, rows: Record<string, unknown>[], shardId = 'shardId-0') => ({
    windowStart: start,
    shardId,
    part: 0,
    rows,
  });

  it('gives one chart per numeric column, one series per group and shard, a point per window', () => {
    const series = new WindowSeries();
    series.add(window('2026-12-04T18:00:00Z', [row('click', 3, 9), row('view', 1, 2)]));
    series.add(window('2026-12-04T18:00:01Z', [row('click', 5, 1)]));
    series.add(window('2026-12-04T18:00:01Z', [row('click', 7, 4, 'shardId-1')], 'shardId-1'));

    const charts = series.charts();
    expect(charts.map((chart) => chart.column)).toEqual(['events', 'revenue']);
    const events = charts[0]!;
    expect(events.labels).toEqual([
      'event_type=click · shardId-0',
      'event_type=click · shardId-1',
      'event_type=view · shardId-0',
    ]);
    const start = Date.parse('2026-12-04T18:00:00Z') / 1000;
    expect(events.data).toEqual([
      [start, start + 1],
      [3, 5],
      [null, 7],
      [1, null],
    ]);
    expect(series.windows()).toBe(2);
  });

  it('does not add a point twice for a window sent twice, and refuses a window without a start', () => {
    const series = new WindowSeries();
    const closed = window('2026-12-04T18:00:00Z', [row('click', 3, 9)]);
    series.add(closed);
    series.add(closed);
    expect(series.charts()[0]!.data).toEqual([[Date.parse('2026-12-04T18:00:00Z') / 1000], [3]]);
    expect(series.add(window('not a time', [row('click', 1, 1)]))).toBe(false);
  });

  it('keeps only the last windows', () => {
    const series = new WindowSeries(2);
    for (let second = 0; second < 5; second += 1) {
      series.add(window(`2026-12-04T18:00:0${second}Z`, [row('click', second, 0)]));
    }
    expect(series.windows()).toBe(2);
    expect(series.charts()[0]!.data[1]).toEqual([3, 4]);
  });
});
