/**
 * Reading rows of a `[n, C]` logits array (row-major, as `dataSync()` returns it) on the host, in float64, with the
 * rules every evaluator shares. Tensor ops get both edge cases wrong or leave them to the backend: every comparison
 * with NaN is false (a NaN row "wins" everywhere), and which of several tied maxima `argMax` returns is the backend's
 * choice.
 *
 * - A row with any non-finite logit (NaN, ±Inf) predicts nothing (−1): a +Inf logit is not a confident vote but the
 *   overflow of a network that has left its numeric range, and two NaN rows must never "agree".
 * - The prediction is `torch.argmax`'s: the first index of the maximum.
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
