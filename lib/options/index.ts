/** What every options resolver shares. */

/**
 * The fields of `value` that are set. An explicit `undefined` (what `{ retries: flags.retries }` passes when
 * the flag is absent) must not erase a default when spread over it.
 */
export function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
