/**
 * The first index of the maximum of row `row` of a row-major `[n, C]` logits array (`torch.argmax`'s rule), or −1
 * when a logit is NaN or ±Inf. Read on the host so that the tie rule does not depend on a backend's `argMax`, and so
 * that two NaN rows, which a backend's `argMax` may both send to class 0, never "agree".
 */
export function firstArgMax(values: ArrayLike<number>, row: number, width: number): number {
  const base = row * width;
  let best = 0;
  for (let j = 0; j < width; j++) {
    const v = values[base + j]!;
    if (!Number.isFinite(v)) return -1;
    if (v > values[base + best]!) best = j;
  }
  return best;
}
