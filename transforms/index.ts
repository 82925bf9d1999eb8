/**
 * Your own record transforms. pipeline.yml refers to them by name:
 *
 *   transforms:
 *     - custom: { name: amountInUsd }
 *
 * A custom transform is a synchronous function `(record, context) => record | null`:
 * - return the record (edit the one you receive, nested objects included, or build a new one);
 * - return `null` to drop it (counted as dropped by the rule `transforms[i].custom(name)`);
 * - throw to fail it (it goes to the error output with your error's message; the batch carries on).
 * `context` holds ingestionTime, arrivalTime, shardId, sequenceNumber, subSequenceNumber, partitionKey.
 *
 * This file is imported statically, so esbuild bundles whatever it imports into each Lambda.
 * Do expensive set-up (lookup tables, clients) once at module scope, not per record.
 */
import type { CustomTransform } from '../lib/transform';
import { amountInUsd } from './currency';

export const customTransforms: Record<string, CustomTransform> = {
  amountInUsd,
};
