import type { S3EventRecord } from 'aws-lambda';
import { SKIP_REASONS, decodeS3Key, targetOf, targetsOf } from '../../../lib/converter';
import { s3ObjectCreatedEvent } from '../../../lib/events/factories';

const prefixes = { inputPrefix: 'raw/', outputPrefix: 'curated/', errorPrefix: 'errors/conversion/' };
const BUCKET = 'lake';

/** One notification record as S3 sends it (the key URL-encoded by the factory). */
function record(key: string, overrides: Partial<S3EventRecord> = {}): S3EventRecord {
  return { ...s3ObjectCreatedEvent([{ bucket: BUCKET, key, size: 10 }]).Records[0]!, ...overrides };
}

describe('decodeS3Key', () => {
  it.each([
    ['raw/event_type%3Dclick/a.gz', 'raw/event_type=click/a.gz'],
    ['raw/with+space/a+b.gz', 'raw/with space/a b.gz'],
    ['raw/plus%2Bsign.gz', 'raw/plus+sign.gz'],
    ['raw/caf%C3%A9.gz', 'raw/café.gz'],
    ['raw/plain.gz', 'raw/plain.gz'],
  ])('%s → %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it('throws on a malformed escape', () => {
    expect(() => decodeS3Key('raw/%E0%A4%A.gz')).toThrow(URIError);
  });
});

describe('targetOf', () => {
  it('converts a key under the input prefix, decoded', () => {
    // Prepare: the factory encodes as S3 does
    const target = targetOf(record('raw/dt=2026-11-22/my file+1.gz'), BUCKET, prefixes);

    // Assess
    expect(target).toEqual({
      object: { bucket: BUCKET, key: 'raw/dt=2026-11-22/my file+1.gz', size: 10, eTag: expect.any(String) },
    });
  });

  it.each([
    [
      'the converter output',
      record('curated/dt=1/a.parquet'),
      SKIP_REASONS.converterOutput,
      /outputPrefix 'curated\/'/,
    ],
    [
      'the error output',
      record('errors/conversion/a.jsonl.gz'),
      SKIP_REASONS.converterErrorOutput,
      /errorPrefix/,
    ],
    [
      'a key outside the input prefix',
      record('consumer/a.gz'),
      SKIP_REASONS.outsideInputPrefix,
      /inputPrefix 'raw\/'/,
    ],
    [
      'a prefix that only starts like the input prefix',
      record('raw-old/a.gz'),
      SKIP_REASONS.outsideInputPrefix,
      /raw-old/,
    ],
    ['a folder marker', record('raw/dt=1/'), SKIP_REASONS.folderMarker, /folder marker/],
    [
      'a delete event',
      record('raw/a.gz', { eventName: 'ObjectRemoved:Delete' }),
      SKIP_REASONS.notObjectCreated,
      /ObjectRemoved/,
    ],
    [
      'another bucket',
      {
        ...record('raw/a.gz'),
        s3: {
          ...record('raw/a.gz').s3,
          bucket: { name: 'other', ownerIdentity: { principalId: 'x' }, arn: 'arn:aws:s3:::other' },
        },
      },
      SKIP_REASONS.otherBucket,
      /'other' is not the pipeline bucket 'lake'/,
    ],
    [
      'an undecodable key',
      {
        ...record('raw/a.gz'),
        s3: { ...record('raw/a.gz').s3, object: { key: 'raw/%ZZ.gz', size: 1, eTag: 'e', sequencer: '1' } },
      },
      SKIP_REASONS.undecodableKey,
      /'raw\/%ZZ.gz' is not valid URL encoding/,
    ],
  ])('skips %s with its reason', (_name, input, reason, message) => {
    // Act
    const target = targetOf(input, BUCKET, prefixes);

    // Assess
    expect(target).toEqual({ skipped: expect.objectContaining({ reason }) });
    expect('skipped' in target && target.skipped.message).toMatch(message);
  });

  it.each([
    ['no s3 section', {}],
    ['no key', { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: {} } }],
    [
      'an empty bucket name',
      { eventName: 'ObjectCreated:Put', s3: { bucket: { name: '' }, object: { key: 'raw/a' } } },
    ],
  ])('skips a malformed record (%s)', (_name, input) => {
    expect(targetOf(input, BUCKET, prefixes)).toEqual({
      skipped: expect.objectContaining({ reason: SKIP_REASONS.malformedRecord }),
    });
  });

  it('takes the bucket from the event when none is configured', () => {
    const input = {
      ...record('raw/a.gz'),
      s3: {
        ...record('raw/a.gz').s3,
        bucket: {
          name: 'stack-bucket-1x2',
          ownerIdentity: { principalId: 'x' },
          arn: 'arn:aws:s3:::stack-bucket-1x2',
        },
      },
    };
    expect(targetOf(input, undefined, prefixes)).toEqual({
      object: expect.objectContaining({ bucket: 'stack-bucket-1x2', key: 'raw/a.gz' }),
    });
  });
});

describe('targetsOf', () => {
  it('answers every record of the event, in order', () => {
    // Prepare
    const event = s3ObjectCreatedEvent([
      { bucket: BUCKET, key: 'raw/a.gz', size: 1 },
      { bucket: BUCKET, key: 'curated/b.parquet', size: 1 },
      { bucket: BUCKET, key: 'raw/c.gz', size: 1 },
    ]);

    // Act
    const targets = targetsOf(event, BUCKET, prefixes);

    // Assess
    expect(targets.map((target) => ('object' in target ? target.object.key : target.skipped.reason))).toEqual(
      ['raw/a.gz', SKIP_REASONS.converterOutput, 'raw/c.gz'],
    );
  });

  it('answers an event without records with nothing', () => {
    expect(targetsOf({}, BUCKET, prefixes)).toEqual([]);
  });
});
