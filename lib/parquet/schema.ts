import type { SchemaElement } from 'hyparquet-writer';

/**
 * JSON Schema → column tree → Parquet schema. The column tree is the one description both the record
 * mapper (rows.ts) and the Parquet writer work from; it is built once per schema.
 */

export type ColumnKind =
  'string' | 'int64' | 'double' | 'boolean' | 'timestamp' | 'date' | 'json' | 'struct' | 'list';

export interface ColumnNode {
  /** Parquet field name (the schema's property name; dots become `_` under convertDotsInKeysToUnderscores). */
  name: string;
  /** JSON key this column is read from: the property name, or its columnToJsonKeyMappings entry. */
  jsonKey: string;
  /** Where the column sits, for messages: `page.url`, `items[].sku`. */
  path: string;
  kind: ColumnKind;
  /** The key must be present (JSON Schema `required`); list elements always are. */
  required: boolean;
  /** The schema admits `null` (`type: [x, 'null']`, a null branch of anyOf/oneOf, or an untyped column). */
  nullable: boolean;
  /** Struct fields, in schema order. */
  children?: ColumnNode[];
  /** List element. */
  element?: ColumnNode;
  /** Why a construct was stored as JSON text (kind `json`). */
  reason?: string;
}

export type UnsupportedPolicy = 'json' | 'refuse';

export interface SchemaMappingOptions {
  caseInsensitive: boolean;
  convertDotsInKeysToUnderscores: boolean;
  /** Column path (dotted, list levels transparent: `items.sku`) → JSON key. */
  columnToJsonKeyMappings: Readonly<Record<string, string>>;
  /** What a construct with no faithful Parquet type becomes: a JSON-text column, or a load-time error. */
  unsupportedTypes: UnsupportedPolicy;
}

