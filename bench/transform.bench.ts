/**
 * The pipeline.yml transforms (timestamp, mask, rename, add, filter) through compileTransforms, against
 * a hand-written loop making the same edits. The HMAC of `mask` is most of the cost on both sides.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { compileTransforms, type RecordContext, type TransformStep } from '../lib/transform';
import { runBench } from './harness';

const RECORDS = 10_000;
const SALT = 'bench-salt';

const STEPS: TransformStep[] = [
  { timestamp: { fields: ['timestamp'], to: 'iso' } },
  { mask: { fields: ['customer.email'], saltFrom: 'MASK_SALT' } },
  { rename: { from: 'session_id', to: 'session' } },
  { add: { field: 'ingested_at', from: 'ingestionTime' } },
  { filter: { drop: { field: 'event_type', in: ['heartbeat'] } } },
];

function makeRecords(): Record<string, unknown>[] {
  const types = ['page_view', 'click', 'search', 'add_to_cart', 'purchase', 'heartbeat'];
  return Array.from({ length: RECORDS }, (_, index) => ({
    event_id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    event_type: types[index % types.length],
    customer_id: `c-${index % 997}`,
    session_id: `s-${index % 4999}`,
    timestamp: 1714564797 + index,
    page: { url: `https://shop.example/p/${index}`, path: `/p/${index}` },
    device: { type: 'mobile', os: 'ios' },
    customer: { email: `user${index % 997}@example.com`, segment: 'vip' },
  }));
}

const key = createSecretKey(Buffer.from(SALT));
const context: RecordContext = { ingestionTime: new Date('2024-05-01T12:00:00Z') };

/** The same edits written by hand, in the same order; copies what it changes unless `inPlace`. */
function byHand(
  input: Record<string, unknown>,
  ingestionIso: string,
  inPlace: boolean,
): Record<string, unknown> | null {
  const record = inPlace ? input : { ...input };
  const ts = record.timestamp as number;
  record.timestamp = new Date(ts < 1e11 ? ts * 1000 : ts).toISOString();
  const customer = inPlace
    ? (record.customer as Record<string, unknown>)
    : { ...(record.customer as Record<string, unknown>) };
  customer.email = createHmac('sha256', key).update(String(customer.email)).digest('hex');
  record.customer = customer;
  record.session = record.session_id;
  delete record.session_id;
  record.ingested_at = ingestionIso;
  // Filtered last, as in pipeline.yml, so both sides do the same work.
  return record.event_type === 'heartbeat' ? null : record;
}

export default async function (): Promise<void> {
  const env = { MASK_SALT: SALT };
  const copying = compileTransforms(STEPS, { env });
  const inPlace = compileTransforms(STEPS, { env, inPlace: true });
  const records = makeRecords();
  const batch = JSON.stringify(records);
  let sink = 0;

  await runBench({
    name: 'transform: 5 steps, copy-on-write',
    unitsPerCall: RECORDS,
    unit: 'records',
    subject: () => {
      for (const record of records) if (copying(record, context).kind === 'ok') sink += 1;
    },
    baselineName: 'hand-written edits, copying',
    baseline: () => {
      const iso = context.ingestionTime.toISOString();
      for (const record of records) if (byHand(record, iso, false) !== null) sink += 1;
    },
  });

  await runBench({
    name: 'transform: JSON.parse + 5 steps in place',
    unitsPerCall: RECORDS,
    unit: 'records',
    subject: () => {
      for (const record of JSON.parse(batch) as Record<string, unknown>[]) {
        if (inPlace(record, context).kind === 'ok') sink += 1;
      }
    },
    baselineName: 'JSON.parse + hand-written edits in place',
    baseline: () => {
      const iso = context.ingestionTime.toISOString();
      for (const record of JSON.parse(batch) as Record<string, unknown>[]) {
        if (byHand(record, iso, true) !== null) sink += 1;
      }
    },
  });
  if (sink < 0) throw new Error('unreachable');
}
