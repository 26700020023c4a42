import { isFiniteRow } from '@kd/core';

/**
 * Top-k on the host, beside core's row rules (`argMaxRow`, `isFiniteRow`: a non-finite row predicts nothing and is a
 * miss at every k; top-1 is the first maximum). With tensor ops, "no logit is greater than the label's" held for a
 * NaN row and a diverged network scored 100 %.
 *
 * - Top-k ranks the classes by a stable sort on descending logits, ties broken by the lower index, and takes the
 *   first k: so a constant row predicts classes 0…k−1, never "every label" (counting ties as hits made a dead network
 *   that outputs equal logits 100 % accurate).
 */

// The row rules shared by every evaluator (non-finite rows, first maximum) are core's.
export { argMaxRow, isFiniteRow } from '@kd/core';

/**
 * The 0-based position of `label` when row `row`'s classes are sorted by descending logit, ties by lower index:
 * the label is in the top k exactly when this is below k. `Infinity` when a logit is not finite (a miss at every k).
 */
export function labelRank(values: ArrayLike<number>, row: number, width: number, label: number): number {
  if (!Number.isInteger(label) || label < 0 || label >= width) throw new RangeError(`label ${label} is outside the ${width} classes`);
  if (!isFiniteRow(values, row, width)) return Infinity;
  const base = row * width;
  const own = values[base + label]!;
  let rank = 0;
  for (let j = 0; j < width; j++) {
    const v = values[base + j]!;
    if (v > own || (v === own && j < label)) rank++;
  }
  return rank;
}