/** A schema that cannot be mapped; `problems` name each path. */
export class SchemaMappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot map the JSON Schema to Parquet: ${problems.join('; ')}`);
    this.name = 'SchemaMappingError';
  }
}

type JsonSchema = boolean | Record<string, unknown>;

/** What a JSON Schema node means for storage, before names and keys are attached. */
type Shape =
  | { kind: 'string' | 'int64' | 'double' | 'boolean' | 'timestamp' | 'date'; nullable: boolean }
  | { kind: 'json'; nullable: boolean; reason: string }
  | { kind: 'struct'; nullable: boolean; properties: [string, Shape][]; required: Set<string> }
  | { kind: 'list'; nullable: boolean; items: Shape };

const PRIMITIVE_BY_TYPE: Readonly<Record<string, Shape['kind']>> = {
  string: 'string',
  integer: 'int64',
  number: 'double',
  boolean: 'boolean',
};

const STRING_FORMATS: Readonly<Record<string, Shape['kind']>> = { 'date-time': 'timestamp', date: 'date' };

/** Keywords that shape a value; a branch of allOf with none of them only validates (if/then, not, ...). */
const STRUCTURAL_KEYWORDS = [
  'type',
  'properties',
  'items',
  'prefixItems',
  '$ref',
  'format',
  'enum',
  'const',
  'anyOf',
  'oneOf',
];

const FORBIDDEN_NAMES = new Set(['__proto__']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

class ShapeReader {
  private readonly refStack: string[] = [];
  readonly unsupported: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly root: Record<string, unknown>) {}

  read(schema: JsonSchema, path: string): Shape {
    if (schema === true) return this.json(path, 'accepts any value', true);
    if (schema === false || !isObject(schema)) {
      this.errors.push(`${path}: schema admits no value`);
      return { kind: 'json', nullable: true, reason: 'invalid' };
    }
    if (typeof schema.$ref === 'string') return this.readRef(schema, schema.$ref, path);
    const node = this.mergeAllOf(schema, path);
    const union = (node.anyOf ?? node.oneOf) as unknown;
    if (Array.isArray(union)) return this.readUnion(node, union as JsonSchema[], path);
    return this.readTyped(node, path);
  }

  private readRef(schema: Record<string, unknown>, ref: string, path: string): Shape {
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    const target = match
      ? (this.root[match[1] as string] as Record<string, unknown> | undefined)?.[match[2] as string]
      : undefined;
    if (target === undefined) {
      this.errors.push(`${path}: $ref ${ref} is not a local #/$defs/<name> definition of this schema`);
      return { kind: 'json', nullable: true, reason: 'invalid' };
    }
    if (this.refStack.includes(ref)) {
      // A recursive type has no fixed Parquet shape.
      return this.json(path, `recursive $ref ${ref}`, true);
    }
    this.refStack.push(ref);
    const { $ref: _ref, ...siblings } = schema;
    const merged = isObject(target) ? { ...target, ...siblings } : target;
    const shape = this.read(merged as JsonSchema, path);
    this.refStack.pop();
    return shape;
  }

  /** allOf branches that shape the value are merged (properties, required, type); the rest only validate. */
  private mergeAllOf(schema: Record<string, unknown>, path: string): Record<string, unknown> {
    if (!Array.isArray(schema.allOf)) return schema;
    const { allOf, ...rest } = schema;
    let merged: Record<string, unknown> = rest;
    (allOf as unknown[]).forEach((branch, index) => {
      if (!isObject(branch)) return;
      if (Array.isArray(branch.required) && !STRUCTURAL_KEYWORDS.some((k) => k in branch)) {
        merged = {
          ...merged,
          required: [...((merged.required as string[]) ?? []), ...(branch.required as string[])],
        };
        return;
      }
      if (!STRUCTURAL_KEYWORDS.some((keyword) => keyword in branch)) return;
      if (branch.$ref !== undefined || branch.anyOf !== undefined || branch.oneOf !== undefined) {
        this.unsupported.push(`${path}: allOf[${index}] combines $ref/anyOf/oneOf`);
        return;
      }
      merged = {
        ...merged,
        ...branch,
        properties: { ...(merged.properties as object), ...(branch.properties as object) },
        required: [...((merged.required as string[]) ?? []), ...((branch.required as string[]) ?? [])],
      };
    });
    return merged;
  }

  private readUnion(node: Record<string, unknown>, branches: JsonSchema[], path: string): Shape {
    const { anyOf: _anyOf, oneOf: _oneOf, ...siblings } = node;
    const shapes = branches.map((branch) =>
      this.read(isObject(branch) ? { ...siblings, ...branch } : branch, path),
    );
    const isNullOnly = (branch: JsonSchema): boolean =>
      isObject(branch) &&
      (branch.type === 'null' || (Array.isArray(branch.type) && branch.type.every((t) => t === 'null')));
    const nullable = branches.some(isNullOnly);
    const values = shapes.filter((_shape, index) => !isNullOnly(branches[index] as JsonSchema));
    const [first] = values;
    if (first !== undefined && values.length === 1) return { ...first, nullable: first.nullable || nullable };
    const scalar =
      first !== undefined && !['struct', 'list', 'json'].includes(first.kind) ? first.kind : undefined;
    if (scalar !== undefined && values.every((shape) => shape.kind === scalar)) {
      return { kind: scalar, nullable: nullable || values.some((shape) => shape.nullable) } as Shape;
    }
    return this.json(path, 'anyOf/oneOf of different types', true);
  }

  private readTyped(node: Record<string, unknown>, path: string): Shape {
    const declared = node.type;
    const listed = Array.isArray(declared)
      ? (declared as string[])
      : declared === undefined
        ? this.inferTypes(node)
        : [declared as string];
    const unknown = listed.filter(
      (type) => !['null', 'object', 'array', ...Object.keys(PRIMITIVE_BY_TYPE)].includes(type),
    );
    if (unknown.length > 0) {
      this.errors.push(`${path}: unknown type ${unknown.map((t) => `'${String(t)}'`).join(', ')}`);
      return { kind: 'json', nullable: true, reason: 'invalid' };
    }
    const nullable = listed.includes('null');
    let types = listed.filter((type) => type !== 'null');
    // An integer is a number; a column that takes both is a DOUBLE.
    if (types.length === 2 && types.includes('integer') && types.includes('number')) types = ['number'];
    if (types.length === 0) return this.json(path, listed.length === 0 ? 'no type' : 'only null', true);
    if (types.length > 1) return this.json(path, `several types (${types.join(', ')})`, nullable);
    const [type] = types as [string];
    if (type === 'object') return this.readObject(node, path, nullable);
    if (type === 'array') return this.readArray(node, path, nullable);
    const format =
      type === 'string' && typeof node.format === 'string' ? STRING_FORMATS[node.format] : undefined;
    return { kind: format ?? (PRIMITIVE_BY_TYPE[type] as Shape['kind']), nullable } as Shape;
  }

  private inferTypes(node: Record<string, unknown>): string[] {
    if (isObject(node.properties)) return ['object'];
    if (node.items !== undefined || node.prefixItems !== undefined) return ['array'];
    const values = Array.isArray(node.enum)
      ? (node.enum as unknown[])
      : 'const' in node
        ? [node.const]
        : undefined;
    if (values !== undefined) return [...new Set(values.map(jsonTypeOf))];
    if (typeof node.format === 'string' && node.format in STRING_FORMATS) return ['string'];
    return [];
  }

  private readObject(node: Record<string, unknown>, path: string, nullable: boolean): Shape {
    const properties = isObject(node.properties) ? Object.entries(node.properties) : [];
    if (properties.length === 0) return this.json(path, 'object without properties', nullable);
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    const prefix = path === '' ? '' : `${path}.`;
    return {
      kind: 'struct',
      nullable,
      required,
      properties: properties.map(([name, child]) => [
        name,
        this.read(child as JsonSchema, `${prefix}${name}`),
      ]),
    };
  }

  private readArray(node: Record<string, unknown>, path: string, nullable: boolean): Shape {
    if (node.prefixItems !== undefined || Array.isArray(node.items))
      return this.json(path, 'tuple array', nullable);
    if (
      node.items === undefined ||
      node.items === true ||
      (isObject(node.items) && Object.keys(node.items).length === 0)
    ) {
      return this.json(path, 'array without an items schema', nullable);
    }
    return { kind: 'list', nullable, items: this.read(node.items as JsonSchema, `${path}[]`) };
  }

  private json(path: string, reason: string, nullable: boolean): Shape {
    this.unsupported.push(`${path === '' ? '(root)' : path}: ${reason}`);
    return { kind: 'json', nullable, reason };
  }
}

