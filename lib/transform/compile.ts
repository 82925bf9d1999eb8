import transformsSchema from '../../schemas/pipeline/transforms.schema.json';
import { compileValidator, type Validator } from '../schema/validate';
import { type Draft, StepFailure, TransformConfigError, isPlainObject, kindOf } from './draft';
import { type CompiledStep, DROP, STEP_COMPILERS } from './steps';
import type {
  CompileOptions,
  RecordContext,
  RecordTransform,
  StepName,
  TransformOutcome,
  TransformStep,
} from './types';

let validateSteps: Validator | undefined;

/** `[2].mask.saltFrom` (validator paths are relative to the list) → `transforms[2].mask.saltFrom`. */
function underTransforms(path: string): string {
  if (path === '(root)') return 'transforms';
  return path.startsWith('[') ? `transforms${path}` : `transforms.${path}`;
}

function checkOptions(options: CompileOptions): Required<CompileOptions> {
  const { env = process.env, registry = {}, inPlace = false } = options;
  const problems: { path: string; message: string }[] = [];
  if (!isPlainObject(env)) problems.push({ path: 'options.env', message: 'must be an object' });
  if (!isPlainObject(registry)) problems.push({ path: 'options.registry', message: 'must be an object' });
  if (typeof inPlace !== 'boolean') problems.push({ path: 'options.inPlace', message: 'must be a boolean' });
  if (problems.length > 0) throw new TransformConfigError(problems);
  return { env, registry, inPlace };
}

function compileStep(step: TransformStep, index: number, options: Required<CompileOptions>): CompiledStep {
  // The schema guarantees exactly one key, and that it is a step name.
  const name = Object.keys(step)[0] as StepName;
  const at = `transforms[${index}].${name}`;
  const compiler = STEP_COMPILERS[name] as (config: unknown, context: object) => Partial<CompiledStep>;
  const compiled = compiler((step as Record<string, unknown>)[name], { at, ...options });
  const label = compiled.label ?? at;
  return { label, rule: compiled.rule ?? label, run: compiled.run as CompiledStep['run'] };
}

function failed(message: string): TransformOutcome {
  return { kind: 'failed', reason: 'transform-failed', message };
}

/**
 * Compiles the `transforms:` steps of pipeline.yml once into one function run per record.
 *
 * Bad configuration throws a TransformConfigError naming the step and field
 * (`transforms[2].mask.saltFrom: environment variable MASK_SALT is not set`). Per record the function
 * never throws: it returns `ok` with the transformed record, `dropped` with the rule that dropped it, or
 * `failed` with a message naming the step and field. The caller's record is not modified unless
 * `inPlace` is set; unchanged nested objects are shared between input and output.
 */
export function compileTransforms(steps: TransformStep[], options: CompileOptions = {}): RecordTransform {
  const settings = checkOptions(options);
  validateSteps ??= compileValidator(transformsSchema, { pipelineConfig: true });
  const validation = validateSteps(steps);
  if (!validation.ok) {
    throw new TransformConfigError(
      validation.issues.map((issue) => ({ path: underTransforms(issue.path), message: issue.message })),
    );
  }
  const compiled = steps.map((step, index) => compileStep(step, index, settings));
  if (compiled.length === 0) return (record) => ({ kind: 'ok', record, changed: false });
  const dropped = compiled.map((step): TransformOutcome =>
    Object.freeze({ kind: 'dropped', rule: step.rule }),
  );
  const { inPlace } = settings;

  return (record: Record<string, unknown>, context: RecordContext): TransformOutcome => {
    if (!isPlainObject(record))
      return failed(`transforms: the record is ${kindOf(record)}, not a JSON object`);
    const draft: Draft = { record, ownsAll: inPlace, rootOwned: inPlace, owned: undefined, changed: false };
    for (let index = 0; index < compiled.length; index += 1) {
      const step = compiled[index] as CompiledStep;
      try {
        if (step.run(draft, context) === DROP) return dropped[index] as TransformOutcome;
      } catch (error) {
        const message =
          error instanceof StepFailure
            ? error.message
            : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
        return failed(`${step.label}: ${message}`);
      }
    }
    return { kind: 'ok', record: draft.record, changed: draft.changed };
  };
}
