/**
 * One compiler per step name. Each reads its configuration once and returns a closure run per record;
 * adding a step is one entry in STEP_COMPILERS (and one in the JSON Schema).
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import {
  type Draft,
  type PlainObject,
  StepFailure,
  TransformConfigError,
  deletePath,
  defineValue,
  isPlainObject,
  jsonClone,
  kindOf,
  parsePath,
  readPath,
  setPath,
} from './draft';
import { isCanonicalIsoDateTime } from '../schema/formats';
import { TIME_FORMATTERS, toEpochMillis } from './timestamps';
import type {
  ContextField,
  CustomTransform,
  JsonScalar,
  RecordContext,
  StepConfigs,
  StepName,
} from './types';

/** Returned by a step to drop the record. */
export const DROP = Symbol('drop');

export type StepRun = (draft: Draft, context: RecordContext) => typeof DROP | void;

export interface CompiledStep {
  /** `transforms[2].mask`, or `transforms[5].custom(name)`: prefixes every per-record failure. */
  label: string;
  run: StepRun;
  /** Reported as the outcome's `rule` when the step drops a record. */
  rule: string;
}

export interface StepCompileContext {
  /** `transforms[2].mask`: prefixes every configuration error. */
  at: string;
  env: NodeJS.ProcessEnv;
  registry: Record<string, CustomTransform>;
}

type StepCompiler<K extends StepName> = (
  config: StepConfigs[K],
  context: StepCompileContext,
) => Omit<CompiledStep, 'label' | 'rule'> & Partial<Pick<CompiledStep, 'label' | 'rule'>>;

function parsePaths(paths: readonly string[], at: string): string[][] {
  return paths.map((path, index) => parsePath(path, `${at}[${index}]`));
}

/** A short, safe description of a value for failure messages (never a whole payload). */
function preview(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = JSON.stringify(value);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  }
  return kindOf(value);
}

const rename: StepCompiler<'rename'> = ({ from, to }, { at }) => {
  const source = parsePath(from, `${at}.from`);
  const target = parsePath(to, `${at}.to`);
  if (from === to)
    throw new TransformConfigError([{ path: `${at}.to`, message: `is the same path as from ("${from}")` }]);
  return {
    // An absent source is not an error: optional fields are renamed when present.
    run: (draft) => {
      const value = readPath(draft.record, source);
      if (value === undefined) return;
      deletePath(draft, source);
      setPath(draft, target, value);
    },
  };
};

const drop: StepCompiler<'drop'> = ({ fields }, { at }) => {
  const paths = parsePaths(fields, `${at}.fields`);
  return {
    run: (draft) => {
      for (const path of paths) deletePath(draft, path);
    },
  };
};

const mask: StepCompiler<'mask'> = ({ fields, saltFrom }, { at, env }) => {
  const paths = parsePaths(fields, `${at}.fields`);
  const salt = env[saltFrom];
  if (salt === undefined || salt === '') {
    const problem = `environment variable ${saltFrom} is ${salt === undefined ? 'not set' : 'empty'}`;
    throw new TransformConfigError([{ path: `${at}.saltFrom`, message: problem }]);
  }
  const key: KeyObject = createSecretKey(Buffer.from(salt, 'utf8'));
  return {
    run: (draft) => {
      for (const path of paths) {
        const value = readPath(draft.record, path);
        // Nothing to hide in an absent or null value; keep it so the record's shape is unchanged.
        if (value === undefined || value === null) continue;
        if (typeof value === 'object') {
          throw new StepFailure(
            `field "${path.join('.')}" is ${kindOf(value)}; mask its leaf fields instead`,
          );
        }
        setPath(draft, path, createHmac('sha256', key).update(String(value)).digest('hex'));
      }
    },
  };
};

const TIME_CONTEXT_FIELDS: ReadonlySet<ContextField> = new Set(['ingestionTime', 'arrivalTime']);

const CONTEXT_READERS: Readonly<Record<ContextField, (context: RecordContext) => unknown>> = {
  ingestionTime: (context) => context.ingestionTime,
  arrivalTime: (context) => context.arrivalTime,
  shardId: (context) => context.shardId,
  sequenceNumber: (context) => context.sequenceNumber,
  subSequenceNumber: (context) => context.subSequenceNumber,
  partitionKey: (context) => context.partitionKey,
};

const add: StepCompiler<'add'> = (config, { at }) => {
  const target = parsePath(config.field, `${at}.field`);
  if ('value' in config) {
    const constant = config.value;
    // Each record gets its own copy of an object constant, so later edits never reach the shared one.
    const copy = typeof constant === 'object' && constant !== null;
    return { run: (draft) => setPath(draft, target, copy ? jsonClone(constant) : constant) };
  }
  const { from, format } = config;
  const read = CONTEXT_READERS[from];
  if (format !== undefined && !TIME_CONTEXT_FIELDS.has(from)) {
    const problem = `only applies to ${[...TIME_CONTEXT_FIELDS].join(' and ')}, not ${from}`;
    throw new TransformConfigError([{ path: `${at}.format`, message: problem }]);
  }
  if (!TIME_CONTEXT_FIELDS.has(from)) {
    // Absent metadata (e.g. no shardId for Firehose direct PUT) leaves the field absent.
    return {
      run: (draft, context) => {
        const value = read(context);
        if (value !== undefined) setPath(draft, target, value);
      },
    };
  }
  const formatTime = TIME_FORMATTERS[format ?? 'iso'];
  // Callers pass one ingestion time per batch: format it once, not once per record.
  let lastMillis = Number.NaN;
  let lastFormatted: string | number = '';
  return {
    run: (draft, context) => {
      const value = read(context) as Date | undefined;
      if (value === undefined) return;
      const millis = value instanceof Date ? value.getTime() : Number.NaN;
      if (Number.isNaN(millis)) throw new StepFailure(`context.${from} is not a valid Date`);
      if (millis !== lastMillis) {
        lastFormatted = formatTime(millis);
        lastMillis = millis;
      }
      setPath(draft, target, lastFormatted);
    },
  };
};

