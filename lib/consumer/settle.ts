/**
 * The two rules that decide a batch's fate once the sinks have answered, as pure functions.
 *
 * Checkpoint: Lambda checkpoints at the lowest sequence number a batch reports and re-delivers everything
 * after it, so the batch reports the lowest position that any sink left undelivered (a later failure in one
 * sink must not hide an earlier one in another).
 *
 * Settling: a record before that position is final now, so its error record is written; from it on, the
 * retry brings the record back and judges it again, so writing its error now would write it twice.
 */

/** The lowest of the positions given, ignoring sinks that delivered everything (`undefined`). */
export function lowestPosition(positions: Iterable<number | undefined>): number | undefined {
  let lowest: number | undefined;
  for (const position of positions) {
    // Equivalent mutants: `<=` swaps the lowest for an equal number; without the undefined check,
    // `undefined < lowest` is false and undefined over an undefined lowest changes nothing.
    // Stryker disable next-line EqualityOperator,ConditionalExpression: equivalent, see above
    if (position !== undefined && (lowest === undefined || position < lowest)) lowest = position;
  }
  return lowest;
}

/** Whether the record at `position` is settled by this invocation (not re-delivered by the retry). */
export function isSettled(position: number, firstUndelivered: number | undefined): boolean {
  return firstUndelivered === undefined || position < firstUndelivered;
}

/** The errors of settled records, and the lowest of their positions (to report if writing them fails). */
export function settleErrors<T>(
  errors: readonly T[],
  positions: readonly number[],
  firstUndelivered: number | undefined,
): { settled: T[]; firstSettled: number | undefined } {
  const settled: T[] = [];
  const settledPositions: number[] = [];
  errors.forEach((error, index) => {
    const position = positions[index] as number;
    if (!isSettled(position, firstUndelivered)) return;
    settled.push(error);
    settledPositions.push(position);
  });
  return { settled, firstSettled: lowestPosition(settledPositions) };
}
