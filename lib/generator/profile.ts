import { UsageError } from './errors';

/**
 * A periodic multiplier on the base rate, like the original's "Periodic" mode: a daily sine, or a table of
 * 24 hourly multipliers interpolated linearly across each hour (no steps at the top of the hour).
 */
export type ProfileSpec =
  | { type: 'sine'; amplitude: number; periodSeconds: number }
  | { type: 'hourly'; multipliers: number[]; timeZone: 'local' | 'utc' };

/** Multiplier (>= 0) at a given time; `elapsedMs` is the time since the run started. */
export type RateProfile = (epochMs: number, elapsedMs: number) => number;

export function createProfile(spec: ProfileSpec): RateProfile {
  if (spec.type === 'sine') {
    const { amplitude, periodSeconds } = spec;
    if (!(amplitude >= 0 && amplitude <= 1))
      throw new UsageError(`sine amplitude must be between 0 and 1, got ${amplitude}`);
    if (!(periodSeconds > 0)) throw new UsageError(`sine period must be positive, got ${periodSeconds}`);
    const radiansPerMs = (2 * Math.PI) / (periodSeconds * 1000);
    return (_epochMs, elapsedMs) => 1 + amplitude * Math.sin(elapsedMs * radiansPerMs);
  }
  const { multipliers } = spec;
  if (multipliers.length !== 24 || multipliers.some((value) => !Number.isFinite(value) || value < 0)) {
    throw new UsageError(`an hourly profile needs 24 non-negative numbers, got ${multipliers.length}`);
  }
  const utc = spec.timeZone === 'utc';
  return (epochMs) => {
    const date = new Date(epochMs);
    const hour = utc ? date.getUTCHours() : date.getHours();
    const minutes = (utc ? date.getUTCMinutes() : date.getMinutes()) + date.getUTCSeconds() / 60;
    const from = multipliers[hour] as number;
    const to = multipliers[(hour + 1) % 24] as number;
    return from + ((to - from) * minutes) / 60;
  };
}

/**
 * `sine`, `sine:<amplitude>`, `sine:<amplitude>:<period seconds>` (default 0.5 over 86400 s), or
 * `hourly:<24 comma-separated multipliers>` (local time) / `hourly-utc:<...>`.
 */
export function parseProfile(text: string): ProfileSpec {
  const [kind = '', ...rest] = text.split(':');
  if (kind === 'sine') {
    if (rest.length > 2) throw new UsageError(`--profile sine takes at most amplitude and period: "${text}"`);
    const [amplitude = '0.5', period = '86400'] = rest;
    const spec = { type: 'sine' as const, amplitude: Number(amplitude), periodSeconds: Number(period) };
    createProfile(spec);
    return spec;
  }
  if (kind === 'hourly' || kind === 'hourly-utc') {
    const values = rest
      .join(':')
      .split(',')
      .filter((value) => value.trim() !== '')
      .map(Number);
    const spec = {
      type: 'hourly' as const,
      multipliers: values,
      timeZone: kind === 'hourly' ? ('local' as const) : ('utc' as const),
    };
    createProfile(spec);
    return spec;
  }
  throw new UsageError(
    `unknown --profile "${text}": use sine[:amplitude[:periodSeconds]] or hourly:<24 comma-separated multipliers>`,
  );
}