const timestamp: StepCompiler<'timestamp'> = ({ fields, to }, { at }) => {
  const paths = parsePaths(fields, `${at}.fields`);
  const format = TIME_FORMATTERS[to];
  return {
    run: (draft) => {
      for (const path of paths) {
        const value = readPath(draft.record, path);
        if (value === undefined || value === null) continue;
        // Most producers already send toISOString text: nothing to parse or write back.
        if (to === 'iso' && isCanonicalIsoDateTime(value)) continue;
        const millis = toEpochMillis(value);
        if (millis === undefined) {
          const problem = `is not an ISO-8601 date-time, epoch seconds or epoch milliseconds`;
          throw new StepFailure(`field "${path.join('.')}": ${preview(value)} ${problem}`);
        }
        setPath(draft, path, format(millis));
      }
    },
  };
};

function hasOwnKeys(value: PlainObject): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** Writes the leaves of `source` into `out` as `prefix + key` (joined by `separator`), `depth` levels down. */
function flattenInto(
  out: PlainObject,
  prefix: string,
  source: PlainObject,
  depth: number,
  maxDepth: number,
  separator: string,
): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    const name = prefix + key;
    // Empty objects are kept as `{}` so no field disappears; arrays are values, not flattened.
    if (isPlainObject(value) && depth < maxDepth && hasOwnKeys(value)) {
      flattenInto(out, name + separator, value, depth + 1, maxDepth, separator);
    } else if (Object.hasOwn(out, name)) {
      throw new StepFailure(`key "${name}" already exists; flattening would overwrite it`);
    } else {
      defineValue(out, name, value);
    }
  }
}

const flatten: StepCompiler<'flatten'> = ({ separator = '_', maxDepth = Infinity, fields }, { at }) => {
  if (fields === undefined) {
    return {
      run: (draft) => {
        const out: PlainObject = {};
        flattenInto(out, '', draft.record, 0, maxDepth, separator);
        draft.record = out;
        draft.rootOwned = true;
        draft.changed = true;
      },
    };
  }
  const paths = parsePaths(fields, `${at}.fields`);
  const prefixes = paths.map((path) => path.join(separator) + separator);
  return {
    run: (draft) => {
      paths.forEach((path, index) => {
        const value = readPath(draft.record, path);
        if (!isPlainObject(value)) return;
        deletePath(draft, path);
        flattenInto(draft.record, prefixes[index] as string, value, 1, maxDepth, separator);
      });
    },
  };
};

type Predicate = (value: unknown) => boolean;

/** Filter operators: the condition's one key besides `field`, and how it builds its test. */
const OPERATORS: Readonly<Record<string, (operand: unknown) => Predicate>> = {
  equals: (expected) => (value) => value === expected,
  in: (list) => {
    const allowed = new Set(list as JsonScalar[]);
    return (value) => allowed.has(value as JsonScalar);
  },
  // null counts as present: the field is in the record.
  exists: (expected) => (value) => (value !== undefined) === expected,
};

const filter: StepCompiler<'filter'> = (config, { at }) => {
  const action = 'drop' in config ? 'drop' : 'keep';
  const condition = ('drop' in config ? config.drop : config.keep) as Record<string, unknown>;
  const path = parsePath(condition.field, `${at}.${action}.field`);
  const operator = Object.keys(condition).find((key) => key !== 'field') ?? '';
  const build = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined;
  if (build === undefined) {
    const problem = `needs one of ${Object.keys(OPERATORS).join(', ')} beside field`;
    throw new TransformConfigError([{ path: `${at}.${action}`, message: problem }]);
  }
  const matches = build(condition[operator]);
  const dropWhen = action === 'drop';
  return {
    rule: config.name ?? at,
    run: (draft) => (matches(readPath(draft.record, path)) === dropWhen ? DROP : undefined),
  };
};

const custom: StepCompiler<'custom'> = ({ name }, { at, registry }) => {
  const transform = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (transform !== undefined && typeof transform !== 'function') {
    throw new TransformConfigError([
      { path: `${at}.name`, message: `custom transform "${name}" is not a function` },
    ]);
  }
  if (transform === undefined) {
    const known = Object.keys(registry).sort();
    const list =
      known.length === 0 ? 'none are registered in transforms/index.ts' : `known: ${known.join(', ')}`;
    throw new TransformConfigError([
      { path: `${at}.name`, message: `unknown custom transform "${name}"; ${list}` },
    ]);
  }
  return {
    label: `${at}(${name})`,
    run: (draft, context) => {
      // The function may edit anything it is given, so it gets a record this run owns entirely.
      if (!draft.ownsAll) draft.record = jsonClone(draft.record);
      draft.changed = true;
      let result: unknown;
      try {
        result = transform(draft.record, context);
      } catch (error) {
        throw new StepFailure(`threw: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (result === null) return DROP;
      if (result instanceof Promise)
        throw new StepFailure('returned a Promise; custom transforms are synchronous');
      if (!isPlainObject(result))
        throw new StepFailure(`returned ${kindOf(result)}; return the record or null`);
      // The result may hold objects the function shares between records (lookup tables): copy before editing.
      draft.record = result;
      draft.ownsAll = false;
      draft.rootOwned = false;
      draft.owned = undefined;
    },
  };
};

export const STEP_COMPILERS: { readonly [K in StepName]: StepCompiler<K> } = {
  rename,
  drop,
  mask,
  add,
  timestamp,
  flatten,
  filter,
  custom,
};
