/**
 * Generator tab (the Kinesis Data Generator's successor): edit a KDG template, preview records with a
 * seed (errors at their line and column), keep templates in the library, send at a rate and watch the
 * counters the server publishes as `generator` messages.
 */
import type { LiveMessage } from '../../local/live-types';
import type { ConsoleTab } from './context';
import { el, json } from './dom';

interface Entry {
  name: string;
  description: string;
  shipped: boolean;
}
type Problem = Error & { body?: { line?: number; column?: number } };
interface SendTotals {
  target: string;
  state: string;
  sent: number;
  acknowledged: number;
  failed: number;
  reasons: Record<string, number>;
}

/** The send's counters, as the server's last `generator` message has them. */
function counterSpans(message: LiveMessage): HTMLElement[] {
  return [
    el('span', { id: 'state' }, String(message.state)),
    el('span', { id: 'sent' }, `sent ${String(message.sent)}`),
    el('span', { id: 'acknowledged' }, `acknowledged ${String(message.acknowledged)}`),
    el('span', { id: 'failed' }, `failed ${String(message.failed)}`),
    el('span', { id: 'achieved' }, `${Math.round(Number(message.ratePerSecond))} records/s`),
  ];
}

const TOTALS_HEADINGS = ['target', 'last send', 'sent', 'acknowledged', 'failed', 'failure reasons'];

/** What this console sent, one row per target. */
function totalsRows(totals: SendTotals[]): HTMLElement[] {
  return [
    el('tr', {}, ...TOTALS_HEADINGS.map((heading) => el('th', {}, heading))),
    ...totals.map((total) =>
      el(
        'tr',
        { 'data-target': total.target },
        el('td', {}, total.target),
        el('td', {}, total.state),
        el('td', { class: 'number' }, String(total.sent)),
        el('td', { class: 'number' }, String(total.acknowledged)),
        el('td', { class: 'number' }, String(total.failed)),
        el(
          'td',
          {},
          Object.entries(total.reasons)
            .map(([reason, n]) => `${reason}: ${n}`)
            .join(', ') || '–',
        ),
      ),
    ),
  ];
}

