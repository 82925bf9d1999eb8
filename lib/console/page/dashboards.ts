/**
 * The Dashboards tab: the window aggregator's results (the SQL in pipeline.yml) as live uPlot charts, one
 * per numeric column, one series per group, a point per closed window, updated as windows close. uPlot is
 * loaded when the first chart is drawn: it reads the browser's language as it loads, and a browser whose
 * language tag Intl refuses must cost this tab only, not the whole page.
 */
import 'uplot/dist/uPlot.min.css';
import type uPlot from 'uplot';
import type { WindowMessage, WindowsMessage } from '../../local/live-types';
import type { ConsoleContext, ConsoleTab } from './context';
import { WindowSeries, type ChartData } from './window-series';

const PALETTE = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#0a7b83', '#e16f24', '#6e7781'];

const STYLE = `
.kp-dashboards .chart { margin: 0 0 1.5rem; }
.kp-dashboards .uplot { font: 12px system-ui, sans-serif; }
.kp-dashboards .u-title { font-weight: 600; }
.kp-dashboards .u-legend { text-align: left; }
.kp-dashboards .u-legend .u-series { display: inline-block; margin-right: 1em; }
.kp-dashboards .u-legend .u-marker { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

interface Chart {
  holder: HTMLElement;
  plot: uPlot;
  labels: string;
}

function options(chart: ChartData, width: number): uPlot.Options {
  return {
    title: chart.column,
    width,
    height: 240,
    scales: { x: { time: true } },
    // The value axis as wide as its longest label (uPlot's default cuts "15,000" to "5,000").
    axes: [
      {},
      {
        size: (_plot, values) => 18 + 7 * Math.max(3, ...(values ?? []).map((value) => String(value).length)),
      },
    ],
    series: [
      { label: 'window start' },
      ...chart.labels.map((label, index) => ({
        label,
        stroke: PALETTE[index % PALETTE.length],
        width: 1.5,
        points: { show: true, size: 5 },
        spanGaps: false,
      })),
    ],
  };
}

function mount(root: HTMLElement, context: ConsoleContext): void {
  root.classList.add('kp-dashboards');
  const style = document.createElement('style');
  style.textContent = STYLE;
  const note = document.createElement('p');
  note.className = 'note';
  const status = document.createElement('p');
  status.className = 'status';
  const charts = document.createElement('div');
  root.replaceChildren(style, note, status, charts);

  const series = new WindowSeries();
  const drawn = new Map<string, Chart>();
  const width = () => Math.max(320, (root.clientWidth || 900) - 16);

  let plotting: Promise<typeof uPlot> | undefined;
  let failed: string | undefined;
  const render = () => {
    if (failed) return;
    const { values, groups } = series.roles;
    note.textContent =
      values.length === 0
        ? 'Waiting for the first window to close (the analytics SQL in pipeline.yml, tumbling windows per shard).'
        : `Charts of the numeric columns (${values.join(', ')}); series are the groups` +
          `${groups.length > 0 ? ` (${groups.join(', ')})` : ''} per shard, as Lambda's tumbling windows are per shard.` +
          ' A point is one closed window, at its start.';
    status.textContent = `${series.windows()} window(s) closed`;
    if (series.windows() === 0) return;
    plotting ??= import('uplot').then((module) => module.default);
    plotting.then(draw, (error: unknown) => {
      failed = `The charts could not load: ${String(error)}. If it names a language tag, start the browser with a supported language (e.g. --lang=en-US).`;
      status.textContent = failed;
    });
  };

  const draw = (UPlot: typeof uPlot) => {
    for (const chart of series.charts()) {
      const labels = chart.labels.join('\n');
      const existing = drawn.get(chart.column);
      if (existing && existing.labels === labels) {
        existing.plot.setData(chart.data);
        continue;
      }
      // New groups: uPlot's series are fixed at creation, so the chart is made again.
      existing?.plot.destroy();
      const holder = document.createElement('div');
      holder.className = 'chart';
      holder.dataset.column = chart.column;
      const plot = new UPlot(options(chart, width()), chart.data, holder);
      if (existing) existing.holder.replaceWith(holder);
      else charts.append(holder);
      drawn.set(chart.column, { holder, plot, labels });
    }
    // Points drawn, by chart: what the browser test and a curious person read.
    charts.dataset.points = String(
      series.charts().reduce(
        (total, chart) =>
          total +
          chart.data
            .slice(1)
            .flat()
            .filter((y) => y !== null).length,
        0,
      ),
    );
  };

  render();
  context.subscribe('windows', (message) => {
    for (const window of (message as WindowsMessage).windows) series.add(window);
    render();
  });
  context.subscribe('window', (message) => {
    if (series.add(message as WindowMessage)) render();
  });
}

export const dashboardsTab: ConsoleTab = { id: 'dashboards', title: 'Dashboards', mount };
