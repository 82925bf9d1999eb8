/**
 * Command-line flags parsed the same way for every `kpipe` command (lib/cli/usage.ts re-exports this): Node's
 * parseArgs, with its errors turned into UsageErrors that say what was meant. Below lib/cli so that the
 * generator's own flag parsing does not import the CLI.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../generator/errors';
import { didYouMean } from '../text/suggest';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Node's message names the flag as `'--x'` or `'-x'`. */
function unknownFlag(message: string): string | undefined {
  return /^Unknown option '(-{1,2}[^']*)'/.exec(message)?.[1];
}

/** Node's parseArgs with its errors turned into UsageErrors that say what was meant. */
export function parseCommandArgs<const T extends { options: Options; allowPositionals?: boolean }>(
  argv: string[],
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  try {
    return parseArgs({ ...config, args: argv, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const flag = unknownFlag(message);
    if (flag !== undefined) {
      const names = Object.keys(config.options).map((name) => `--${name}`);
      throw new UsageError(`unknown option ${flag}${didYouMean(flag, names, '')}`);
    }
    throw new UsageError(message);
  }
}
