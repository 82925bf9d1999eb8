import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a mistyped word most likely meant, or undefined when none is close: at most a third of the
 * longer word's letters differ, two for short words (a swapped pair), one for words of up to three letters.
 * So `streamconsumer` finds `streamConsumer`, `alpah` finds `alpha`, and `xyz` finds nothing. Case is
 * ignored for the comparison.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word === '') return undefined;
  const lower = candidates.map((candidate) => candidate.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  const index = lower.indexOf(best);
  const longer = Math.max(word.length, best.length);
  const allowed = longer <= 3 ? 1 : Math.max(2, Math.floor(longer / 3));
  return distance(word.toLowerCase(), best) <= allowed ? candidates[index] : undefined;
}

/** ` (did you mean "x"?)` for messages, or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[], quote = '"'): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : ` (did you mean ${quote}${match}${quote}?)`;
}