/**
 * Builds the column tree of a record schema. Throws SchemaMappingError listing every path that cannot be
 * mapped: an invalid construct always, an unsupported one only under `unsupportedTypes: 'refuse'`.
 */
export function columnsFromJsonSchema(schema: object, options: SchemaMappingOptions): ColumnNode[] {
  const reader = new ShapeReader(schema as Record<string, unknown>);
  const root = reader.read(schema as JsonSchema, '');
  const problems = [...reader.errors];
  if (options.unsupportedTypes === 'refuse')
    problems.push(...reader.unsupported.map((p) => `${p} (unsupported)`));
  if (root.kind !== 'struct') problems.push('(root): the record schema must be an object with properties');
  if (problems.length > 0 || root.kind !== 'struct') throw new SchemaMappingError(problems);
  const mappings = new Map(Object.entries(options.columnToJsonKeyMappings));
  const columns = buildStruct(root, '', '', options, mappings, problems);
  for (const column of mappings.keys()) problems.push(`columnToJsonKeyMappings: no column '${column}'`);
  if (problems.length > 0) throw new SchemaMappingError(problems);
  return columns;
}

/** How a key is compared with column names: the same normalisation on both sides. */
export function keyNormalizer(
  options: Pick<SchemaMappingOptions, 'caseInsensitive' | 'convertDotsInKeysToUnderscores'>,
): (key: string) => string {
  const { caseInsensitive, convertDotsInKeysToUnderscores: dots } = options;
  if (caseInsensitive && dots) return (key) => key.replaceAll('.', '_').toLowerCase();
  if (caseInsensitive) return (key) => key.toLowerCase();
  if (dots) return (key) => key.replaceAll('.', '_');
  return (key) => key;
}

