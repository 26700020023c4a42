/**
 * Metrics that are shares of images (accuracies, agreement, calibration errors, the non-finite share): printed as
 * percentages. Everything else (a KL divergence, a CKA, a latency) keeps its own unit: ×100 would misstate it.
 */
const RATE = /(^|\.)(top\d+|meanClassTop\d+|nonFinite|ece|mce|accuracy|agreement)$/i;

export function isRateMetric(key: string): boolean {
  return RATE.test(key) || /(^|\.)top\d+(\.|$)/i.test(key);
}

export function formatMetric(key: string, value: number): string {
  if (value === null || !Number.isFinite(value)) return `${key} ${String(value)}`;
  if (isRateMetric(key)) return `${key} ${(value * 100).toFixed(2)}%`;
  const abs = Math.abs(value);
  return `${key} ${abs !== 0 && (abs >= 1e4 || abs < 1e-3) ? value.toExponential(3) : Number(value.toPrecision(4)).toString()}`;
}
