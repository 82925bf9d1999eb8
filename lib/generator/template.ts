import { Faker, base, en } from '@faker-js/faker';
import { TemplateError } from './errors';
import { HelperArgumentError, findHelper, knownHelperNames, toText, type HelperEnv } from './helpers';
import { parseTemplate, type CallPart, type ParseOptions } from './parser';

/**
 * Where a template's date helpers (and faker's relative dates) take "now" from:
 * a fixed instant, a function, or a simulated clock that starts somewhere and moves `stepMs` per record.
 */
export type TemplateClockOption =
  number | Date | string | (() => number) | { start: number | Date | string; stepMs: number };

export interface CompileOptions extends ParseOptions {
  /** Seeds faker; without `now`, date helpers then follow a simulated clock from DEFAULT_SIMULATED_START. */
  seed?: number;
  now?: TemplateClockOption;
}

export interface CompiledTemplate {
  readonly source: string | undefined;
  /** The helper names the template calls, in order of appearance. */
  readonly helpers: readonly string[];
  readonly variantCount: number;
  /** The template's own faker instance (seeded when a seed was given), for producers that wrap it. */
  readonly faker: Faker;
  /** Renders one record. */
  render(): string;
  /** The time (ms since the epoch) the last rendered record was stamped with. */
  lastTime(): number;
}

/** Start of the simulated clock used for seeded runs, so the same seed gives the same timestamps. */
export const DEFAULT_SIMULATED_START = Date.UTC(2025, 0, 1);

function toEpoch(value: number | Date | string, what: string): number {
  const epoch =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(epoch)) throw new Error(`${what} is not a valid date: ${String(value)}`);
  return epoch;
}

/** Returns a function called once per record that yields that record's time. */
export function createTemplateClock(option: TemplateClockOption | undefined, seeded: boolean): () => number {
  if (option === undefined) {
    return seeded ? createTemplateClock({ start: DEFAULT_SIMULATED_START, stepMs: 1 }, true) : Date.now;
  }
  if (typeof option === 'function') return option;
  if (typeof option === 'object' && !(option instanceof Date)) {
    const stepMs = option.stepMs;
    if (!Number.isFinite(stepMs) || stepMs < 0)
      throw new Error(`stepMs must be a non-negative number, got ${stepMs}`);
    let next = toEpoch(option.start, 'the clock start');
    return () => {
      const current = next;
      next += stepMs;
      return current;
    };
  }
  const fixed = toEpoch(option, 'now');
  return () => fixed;
}

let probeFaker: Faker | undefined;

/** Binds a helper against a throw-away faker and calls it once, so bad arguments fail at compile time. */
function probe(part: CallPart, source: string | undefined): void {
  probeFaker ??= new Faker({ locale: [en, base] });
  const factory = findHelper(part.name, probeFaker) as NonNullable<ReturnType<typeof findHelper>>;
  const env: HelperEnv = { faker: probeFaker, time: Date.now };
  const warnings: string[] = [];
  const originalWarn = console.warn;
  // faker prints a deprecation warning on every call of a deprecated method: refuse those once, here.
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  try {
    toText(factory(env, part.args)());
  } catch (error) {
    fail(part, source, describeFailure(error));
  } finally {
    console.warn = originalWarn;
  }
  const deprecation = warnings.find((warning) => warning.includes('deprecated'));
  if (deprecation !== undefined) {
    fail(part, source, `${part.name} is deprecated: ${deprecation.replace(/^\[@faker-js\/faker\]:\s*/, '')}`);
  }
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof HelperArgumentError ? message : `fails with these arguments: ${message}`;
}

function fail(part: CallPart, source: string | undefined, problem: string): never {
  const detail = problem.startsWith(part.name) ? problem : `${part.name} ${problem}`;
  throw new TemplateError(detail, part.line, part.column, part.raw, source);
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(name: string, faker: Faker): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 4)) + 1;
  for (const candidate of knownHelperNames(faker)) {
    const distance = candidate.toLowerCase() === lower ? 0 : levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

interface CompiledVariant {
  texts: string[];
  calls: (() => string)[];
}

function renderVariant(variant: CompiledVariant): string {
  const { texts, calls } = variant;
  let out = texts[0] as string;
  for (let i = 0; i < calls.length; i += 1) out += (calls[i] as () => string)() + (texts[i + 1] as string);
  return out;
}

/**
 * Compiles a template once: parses it, resolves every helper, checks its arguments by calling it once, and
 * returns a renderer that only concatenates literal text with the results of pre-bound closures.
 */
export function compileTemplate(text: string, options: CompileOptions = {}): CompiledTemplate {
  const parsed = parseTemplate(text, options);
  const faker = new Faker({ locale: [en, base] });
  if (options.seed !== undefined) faker.seed(options.seed);
  const clock = createTemplateClock(options.now, options.seed !== undefined);
  let recordTime = 0;
  // faker's past/future/recent dates are relative to the record's time, so they follow a simulated clock too.
  faker.setDefaultRefDate(() => new Date(recordTime));
  const env: HelperEnv = { faker, time: () => recordTime };
  const helpers: string[] = [];

  // Values kept with `as name` for this record; only one variant renders per record, so slots can be shared.
  const slots: string[] = [];
  const variants = parsed.variants.map((variant): CompiledVariant => {
    const texts: string[] = [''];
    const calls: (() => string)[] = [];
    const names = new Map<string, number>();
    for (const part of variant.parts) {
      if (part.type === 'text') {
        texts[texts.length - 1] += part.value;
        continue;
      }
      if (part.type === 'reference') {
        const slot = names.get(part.name);
        if (slot === undefined) {
          throw new TemplateError(
            `$${part.name} is not defined before this point (keep a value with {{module.method as ${part.name}}})`,
            part.line,
            part.column,
            part.raw,
            options.source,
          );
        }
        calls.push(() => slots[slot] as string);
        texts.push('');
        continue;
      }
      const factory = findHelper(part.name, faker);
      if (factory === undefined)
        fail(part, options.source, `is not a known helper${suggestion(part.name, faker)}`);
      probe(part, options.source);
      const bound = factory(env, part.args);
      helpers.push(part.name);
      if (part.assign === undefined) {
        calls.push(() => toText(bound()));
      } else {
        const slot = slots.push('') - 1;
        names.set(part.assign, slot);
        calls.push(() => (slots[slot] = toText(bound())));
      }
      texts.push('');
    }
    return { texts, calls };
  });

  const weights = parsed.variants.map((variant) => variant.weight);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cumulative = weights.map(
    (
      (sum) => (weight: number) =>
        (sum += weight)
    )(0),
  );
  const only = variants[0] as CompiledVariant;
  const pick =
    variants.length === 1
      ? () => only
      : () => {
          const point = faker.number.float({ max: total });
          const index = cumulative.findIndex((limit) => point < limit);
          return variants[index === -1 ? variants.length - 1 : index] as CompiledVariant;
        };

  return {
    source: options.source,
    helpers,
    variantCount: variants.length,
    faker,
    render: () => {
      recordTime = clock();
      return renderVariant(pick());
    },
    lastTime: () => recordTime,
  };
}
