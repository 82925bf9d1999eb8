import { createRandom, type Random } from './random';

/**
 * Deliberately bad records for exercising a pipeline's error paths (`--invalid-ratio`). Each one is labelled
 * with its kind so a run's report can be reconciled with what the pipeline rejected, kind by kind.
 */
export const INVALID_KINDS = ['not-json', 'schema-violation', 'oversize'] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export interface InvalidRecordOptions {
  /** Share of records to spoil, 0..1. */
  ratio: number;
  /** Relative weights per kind; kinds left out are not produced. Default: every kind that applies, equally. */
  kinds?: Partial<Record<InvalidKind, number>>;
  /** JSON Schema the good records follow; needed for `schema-violation`. */
  schema?: object;
  /**
   * Size of an `oversize` record in bytes. The default is above the sample pipeline's `record.maxBytes`
   * (1,024,000) but below Kinesis' 1 MiB limit, so the stream accepts it and the pipeline must reject it.
   */
  oversizeBytes?: number;
  seed?: number;
}

export const DEFAULT_OVERSIZE_BYTES = 1_030_000;

export interface SpoiledRecord {
  text: string;
  kind: 'valid' | InvalidKind;
}

type Mutation = (record: Record<string, unknown>) => void;

interface JsonSchemaLike {
  required?: unknown;
  properties?: Record<string, { type?: unknown } | undefined>;
}

/** Ways to break a record against its schema: drop a required field, or give a typed field the wrong type. */
function schemaMutations(schema: object): Mutation[] {
  const { required, properties = {} } = schema as JsonSchemaLike;
  const mutations: Mutation[] = [];
  for (const name of Array.isArray(required) ? required.filter((entry) => typeof entry === 'string') : []) {
    mutations.push((record) => {
      delete record[name];
    });
  }
  const wrongValue: Record<string, unknown> = {
    string: 12345,
    number: 'not-a-number',
    integer: 'not-an-integer',
    boolean: 'not-a-boolean',
    object: 'not-an-object',
    array: 'not-an-array',
  };
  for (const [name, property] of Object.entries(properties)) {
    const type = property?.type;
    if (typeof type === 'string' && type in wrongValue) {
      mutations.push((record) => {
        record[name] = wrongValue[type];
      });
    }
  }
  return mutations;
}

function pickWeighted<T extends string>(weights: readonly (readonly [T, number])[], random: Random): T {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random() * total;
  for (const [kind, weight] of weights) {
    if (point < weight) return kind;
    point -= weight;
  }
  return (weights[weights.length - 1] as readonly [T, number])[0];
}

/**
 * Returns a function applied to each rendered record: most pass through, a `ratio` share come back broken
 * and labelled. Options are checked once, here.
 */
export function createInvalidRecordInjector(options: InvalidRecordOptions): (text: string) => SpoiledRecord {
  const { ratio } = options;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new Error(`invalid ratio must be between 0 and 1, got ${ratio}`);
  const oversizeBytes = options.oversizeBytes ?? DEFAULT_OVERSIZE_BYTES;
  if (!Number.isInteger(oversizeBytes) || oversizeBytes < 1024) {
    throw new Error(`oversizeBytes must be an integer of at least 1024, got ${oversizeBytes}`);
  }
  const mutations = options.schema === undefined ? [] : schemaMutations(options.schema);
  const requested = options.kinds ?? {
    'not-json': 1,
    oversize: 1,
    ...(options.schema === undefined ? {} : { 'schema-violation': 1 }),
  };
  const weights = INVALID_KINDS.filter((kind) => (requested[kind] ?? 0) > 0).map(
    (kind) => [kind, requested[kind] as number] as const,
  );
  if (ratio > 0 && weights.length === 0) throw new Error('no invalid record kind has a positive weight');
  if ((requested['schema-violation'] ?? 0) > 0 && mutations.length === 0) {
    throw new Error(
      options.schema === undefined
        ? 'schema-violation records need the JSON Schema of the good records (--schema)'
        : 'the schema has no required or typed top-level property to violate',
    );
  }
  const random = createRandom(options.seed);
  const padding = 'x'.repeat(oversizeBytes);

  const spoilers: Record<InvalidKind, (text: string) => string> = {
    // A record cut in half, as a truncated write would leave it.
    'not-json': (text) => {
      const trimmed = text.trimEnd();
      const cut = trimmed.slice(0, Math.max(1, Math.floor(trimmed.length / 2)));
      try {
        JSON.parse(cut);
        return `#${cut}`;
      } catch {
        return cut;
      }
    },
    'schema-violation': (text) => {
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch {
        throw new Error('schema-violation records need a template that renders JSON objects');
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new Error('schema-violation records need a template that renders JSON objects');
      }
      const mutate = mutations[Math.floor(random() * mutations.length)] as Mutation;
      mutate(record as Record<string, unknown>);
      return JSON.stringify(record);
    },
    // A good record padded past the size limit, so only a size check can catch it.
    oversize: (text) => {
      const trimmed = text.trim();
      const missing = Math.max(0, oversizeBytes - Buffer.byteLength(trimmed) - 16);
      if (trimmed.startsWith('{')) {
        const rest = trimmed.slice(1).trimStart();
        return `{"padding":"${padding.slice(0, missing)}"${rest.startsWith('}') ? '' : ','}${rest}`;
      }
      return `${trimmed} ${padding.slice(0, missing)}`;
    },
  };

  return (text) => {
    if (ratio === 0 || random() >= ratio) return { text, kind: 'valid' };
    const kind = pickWeighted(weights, random);
    return { text: spoilers[kind](text), kind };
  };
}
