import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import pipelineSchema from '../../schemas/pipeline.schema.json';
import transformsSchema from '../../schemas/pipeline/transforms.schema.json';
import partitioningSchema from '../../schemas/pipeline/partitioning.schema.json';
import conversionSchema from '../../schemas/pipeline/conversion.schema.json';
import analyticsSchema from '../../schemas/pipeline/analytics.schema.json';
import { compileValidator, formatIssues } from '../schema/validate';
import type { CustomTransform } from '../transform/types';
import { customTransforms } from '../../transforms';
import { crossFieldProblems, pipelineWarnings } from './checks';
import { PipelineConfigError } from './errors';
import type { PipelineConfig } from './types';

export { PipelineConfigError };

export interface LoadedPipeline {
  config: PipelineConfig;
  /** Absolute path of the pipeline file; relative paths inside it resolve from its folder. */
  file: string;
  baseDir: string;
  /** The record JSON Schema named by `record.schema`, parsed. */
  recordSchema: object;
  /** Valid settings that are surely mistakes, each naming its field; errors instead under `strict`. */
  warnings: string[];
  /**
   * The `custom:` transforms by name: transforms/index.ts, the user's code. The domains never import it;
   * this loader hands it to them with the rest of the pipeline.
   */
  customTransforms: Record<string, CustomTransform>;
}

export interface LoadOptions {
  /** Refuse the file when it has warnings (`kpipe local --strict`, `KPIPE_STRICT=1 sls package`). */
  strict?: boolean;
}

const validatePipeline = compileValidator(pipelineSchema, {
  useDefaults: true,
  suggestions: true,
  references: [transformsSchema, partitioningSchema, conversionSchema, analyticsSchema],
});

/**
 * The file named by PIPELINE_FILE, else `pipeline.yml`, from the working directory: in Lambda that is the
 * task root, where the file is packaged beside the bundle.
 */
export function defaultPipelineFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PIPELINE_FILE ?? 'pipeline.yml');
}

export function loadPipeline(
  file: string = defaultPipelineFile(),
  options: LoadOptions = {},
): LoadedPipeline {
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new PipelineConfigError(absolute, ['file not found']);
  return parsePipeline(readFileSync(absolute, 'utf8'), absolute, options);
}

/** Parses, validates (filling in defaults) and cross-checks pipeline text; throws PipelineConfigError. */
export function parsePipeline(text: string, file: string, options: LoadOptions = {}): LoadedPipeline {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PipelineConfigError(
      file,
      document.errors.map((error) => `YAML: ${error.message.split('\n')[0]}`),
    );
  }
  const config: unknown = document.toJS();
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new PipelineConfigError(file, ['(root): must be a mapping of settings']);
  }
  const result = validatePipeline(config);
  if (!result.ok) {
    throw new PipelineConfigError(
      file,
      result.issues.map((issue) => formatIssues([issue])),
    );
  }
  const pipeline = config as PipelineConfig;
  const baseDir = dirname(file);
  const schemaFile = resolve(baseDir, pipeline.record.schema);
  const recordSchema = readRecordSchema(file, schemaFile);
  const problems = crossFieldProblems(pipeline, recordSchema);
  const warnings = pipelineWarnings(pipeline);
  if (options.strict === true) problems.push(...asStrictProblems(warnings));
  if (problems.length > 0) throw new PipelineConfigError(file, problems);
  return { config: pipeline, file, baseDir, recordSchema, warnings, customTransforms };
}

const asStrictProblems = (warnings: string[]): string[] =>
  warnings.map((warning) => `${warning} (a warning, refused in strict mode)`);

/** Strict mode after loading: throws PipelineConfigError listing the warnings, if there are any. */
export function refuseWarnings(loaded: LoadedPipeline): void {
  if (loaded.warnings.length > 0)
    throw new PipelineConfigError(loaded.file, asStrictProblems(loaded.warnings));
}

function readRecordSchema(file: string, schemaFile: string): object {
  if (!existsSync(schemaFile)) {
    throw new PipelineConfigError(file, [`record.schema: file ${schemaFile} not found`]);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (error) {
    throw new PipelineConfigError(file, [
      `record.schema: ${schemaFile} is not JSON: ${(error as Error).message}`,
    ]);
  }
  try {
    compileValidator(schema as object);
  } catch (error) {
    throw new PipelineConfigError(file, [`record.schema: ${(error as Error).message}`]);
  }
  return schema as object;
}
