/**
 * The Generator tab's template library: the shipped templates (templates/catalog.json, read-only here)
 * and the user's own, saved as `<name>.tpl` files in the same folder. A name is a plain word, so no
 * name can reach outside the folder (no separators, no dots, no NUL, not absolute).
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../../generator/catalog';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export class TemplateNameError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** Throws unless `name` is a plain template name. */
export function checkTemplateName(name: string): string {
  if (!NAME.test(name)) {
    throw new TemplateNameError(
      `template name "${name.replace(/[^\x20-\x7e]/g, '?')}" refused: use 1 to 64 letters, digits, "-" or "_", starting with a letter or digit (no paths)`,
    );
  }
  return name;
}

export interface TemplateEntry {
  name: string;
  description: string;
  /** Shipped with the project: read-only in the console. */
  shipped: boolean;
}

export function createTemplateLibrary(directory: string) {
  const shipped = () => {
    const catalog = loadCatalog(directory);
    return new Map(
      Object.entries(catalog)
        .filter(([, entry]) => entry.kind === 'template')
        .map(([name, entry]) => [name, entry]),
    );
  };
  const shippedFiles = () => new Set(Object.values(loadCatalog(directory)).map((entry) => entry.file));
  const fileOf = (name: string) => join(directory, `${checkTemplateName(name)}.tpl`);
  const refuseShipped = (name: string) => {
    if (shipped().has(name) || shippedFiles().has(`${name}.tpl`)) {
      throw new TemplateNameError(
        `"${name}" is a shipped template and stays as it is: save your changes under a new name`,
        409,
      );
    }
  };
  return {
    list(): TemplateEntry[] {
      const own = readdirSync(directory)
        .filter((file) => file.endsWith('.tpl') && !shippedFiles().has(file))
        .map((file) => file.slice(0, -4))
        .filter((name) => NAME.test(name))
        .sort()
        .map((name) => ({ name, description: 'your template', shipped: false }));
      const builtIn = [...shipped()].map(([name, entry]) => ({
        name,
        description: entry.description,
        shipped: true,
      }));
      return [...builtIn, ...own];
    },
    read(name: string): string {
      const entry = shipped().get(name);
      const file = entry ? join(directory, entry.file) : fileOf(name);
      if (!existsSync(file)) throw new TemplateNameError(`no template named "${name}"`, 404);
      return readFileSync(file, 'utf8');
    },
    save(name: string, text: string): void {
      refuseShipped(checkTemplateName(name));
      writeFileSync(fileOf(name), text);
    },
    rename(from: string, to: string): void {
      refuseShipped(checkTemplateName(from));
      refuseShipped(checkTemplateName(to));
      if (!existsSync(fileOf(from))) throw new TemplateNameError(`no template named "${from}"`, 404);
      if (existsSync(fileOf(to))) throw new TemplateNameError(`a template named "${to}" exists already`, 409);
      renameSync(fileOf(from), fileOf(to));
    },
    remove(name: string): void {
      refuseShipped(checkTemplateName(name));
      if (!existsSync(fileOf(name))) throw new TemplateNameError(`no template named "${name}"`, 404);
      rmSync(fileOf(name));
    },
  };
}

export type TemplateLibrary = ReturnType<typeof createTemplateLibrary>;
