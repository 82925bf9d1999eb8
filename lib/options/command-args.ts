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

/**
 * A numeric flag's value, refused with the flag, what it must be and what was given. Empty text is refused
 * too: Number('') is 0, which would turn `--seed=` into seed 0.
 */
export function numberFlag(
  flag: string,
  text: string,
  check: (value: number) => boolean,
  expected: string,
): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${flag} must be ${expected}, got "${text}"`);
  }
  return value;
}

/** A whole-number flag from `min` to `max`: `--seed 1.5` is refused, not silently truncated. */
export function integerFlag(
  flag: string,
  text: string,
  min: number,
  max: number,
  expected = `an integer from ${min} to ${max}`,
): number {
  return numberFlag(flag, text, (value) => Number.isInteger(value) && value >= min && value <= max, expected);
}

/** `--seed`, the same for every command: the generators' random state is 32 bits (lib/generator/random.ts). */
export function seedFlag(text: string): number {
  return integerFlag('seed', text, 0, 2 ** 32 - 1, 'an integer from 0 to 2^32-1');
}
