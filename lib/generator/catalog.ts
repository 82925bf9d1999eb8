import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors';
import type { NewlineMode } from './parser';

/** The templates shipped in templates/, described by templates/catalog.json. */
export const TEMPLATES_DIR = resolve(__dirname, '../../templates');

const entrySchema = z.strictObject({
  description: z.string(),
  file: z.string(),
  schema: z.string().optional(),
  kind: z.enum(['template', 'cloudwatch-logs']).default('template'),
  newlines: z.enum(['strip', 'collapse', 'keep']).default('strip'),
  logGroup: z.string().optional(),
  subscriptionFilters: z.array(z.string()).optional(),
  eventsPerPayload: z
    .union([
      z.number().int().positive(),
      z.strictObject({ min: z.number().int().positive(), max: z.number().int().positive() }),
    ])
    .optional(),
});

const catalogSchema = z.record(z.string(), entrySchema);

export type CatalogEntry = z.infer<typeof entrySchema>;

/** A template ready to compile, with what is known about it. */
export interface TemplateSpec {
  /** Catalog name, or the file path as given. */
  name: string;
  kind: CatalogEntry['kind'];
  text: string;
  /** File the text came from, for error messages. */
  path: string;
  newlines: NewlineMode;
  schema?: object;
  schemaPath?: string;
  cloudwatch?: Pick<CatalogEntry, 'logGroup' | 'subscriptionFilters' | 'eventsPerPayload'>;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

export function loadCatalog(directory = TEMPLATES_DIR): Record<string, CatalogEntry> {
  const parsed = catalogSchema.safeParse(
    readJson(resolve(directory, 'catalog.json'), 'the template catalog'),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`templates/catalog.json: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Names and descriptions of the shipped templates, for `--help`. */
export function listTemplates(directory = TEMPLATES_DIR): { name: string; description: string }[] {
  return Object.entries(loadCatalog(directory)).map(([name, entry]) => ({
    name,
    description: entry.description,
  }));
}

/**
 * Resolves `--template`: a shipped template's name (`clickstream`) or a path to a template file.
 * `schemaPath` (`--schema`) overrides the catalog's schema.
 */
export function loadTemplateSpec(
  nameOrPath: string,
  options: { schemaPath?: string; cwd?: string; directory?: string } = {},
): TemplateSpec {
  const directory = options.directory ?? TEMPLATES_DIR;
  const cwd = options.cwd ?? process.cwd();
  const catalog = loadCatalog(directory);
  const entry = Object.hasOwn(catalog, nameOrPath) ? catalog[nameOrPath] : undefined;
  let spec: TemplateSpec;
  if (entry !== undefined) {
    const path = resolve(directory, entry.file);
    spec = {
      name: nameOrPath,
      kind: entry.kind,
      text: readFileSync(path, 'utf8'),
      path,
      newlines: entry.newlines,
      cloudwatch: {
        logGroup: entry.logGroup,
        subscriptionFilters: entry.subscriptionFilters,
        eventsPerPayload: entry.eventsPerPayload,
      },
    };
    if (entry.schema !== undefined) spec.schemaPath = resolve(directory, entry.schema);
  } else {
    const path = resolve(cwd, nameOrPath);
    if (!existsSync(path)) {
      throw new UsageError(
        `--template "${nameOrPath}" is neither a shipped template (${Object.keys(catalog).join(', ')}) nor a file`,
      );
    }
    spec = { name: nameOrPath, kind: 'template', text: readFileSync(path, 'utf8'), path, newlines: 'strip' };
  }
  if (options.schemaPath !== undefined) spec.schemaPath = resolve(cwd, options.schemaPath);
  if (spec.schemaPath !== undefined) {
    const schema = readJson(spec.schemaPath, 'the JSON Schema');
    if (typeof schema !== 'object' || schema === null)
      throw new UsageError(`${spec.schemaPath} is not a JSON Schema object`);
    spec.schema = schema;
  }
  return spec;
}
