import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a mistyped word most likely meant, or undefined when none is close: at most a third of the
 * longer word's letters differ (so `streamconsumer` finds `streamConsumer`, `cont` finds `count`, and
 * `xyz` finds nothing). Case is ignored for the comparison.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word === '') return undefined;
  const lower = candidates.map((candidate) => candidate.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  const index = lower.indexOf(best);
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return distance(word.toLowerCase(), best) <= allowed ? candidates[index] : undefined;
}

/** ` (did you mean "x"?)` for messages, or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[], quote = '"'): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : ` (did you mean ${quote}${match}${quote}?)`;
}
