import conversionSchema from '../../schemas/pipeline/conversion.schema.json';
import { compileValidator, formatIssues } from '../schema/validate';
import type { UnsupportedPolicy } from './schema';
import { TIMESTAMP_FORMATS, type TimestampFormat } from './timestamps';
import type { ParquetCompression } from './writer';

/** pipeline.yml `conversion:` (schemas/pipeline/conversion.schema.json). */
export interface ConversionConfig extends Partial<ConversionOptions> {
  inputPrefix: string;
  outputPrefix: string;
  errorPrefix: string;
  fileExtension?: string;
}

/** How records are read and Parquet is written; every field has a default. */
export interface ConversionOptions {
  compression: ParquetCompression;
  rowGroupSize: number;
  rowGroupBytes: number;
  statistics: boolean;
  caseInsensitive: boolean;
  convertDotsInKeysToUnderscores: boolean;
  columnToJsonKeyMappings: Readonly<Record<string, string>>;
  timestampFormats: readonly TimestampFormat[];
  unsupportedTypes: UnsupportedPolicy;
  maxRecordBytes: number;
  /** Most bytes a gzip object may inflate to; past it the whole object fails (a gzip bomb costs no more). */
  maxDecompressedBytes: number;
}

export const CONVERSION_DEFAULTS: Readonly<ConversionOptions> = {
  compression: 'SNAPPY',
  rowGroupSize: 100_000,
  rowGroupBytes: 64 * 1024 * 1024,
  statistics: true,
  caseInsensitive: true,
  convertDotsInKeysToUnderscores: false,
  columnToJsonKeyMappings: {},
  timestampFormats: TIMESTAMP_FORMATS,
  unsupportedTypes: 'json',
  maxRecordBytes: 8 * 1024 * 1024,
  // 4× Firehose's largest S3 buffer (128 MiB, counted before compression): no Firehose object comes near it.
  maxDecompressedBytes: 512 * 1024 * 1024,
};

const validateConfig = compileValidator(conversionSchema, { pipelineConfig: true });
// The same rules without the prefixes being required: library use, or a whole `conversion:` block.
const validateOptions = compileValidator(
  { ...conversionSchema, $id: 'conversion-options.schema.json', required: [] },
  { pipelineConfig: true },
);

/**
 * Defaults applied and checked once; a typo or bad value throws naming the field. Accepts the options alone
 * or a whole `conversion:` block (its prefixes are ignored here).
 */
export function resolveConversionOptions(options: Partial<ConversionConfig> = {}): ConversionOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const result = validateOptions(defined);
  if (!result.ok) throw new Error(`invalid conversion options: ${formatIssues(result.issues)}`);
  const resolved: Record<string, unknown> = { ...CONVERSION_DEFAULTS };
  for (const key of Object.keys(CONVERSION_DEFAULTS)) if (key in defined) resolved[key] = defined[key];
  return resolved as unknown as ConversionOptions;
}

function isInside(prefix: string, container: string): boolean {
  // S3 prefix filters are plain string prefixes: 'raw' also matches 'raw-curated/'.
  return prefix.startsWith(container);
}

/**
 * Every problem with a `conversion:` block, each naming its field; empty when valid. Beyond the schema,
 * the converter must not trigger itself: output and error objects may not land under the input prefix.
 */
export function validateConversionConfig(config: unknown): string[] {
  const result = validateConfig(config);
  if (!result.ok) return result.issues.map((issue) => `conversion.${issue.path}: ${issue.message}`);
  const { inputPrefix, outputPrefix, errorPrefix } = config as ConversionConfig;
  const problems: string[] = [];
  const outputs = { outputPrefix, errorPrefix } as const;
  for (const [field, prefix] of Object.entries(outputs)) {
    if (prefix === inputPrefix) {
      problems.push(
        `conversion.${field}: must differ from inputPrefix ('${inputPrefix}'), or the converter would convert its own output`,
      );
    } else if (isInside(prefix, inputPrefix)) {
      problems.push(
        `conversion.${field}: '${prefix}' is inside inputPrefix '${inputPrefix}', so its objects would trigger the converter again`,
      );
    }
  }
  return problems;
}
