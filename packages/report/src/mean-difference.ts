import { welchInterval as welch, type MeanDifference } from '@kd/sweep';

export type { MeanDifference };

/**
 * `kd sweep --report`'s Welch interval for mean(a) − mean(b), over the finite values only: a report's samples can hold
 * a diverged seed's NaN, which would otherwise turn the whole interval into NaN. Null with fewer than two finite
 * values on a side.
 */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95): MeanDifference | null {
  return welch(a.filter(Number.isFinite), b.filter(Number.isFinite), level);
}
