/**
 * Reading rows of a `[n, C]` logits array (row-major, as `dataSync()` returns it) on the host, in float64.
 *
 * The rules are applied here rather than with tensor ops because tensor ops get both edge cases wrong or leave them
 * to the backend: every comparison with NaN is false, so "no logit is greater than the label's" holds for a NaN row
 * and a diverged network scored 100 %; and which of several tied maxima `argMax` returns is the backend's choice.
 *
 * - A row with any non-finite logit (NaN, ±Inf) predicts nothing: it is a miss at every k. A +Inf logit is not a
 *   confident vote either: it is the overflow of a network that has left its numeric range.
 * - Top-1 is `torch.argmax`'s: the first index of the maximum.
 * - Top-k ranks the classes by a stable sort on descending logits, ties broken by the lower index, and takes the
 *   first k: so a constant row predicts classes 0…k−1, never "every label" (counting ties as hits made a dead network
 *   that outputs equal logits 100 % accurate).
 */

/** Whether every logit of row `row` is finite. */
export function isFiniteRow(values: ArrayLike<number>, row: number, width: number): boolean {
  for (let j = row * width, end = j + width; j < end; j++) if (!Number.isFinite(values[j]!)) return false;
  return true;
}

/** The predicted class of row `row`: the first index of its maximum, or −1 when a logit is not finite. */
export function argMaxRow(values: ArrayLike<number>, row: number, width: number): number {
  if (!isFiniteRow(values, row, width)) return -1;
  const base = row * width;
  let best = 0;
  for (let j = 1; j < width; j++) if (values[base + j]! > values[base + best]!) best = j;
  return best;
}

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
