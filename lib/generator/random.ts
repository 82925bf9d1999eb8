/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast seeded PRNG, good enough for choosing partition keys and which records to spoil.
 * Kept separate from faker's generator so changing those options never shifts the rendered content.
 */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives independent seeds for the separate random streams of one run. */
export function deriveSeed(seed: number | undefined, stream: number): number | undefined {
  return seed === undefined
    ? undefined
    : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + stream * 0x632be5ab) >>> 0;
}