export const generatorTab: ConsoleTab = {
  id: 'generator',
  title: 'Generator',
  mount(root, context) {
    const editor = el('textarea', { id: 'template', rows: '18', spellcheck: 'false' });
    const name = el('input', { id: 'template-name', placeholder: 'name (letters, digits, - _)' });
    const library = el('ul', { class: 'library', id: 'library' });
    const problem = el('div', { class: 'error', id: 'template-error' });
    const preview = el('pre', { id: 'preview' });
    const previewCount = el('input', {
      id: 'preview-count',
      type: 'number',
      value: '5',
      min: '1',
      max: '100',
    });
    const seed = el('input', { id: 'seed', type: 'number', value: '1' });
    const targetKind = el('select', { id: 'target-kind' }, el('option', { value: 'stream' }, 'stream'));
    targetKind.append(el('option', { value: 'delivery-stream' }, 'delivery stream'));
    const targetName = el('input', { id: 'target-name', list: 'target-names', autocomplete: 'off' });
    const targetNames = el('datalist', { id: 'target-names' });
    const targetTotals = el('table', { id: 'target-totals', class: 'totals' });
    const rate = el('input', { id: 'rate', type: 'number', value: '100', min: '1' });
    const count = el('input', { id: 'count', type: 'number', value: '1000', min: '1' });
    const duration = el('input', {
      id: 'duration',
      type: 'number',
      placeholder: 'seconds (instead of count)',
    });
    const counters = el('div', { class: 'counters', id: 'counters' }, 'not sending');
    const sendError = el('div', { class: 'error', id: 'send-error' });
    const button = (label: string, id: string, action: () => Promise<void>) => {
      const node = el('button', { id }, label);
      node.onclick = () => void action().catch((error: Problem) => show(error));
      return node;
    };
    const show = (error: Problem | undefined) => {
      const where =
        error?.body?.line === undefined ? '' : `line ${error.body.line}, column ${error.body.column}: `;
      problem.textContent = error ? `${where}${error.message}` : '';
      problem.dataset.line = String(error?.body?.line ?? '');
    };

    const refreshLibrary = async () => {
      const entries = await json<Entry[]>(context.api('/api/templates'));
      library.replaceChildren(
        ...entries.map((entry) => {
          const item = el(
            'li',
            { 'data-name': entry.name, title: entry.description },
            `${entry.name}${entry.shipped ? '' : ' (yours)'}`,
          );
          item.onclick = () => void open(entry.name);
          return item;
        }),
      );
    };
    const open = async (template: string) => {
      const answer = await context.api(`/api/templates/${encodeURIComponent(template)}`);
      if (!answer.ok) return show(new Error(await answer.text()));
      editor.value = await answer.text();
      name.value = template;
      await test();
    };
    const test = async () => {
      try {
        const { records } = await json<{ records: string[] }>(
          context.api('/api/preview', {
            method: 'POST',
            body: JSON.stringify({
              template: editor.value,
              count: Number(previewCount.value),
              seed: Number(seed.value),
            }),
          }),
        );
        show(undefined);
        preview.textContent = records.join('\n');
      } catch (error) {
        preview.textContent = '';
        show(error as Problem);
      }
    };
    const save = async () => {
      await json(
        context.api(`/api/templates/${encodeURIComponent(name.value)}`, {
          method: 'PUT',
          body: editor.value,
        }),
      );
      show(undefined);
      await refreshLibrary();
    };
    const rename = async () => {
      const to = prompt(`rename "${name.value}" to`);
      if (!to) return;
      await json(
        context.api(`/api/templates/${encodeURIComponent(name.value)}/rename`, {
          method: 'POST',
          body: JSON.stringify({ to }),
        }),
      );
      name.value = to;
      await refreshLibrary();
    };
    const remove = async () => {
      if (!confirm(`delete template "${name.value}"?`)) return;
      await json(context.api(`/api/templates/${encodeURIComponent(name.value)}`, { method: 'DELETE' }));
      await refreshLibrary();
    };
    const start = async () => {
      sendError.textContent = '';
      const seconds = Number(duration.value);
      await json(
        context.api('/api/generator/start', {
          method: 'POST',
          body: JSON.stringify({
            template: editor.value,
            target: { kind: targetKind.value, name: targetName.value },
            ratePerSecond: Number(rate.value) || undefined,
            ...(seconds > 0 ? { durationSeconds: seconds } : { count: Number(count.value) }),
          }),
        }),
      ).catch((error: Error) => {
        sendError.textContent = error.message;
      });
    };
    const stop = async () => void (await json(context.api('/api/generator/stop', { method: 'POST' })));

    /** The names the run has for the chosen kind, as the name field's suggestions. */
    let known: { streams: string[]; deliveryStreams: { name: string; sourceStream?: string }[] } = {
      streams: [],
      deliveryStreams: [],
    };
    const suggest = () => {
      const names =
        targetKind.value === 'stream'
          ? known.streams.map((name) => [name, ''])
          : known.deliveryStreams.map((stream) => [
              stream.name,
              stream.sourceStream ? `reads ${stream.sourceStream}: no PutRecordBatch` : 'direct put',
            ]);
      targetNames.replaceChildren(...names.map(([value, label]) => el('option', { value, label })));
    };
    const refreshTargets = async () => {
      known = await json<typeof known>(context.api('/api/targets'));
      suggest();
    };
    targetKind.onchange = () => {
      const names =
        targetKind.value === 'stream' ? known.streams : known.deliveryStreams.map((stream) => stream.name);
      if (names.length > 0 && !names.includes(targetName.value)) targetName.value = names[0]!;
      suggest();
    };
    targetName.onfocus = () => void refreshTargets().catch(() => undefined);

    editor.oninput = () => void test();
    context.subscribe('generator', (message) => {
      counters.replaceChildren(...counterSpans(message));
      const reasons = Object.entries((message.reasons as Record<string, number>) ?? {});
      sendError.textContent = [
        ...reasons.map(([reason, n]) => `${reason}: ${n}`),
        ...(message.error ? [String(message.error)] : []),
      ].join('\n');
      targetTotals.replaceChildren(...totalsRows((message.targets as SendTotals[] | undefined) ?? []));
    });

    root.append(
      el(
        'div',
        { class: 'row' },
        el('div', { class: 'col', style: 'flex: 0 0 14rem' }, el('h3', {}, 'Templates'), library),
        el(
          'div',
          { class: 'col' },
          el(
            'div',
            {},
            name,
            button('Save', 'save', save),
            button('Rename', 'rename', rename),
            button('Delete', 'delete', remove),
          ),
          editor,
          problem,
          el('div', {}, 'records ', previewCount, ' seed ', seed, button('Test template', 'test', test)),
          preview,
        ),
        el(
          'div',
          { class: 'col' },
          el('h3', {}, 'Send'),
          el('div', {}, targetKind, ' ', targetName, targetNames),
          el('div', {}, 'rate (records/s) ', rate),
          el('div', {}, 'count ', count, ' or duration ', duration),
          el('div', {}, button('Start', 'start', start), button('Stop', 'stop', stop)),
          counters,
          sendError,
          el('h3', {}, 'Sent by this console, per target'),
          targetTotals,
        ),
      ),
    );
    void refreshLibrary();
    void json<{ stream?: string; deliveryStream?: string }>(context.api('/api/run')).then((run) => {
      targetName.value = run.stream ?? run.deliveryStream ?? '';
    });
    void refreshTargets().catch(() => undefined);
  },
};
