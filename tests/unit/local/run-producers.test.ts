/**
 * A local run's producers on this thread (direct put, or producerThread off): the report, and the
 * acknowledged records by kind added to the run's reconciliation counts.
 */
import type { EmulatedFirehose } from '../../../lib/local/firehose';
import { ExpectedRecords } from '../../../lib/local/reconcile';
import { runProducers } from '../../../lib/local/run-producers';

function fakeFirehose(refuseFrom = Infinity): EmulatedFirehose & { received: number } {
  const firehose = {
    received: 0,
    put(records: Uint8Array[]) {
      if (firehose.received >= refuseFrom)
        throw Object.assign(new Error('full'), { name: 'ServiceUnavailableException' });
      firehose.received += records.length;
      return { failedPutCount: 0, encrypted: false, requestResponses: [] };
    },
  };
  return firehose as unknown as EmulatedFirehose & { received: number };
}

describe('runProducers on this thread', () => {
  it('sends into a direct-put delivery stream and records what was acknowledged, by kind', async () => {
    const expected = new ExpectedRecords();
    const firehose = fakeFirehose();

    const report = await runProducers({
      job: {
        template: 'clickstream',
        seed: 1,
        count: 1200,
        concurrency: 2,
        invalid: { ratio: 0.5, kinds: { 'not-json': 1 } },
      },
      directPut: firehose,
      expected,
    });

    expect(report).toMatchObject({ attempted: 1200, acknowledged: 1200, failed: 0, resent: 0 });
    expect(firehose.received).toBe(1200);
    expect(expected.total).toBe(1200);
    expect((expected.byKind.valid ?? 0) + (expected.byKind['not-json'] ?? 0)).toBe(1200);
    expect(expected.byKind['not-json']).toBe(report.byKind['not-json'].acknowledged);
  });

  it('records only the acknowledged records when the delivery stream refuses some', async () => {
    const expected = new ExpectedRecords();

    const report = await runProducers({
      job: { template: 'clickstream', seed: 1, count: 1500, concurrency: 1 },
      directPut: fakeFirehose(500),
      expected,
    });

    expect(report).toMatchObject({ acknowledged: 500, failed: 1000 });
    expect(report.errors).toEqual({ ServiceUnavailableException: 1000 });
    expect(expected.total).toBe(500);
  });
});
