/** A template that cannot be compiled: names the token, its position and what is wrong. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
    readonly token: string,
    readonly source?: string,
  ) {
    const where = `${source === undefined ? '' : `${source}:`}${line}:${column}`;
    super(`${where}: ${problem}${token === '' ? '' : ` in ${abbreviate(token)}`}`);
  }
}

/** A bad `kpipe generate` flag or option; the message is meant for the person typing the command. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function abbreviate(token: string): string {
  const flat = token.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** 1-based line and column of a character offset, for error messages. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
