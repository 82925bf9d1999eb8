/** Lake tab: SQL over the run's Parquet lake and error outputs (DuckDB in kpipe, read-only), its partitions. */
import type { ConsoleTab } from './context';
import { el, json } from './dom';

interface Result {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
  views: string[];
  asOf: number;
  ms: number;
}

export const lakeTab: ConsoleTab = {
  id: 'lake',
  title: 'Lake',
  mount(root, context) {
    const sql = el('textarea', { id: 'sql', rows: '6', spellcheck: 'false' });
    const run = el('button', { id: 'run-query' }, 'Run query');
    const examples = el('select', { id: 'examples' }, el('option', { value: '' }, 'example queries…'));
    const info = el('div', { class: 'note', id: 'query-info' });
    const error = el('div', { class: 'error', id: 'query-error' });
    const table = el('table', { id: 'result' });
    const partitions = el('ul', { id: 'partitions', class: 'library' });

    const query = async () => {
      error.textContent = '';
      try {
        const result = await json<Result>(
          context.api('/api/lake/query', { method: 'POST', body: JSON.stringify({ sql: sql.value }) }),
        );
        table.replaceChildren(
          el('tr', {}, ...result.columns.map((column) => el('th', { title: column.type }, column.name))),
          ...result.rows.map((row) =>
            el(
              'tr',
              {},
              ...row.map((value) =>
                el(
                  'td',
                  {},
                  value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value),
                ),
              ),
            ),
          ),
        );
        info.textContent =
          `${result.rows.length} rows${result.truncated ? ' (first 1,000 shown)' : ''} in ${Math.round(result.ms)} ms; ` +
          `data as of ${new Date(result.asOf).toLocaleTimeString()}; views: ${result.views.join(', ')}`;
        const folders = await json<string[]>(context.api('/api/lake/partitions'));
        partitions.replaceChildren(...folders.map((folder) => el('li', {}, folder)));
      } catch (problem) {
        table.replaceChildren();
        error.textContent = (problem as Error).message;
      }
    };
    run.onclick = () => void query();
    examples.onchange = () => {
      if (examples.value) sql.value = examples.value;
    };
    void json<{ exampleQueries: string[] }>(context.api('/api/run')).then((info) => {
      for (const example of info.exampleQueries) examples.append(el('option', { value: example }, example));
      sql.value = info.exampleQueries[0] ?? '';
    });
    root.append(
      el(
        'div',
        { class: 'row' },
        el(
          'div',
          { class: 'col' },
          examples,
          sql,
          run,
          el(
            'p',
            { class: 'note' },
            'Read-only SQL (DuckDB) over views lake, raw, errors, consumer, consumer_errors. During a run the bucket is mirrored again before a query when older than 2 s.',
          ),
          info,
          error,
          table,
        ),
        el('div', { class: 'col', style: 'flex: 0 0 18rem' }, el('h3', {}, 'Partitions'), partitions),
      ),
    );
  },
};
