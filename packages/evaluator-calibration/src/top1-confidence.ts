import { argMaxRow } from '@kd/core';

/** The top-1 prediction of one row of logits and its confidence. */
export interface Top1 {
  /** The first index of the maximum (`torch.argmax`); −1 when a logit is not finite. */
  readonly predicted: number;
  /** The largest softmax probability, 1 / Σ_j exp(z_j − max z); 1/C when a logit is not finite. */
  readonly confidence: number;
}

/**
 * Top-1 class and confidence of row `row` of a row-major `[n, C]` logits array, in float64 on the host, so that the
 * tie rule does not depend on a backend's `argMax` and a NaN never reaches a bin.
 *
 * A row with a NaN or ±Inf has no softmax (NaN, or Inf − Inf). It is counted as a wrong prediction with confidence
 * 1/C, the uniform distribution, which claims nothing: so it lowers the accuracy of the lowest bins and adds 1/C to its
 * bin's gap, instead of dropping out of every bin while still counting in N (the reference code's behaviour on NaN,
 * which makes a NaN network look calibrated). `calibration.<network>.nonFinite` reports how many there were.
 */
export function top1Confidence(values: ArrayLike<number>, row: number, width: number): Top1 {
  const best = argMaxRow(values, row, width);
  if (best < 0) return { predicted: -1, confidence: 1 / width };
  const base = row * width;
  const max = values[base + best]!;
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp(values[base + j]! - max);
  return { predicted: best, confidence: 1 / sum };
}