function buildStruct(
  shape: Extract<Shape, { kind: 'struct' }>,
  path: string,
  mappingPath: string,
  options: SchemaMappingOptions,
  mappings: Map<string, string>,
  problems: string[],
): ColumnNode[] {
  const normalize = keyNormalizer(options);
  const seenKeys = new Map<string, string>();
  return shape.properties.map(([property, child]) => {
    const name = options.convertDotsInKeysToUnderscores ? property.replaceAll('.', '_') : property;
    const childPath = path === '' ? name : `${path}.${name}`;
    const childMappingPath = mappingPath === '' ? name : `${mappingPath}.${name}`;
    if (name === '' || FORBIDDEN_NAMES.has(name))
      problems.push(`${childPath || '(empty)'}: '${name}' is not a usable column name`);
    const jsonKey = mappings.get(childMappingPath) ?? property;
    mappings.delete(childMappingPath);
    if (jsonKey === '' || FORBIDDEN_NAMES.has(jsonKey))
      problems.push(`${childPath}: '${jsonKey}' is not a usable JSON key`);
    const key = normalize(jsonKey);
    const clash = seenKeys.get(key);
    if (clash !== undefined)
      problems.push(`${childPath}: reads the same JSON key as '${clash}' once keys are normalised`);
    seenKeys.set(key, name);
    return buildNode(
      child,
      name,
      jsonKey,
      childPath,
      childMappingPath,
      shape.required.has(property),
      options,
      mappings,
      problems,
    );
  });
}

function buildNode(
  shape: Shape,
  name: string,
  jsonKey: string,
  path: string,
  mappingPath: string,
  required: boolean,
  options: SchemaMappingOptions,
  mappings: Map<string, string>,
  problems: string[],
): ColumnNode {
  const base = { name, jsonKey, path, kind: shape.kind, required, nullable: shape.nullable };
  if (shape.kind === 'struct') {
    return { ...base, children: buildStruct(shape, path, mappingPath, options, mappings, problems) };
  }
  if (shape.kind === 'list') {
    const element = buildNode(
      shape.items,
      'element',
      'element',
      `${path}[]`,
      mappingPath,
      true,
      options,
      mappings,
      problems,
    );
    return { ...base, element };
  }
  if (shape.kind === 'json') return { ...base, reason: shape.reason };
  return base;
}

/** REQUIRED only when the key must be present and null is not allowed; list elements unless nullable. */
export function isRequiredColumn(column: ColumnNode): boolean {
  return column.required && !column.nullable;
}

const UTF8 = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } } as const;

/** Physical and logical types per leaf kind (Parquet format spec, LogicalTypes.md). */
const LEAF_ELEMENTS: Readonly<Record<Exclude<ColumnKind, 'struct' | 'list'>, Omit<SchemaElement, 'name'>>> = {
  string: UTF8,
  // JSON text is written as plain UTF8 so every engine reads it as a string (DuckDB: VARCHAR).
  json: UTF8,
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  // Instants: micros, UTC-adjusted. DuckDB reads TIMESTAMP WITH TIME ZONE, Spark/Athena TIMESTAMP.
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
};

/** The flattened Parquet schema (depth-first, as in the file footer); lists use the 3-level LIST form. */
export function parquetSchemaOf(columns: readonly ColumnNode[]): SchemaElement[] {
  const elements: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  const visit = (column: ColumnNode, repetition: 'REQUIRED' | 'OPTIONAL'): void => {
    if (column.kind === 'struct') {
      const children = column.children ?? [];
      elements.push({ name: column.name, repetition_type: repetition, num_children: children.length });
      children.forEach((child) => visit(child, isRequiredColumn(child) ? 'REQUIRED' : 'OPTIONAL'));
      return;
    }
    if (column.kind === 'list') {
      const element = column.element as ColumnNode;
      elements.push({
        name: column.name,
        repetition_type: repetition,
        num_children: 1,
        converted_type: 'LIST',
        logical_type: { type: 'LIST' },
      });
      elements.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      visit(element, element.nullable ? 'OPTIONAL' : 'REQUIRED');
      return;
    }
    elements.push({ name: column.name, repetition_type: repetition, ...LEAF_ELEMENTS[column.kind] });
  };
  columns.forEach((column) => visit(column, isRequiredColumn(column) ? 'REQUIRED' : 'OPTIONAL'));
  return elements;
}

const GLUE_TYPES: Readonly<Record<Exclude<ColumnKind, 'struct' | 'list'>, string>> = {
  string: 'string',
  json: 'string',
  int64: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
};

/** Hive/Glue type of a column (`struct<url:string>`, `array<string>`), for a Glue table or Athena DDL. */
export function glueTypeOf(column: ColumnNode): string {
  if (column.kind === 'struct') {
    return `struct<${(column.children ?? []).map((child) => `${child.name}:${glueTypeOf(child)}`).join(',')}>`;
  }
  if (column.kind === 'list') return `array<${glueTypeOf(column.element as ColumnNode)}>`;
  return GLUE_TYPES[column.kind];
}
