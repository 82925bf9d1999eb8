import type { CustomTransform } from '../lib/transform';

/**
 * Example custom transform: adds `amount_usd` to records that carry `amount` and `currency`.
 *
 * The rates are a fixed table so the example needs no network; a real one would load rates once at cold
 * start (module scope), never per record. Records without an amount pass through unchanged; an unknown
 * currency throws, which fails that record (it goes to the error output with this message).
 */
const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  JPY: 0.0067,
  CAD: 0.73,
  AUD: 0.66,
};

export const amountInUsd: CustomTransform = (record) => {
  const { amount, currency } = record;
  if (typeof amount !== 'number') return record;
  const rate = typeof currency === 'string' ? USD_PER_UNIT[currency] : undefined;
  if (rate === undefined) throw new Error(`no USD rate for currency ${JSON.stringify(currency)}`);
  record.amount_usd = Math.round(amount * rate * 100) / 100;
  return record;
};
