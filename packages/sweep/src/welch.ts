import cdf from '@stdlib/stats-base-dists-t-cdf';
import quantile from '@stdlib/stats-base-dists-t-quantile';

/** A difference of two groups' means with its confidence interval (Welch's unequal-variance t interval). */
export interface MeanDifference {
  /** mean(a) − mean(b). */
  readonly diff: number;
  readonly lo: number;
  readonly hi: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  readonly level: number;
  /** The interval excludes 0. */
  readonly significant: boolean;
  /** Two-sided p-value of Welch's t test of equal means (p < 1 − level exactly when the interval excludes 0). */
  readonly p: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

/**
 * Welch's interval for mean(a) − mean(b): seeds of two methods are independent samples whose spreads need not be
 * equal (a method can be much noisier than scratch), so the pooled-variance t interval would be wrong. Needs two or
 * more finite values on each side: a diverged seed's NaN is left out rather than turning the whole interval into NaN
 * (reports show each group's count beside it). When both spreads are 0 the interval is the point itself.
 */
export function welchInterval(all: readonly number[], allB: readonly number[], level = 0.95): MeanDifference | null {
  const a = all.filter(Number.isFinite);
  const b = allB.filter(Number.isFinite);
  if (a.length < 2 || b.length < 2) return null;
  const diff = mean(a) - mean(b);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, lo: diff, hi: diff, df: Infinity, level, significant: diff !== 0, p: diff !== 0 ? 0 : 1 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = quantile(1 - (1 - level) / 2, df) * se;
  const p = 2 * cdf(-Math.abs(diff) / se, df);
  return { diff, lo: diff - half, hi: diff + half, df, level, significant: diff - half > 0 || diff + half < 0, p };
}
