/**
 * Usage errors, the same for every `kpipe` command: a message naming the mistake (with "did you mean" for a
 * mistyped flag), the command's usage, and exit code 2 (main.ts prints them).
 */
import { UsageError } from '../generator/errors';

export { UsageError };
export { integerFlag, numberFlag, parseCommandArgs, seedFlag } from '../options/command-args';

/** Exit code of a command line that could not be understood (as getopt-style tools use). */
export const USAGE_EXIT_CODE = 2;
