/**
 * The plan `sls package` ships (planQuery → JSON → compilePlan, no parser) computes what the query parsed at
 * cold start computes: the same fingerprint (so state carries over a redeploy), the same rows kept and the
 * same values read.
 */
import { compilePlan } from '../../../lib/analytics/plan';
import { compileQuery, planQuery } from '../../../lib/analytics/sql';
import { AnalyticsSqlError } from '../../../lib/analytics';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';

const RECORDS = [
  clickEvent(1),
  purchaseEvent(2),
  clickEvent(3, { event_type: 'heartbeat' }),
  clickEvent(4, { amount: 12.5 }),
  purchaseEvent(5),
];

describe('compilePlan(planQuery(sql)) after a JSON round trip', () => {
  it.each([
    "SELECT event_type, COUNT(*) AS events, SUM(amount) FROM stream WHERE event_type <> 'heartbeat' GROUP BY event_type",
    'SELECT s.device.type AS device, COUNT(DISTINCT customer_id) FROM stream AS s WHERE amount > 10 OR amount IS NULL GROUP BY s.device.type',
    "SELECT COUNT(*) FROM stream WHERE event_type IN ('click', 'purchase') AND NOT (amount BETWEEN 1 AND 50)",
  ])('%s', (sql) => {
    // Prepare
    const direct = compileQuery(sql, { distinct: { exactLimit: 8, precision: 10 } });

    // Act
    const shipped = compilePlan(
      JSON.parse(JSON.stringify(planQuery(sql, { distinct: { exactLimit: 8, precision: 10 } }))),
    );

    // Assess
    expect(shipped.fingerprint).toBe(direct.fingerprint);
    expect(shipped.outputs).toEqual(direct.outputs);
    expect(shipped.aggregates.map(({ fn, label, path }) => [fn, label, path])).toEqual(
      direct.aggregates.map(({ fn, label, path }) => [fn, label, path]),
    );
    for (const record of RECORDS) {
      expect(shipped.where?.(record)).toEqual(direct.where?.(record));
      expect(shipped.groups.map((group) => group.read(record))).toEqual(
        direct.groups.map((group) => group.read(record)),
      );
      expect(shipped.aggregates.map((a) => a.read(record))).toEqual(
        direct.aggregates.map((a) => a.read(record)),
      );
    }
  });

  it('keeps the WHERE in the fingerprint: another predicate is another plan', () => {
    const base = 'SELECT COUNT(*) FROM stream WHERE amount > 10';
    expect(planQuery(base).fingerprint).not.toBe(planQuery(base.replace('10', '11')).fingerprint);
  });

  it('refuses at planning what the function could not run', () => {
    expect(() => planQuery('SELECT COUNT(*) FROM stream WHERE amount + 1 > 2')).toThrow(AnalyticsSqlError);
  });
});
