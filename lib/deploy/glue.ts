/**
 * A Glue database and table over the curated (Parquet) prefix, so Athena queries the lake without a
 * crawler. Columns come from the record schema exactly as the Parquet conversion maps it (lib/parquet);
 * partitions are the pipeline's partition keys, laid out as the delivery prefix writes them, and found by
 * partition projection (no MSCK REPAIR, no crawler): timestamp keys as `date`, keys whose record field has a
 * JSON Schema `enum` as `enum`, other keys as `injected` (queries filter them with `=`).
 */
import { compileConversion, glueTypeOf } from '../parquet';
import { isSafePartitionValue, parsePrefix, type KeyConfig, type PartitioningConfig } from '../partitioning';
import type { PipelineConfig } from '../pipeline/types';
import { bucketName, type DeployContext, type Intrinsic } from './common';
import { destinationOf } from './destinations';

export const GLUE_LOGICAL_IDS = { database: 'LakeDatabase', table: 'LakeTable' } as const;

/** Glue and Athena names: lowercase letters, digits and underscores. */
const glueName = (text: string): string => text.toLowerCase().replace(/[^a-z0-9_]/g, '_');

export function glueNames(context: DeployContext): { database: string; table: string } {
  const { name } = context.pipeline.config;
  return { database: glueName(`${name}_${context.stage}`), table: glueName(name) };
}

/** The finest field of a date pattern → Athena's projection interval unit; letters outside it are not dates. */
const DATE_UNITS: ReadonlyArray<[RegExp, string]> = [
  [/s/, 'SECONDS'],
  [/m/, 'MINUTES'],
  [/[Hhk]/, 'HOURS'],
  [/d/, 'DAYS'],
  [/M/, 'MONTHS'],
  [/[yu]/, 'YEARS'],
];
const DATE_LETTERS = /^[yuMdHhkms]*$/;

/** Athena's interval unit for a Java-style pattern, or undefined when the pattern is not a plain date. */
export function dateProjectionUnit(pattern: string): string | undefined {
  const letters = pattern.replace(/'[^']*'/g, '').replace(/[^A-Za-z]/g, '');
  if (letters === '' || !DATE_LETTERS.test(letters)) return undefined;
  return DATE_UNITS.find(([regex]) => regex.test(letters))?.[1];
}

/** The `enum` of the record schema at a dotted path, when every value is a safe partition value as is. */
function enumAt(schema: object, path: string): string[] | undefined {
  let node: Record<string, unknown> | undefined = schema as Record<string, unknown>;
  for (const segment of path.split('.')) {
    if (/\[\d+\]/.test(segment)) return undefined;
    const properties = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = properties?.[segment];
  }
  const values = node?.enum;
  if (
    !Array.isArray(values) ||
    !values.every((value) => typeof value === 'string' && isSafePartitionValue(value))
  )
    return undefined;
  return values as string[];
}

function projection(
  key: KeyConfig,
  partitioning: PartitioningConfig,
  schema: object,
): Record<string, string> {
  const prefix = `projection.${key.name}`;
  if ('timestamp' in key) {
    const unit = dateProjectionUnit(key.timestamp.pattern);
    if (unit) {
      return {
        [`${prefix}.type`]: 'date',
        [`${prefix}.format`]: key.timestamp.pattern,
        // Relative, so the table never needs an update; a day ahead covers time zones and clock skew.
        [`${prefix}.range`]: 'NOW-5YEARS,NOW+1DAYS',
        [`${prefix}.interval`]: '1',
        [`${prefix}.interval.unit`]: unit,
      };
    }
  } else {
    const values = enumAt(schema, key.path);
    if (values) {
      const fallback =
        key.default ??
        ((partitioning.onMissingKey ?? 'fail') === 'default'
          ? (partitioning.defaultValue ?? 'unknown')
          : undefined);
      const all = [...new Set([...values, ...(fallback ? [fallback] : [])])];
      return { [`${prefix}.type`]: 'enum', [`${prefix}.values`]: all.join(',') };
    }
  }
  return { [`${prefix}.type`]: 'injected' };
}

/**
 * How the partition keys sit below the curated prefix: what the delivery prefix writes below the conversion
 * input prefix (its key expressions become `${name}`), or the consumer's Hive-style `name=value/` folders.
 * Undefined when the layout holds anything else (timestamps, random strings): the table is then unpartitioned
 * and Athena reads every object below the location.
 */
export function partitionLayout(config: PipelineConfig): { keys: KeyConfig[]; template: string } | undefined {
  const { partitioning, conversion, delivery } = config;
  if (!partitioning || !conversion) return undefined;
  const byName = new Map(partitioning.keys.map((key) => [key.name, key]));
  const s3Delivery = delivery && destinationOf(delivery).type === 's3' ? delivery : undefined;
  if (s3Delivery?.prefix.startsWith(conversion.inputPrefix)) {
    const parsed = parsePrefix(s3Delivery.prefix);
    if (!parsed.hasExpressions) return undefined;
    let template = '';
    const keys: KeyConfig[] = [];
    for (const part of parsed.parts) {
      if (part.kind === 'literal') template += part.text;
      else if (part.kind === 'partition-key' && byName.has(part.key)) {
        template += `\${${part.key}}`;
        keys.push(byName.get(part.key)!);
      } else return undefined;
    }
    return { keys, template: template.slice(conversion.inputPrefix.length) };
  }
  return {
    keys: partitioning.keys,
    template: partitioning.keys.map((key) => `${key.name}=\${${key.name}}/`).join(''),
  };
}

export function glueResources(context: DeployContext): Record<string, unknown> {
  const { config, recordSchema } = context.pipeline;
  const { conversion } = config;
  if (!conversion) return {};
  const names = glueNames(context);
  const layout = partitionLayout(config);
  const partitionNames = new Set(layout?.keys.map((key) => key.name.toLowerCase()));
  // A partition key is read from the path; Athena refuses a column of the same name.
  const columns = compileConversion(recordSchema, conversion)
    .columns.filter((column) => !partitionNames.has(column.name.toLowerCase()))
    .map((column) => ({ Name: column.name, Type: glueTypeOf(column) }));
  const location = (suffix: string): Intrinsic => ({
    'Fn::Join': ['', ['s3://', bucketName(context), `/${conversion.outputPrefix}${suffix}`]],
  });
  const parameters: Record<string, Intrinsic> = { classification: 'parquet', EXTERNAL: 'TRUE' };
  if (layout && config.partitioning) {
    parameters['projection.enabled'] = 'true';
    parameters['storage.location.template'] = location(layout.template);
    for (const key of layout.keys)
      Object.assign(parameters, projection(key, config.partitioning, recordSchema));
  }
  return {
    [GLUE_LOGICAL_IDS.database]: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: {
          Name: names.database,
          Description: `Data lake of the ${config.name} pipeline (${context.stage})`,
        },
      },
    },
    [GLUE_LOGICAL_IDS.table]: {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: { Ref: GLUE_LOGICAL_IDS.database },
        TableInput: {
          Name: names.table,
          Description: `Curated Parquet records of ${config.name} (${config.record.schema})`,
          TableType: 'EXTERNAL_TABLE',
          Parameters: parameters,
          PartitionKeys: (layout?.keys ?? []).map((key) => ({ Name: key.name, Type: 'string' })),
          StorageDescriptor: {
            Columns: columns,
            Location: location(''),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: {
              SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      },
    },
  };
}
