import {
  compileTransforms,
  type CompileOptions,
  type RecordContext,
  type TransformOutcome,
  type TransformStep,
} from '../../../lib/transform';

export const INGESTION_TIME = new Date('2024-05-01T12:00:00.000Z');

/** A record context like the stream consumer builds; override any field. */
export function contextFactory(overrides: Partial<RecordContext> = {}): RecordContext {
  return {
    ingestionTime: INGESTION_TIME,
    arrivalTime: new Date('2024-05-01T11:59:58.250Z'),
    shardId: 'shardId-000000000001',
    sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    subSequenceNumber: 3,
    partitionKey: 'customer-42',
    ...overrides,
  };
}

/** A clickstream-like record; each call returns a fresh object. */
export function recordFactory(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    event_type: 'click',
    session_id: 's-1',
    timestamp: '2024-05-01T11:59:57.000Z',
    customer: { email: 'ada@example.com', segment: 'vip' },
    page: { url: 'https://shop.example/p/1', path: '/p/1' },
    tags: ['a', 'b'],
    ...overrides,
  };
}

export const SALT_ENV = { MASK_SALT: 'pepper' };

/** Compiles `steps` and runs one record through them. */
export function runSteps(
  steps: TransformStep[],
  record: Record<string, unknown>,
  context: RecordContext = contextFactory(),
  options: CompileOptions = { env: SALT_ENV },
): TransformOutcome {
  return compileTransforms(steps, options)(record, context);
}

/** The record of an `ok` outcome; fails the test with the outcome otherwise. */
export function okRecord(outcome: TransformOutcome): Record<string, unknown> {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.record;
}
