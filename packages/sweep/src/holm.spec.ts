import { holmAdjusted } from './holm.js';

describe('holmAdjusted', () => {
  it('multiplies the i-th smallest of m p-values by m − i + 1, keeps them non-decreasing, caps at 1, in the input order', () => {
    // sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → raised to 0.06 (step-down monotonicity)
    const adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((want, i) => expect(adjusted[i]).toBeCloseTo(want, 12));
    expect(holmAdjusted([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjusted([0.04])).toEqual([0.04]);
    expect(holmAdjusted([])).toEqual([]);
  });

  it('rejects at least what Bonferroni rejects and at most what the unadjusted tests reject', () => {
    const ps = [0.001, 0.011, 0.012, 0.02, 0.3, 0.0125];
    const adjusted = holmAdjusted(ps);
    ps.forEach((p, i) => {
      expect(adjusted[i]).toBeGreaterThanOrEqual(p);
      expect(adjusted[i]).toBeLessThanOrEqual(Math.min(1, p * ps.length));
    });
    // at α = 0.05: sorted, 0.001·6 = 0.006 is kept and 0.011·5 = 0.055 is not, which stops the step-down
    expect(adjusted.map((p) => p < 0.05)).toEqual([true, false, false, false, false, false]);
    // where the step-down gains: 0.001·4, 0.012·3 = 0.036, 0.02·2 = 0.04, 0.04·1 — all four kept; Bonferroni keeps two
    expect(holmAdjusted([0.001, 0.012, 0.02, 0.04]).map((p) => p < 0.05)).toEqual([true, true, true, true]);
    expect([0.001, 0.012, 0.02, 0.04].map((p) => p * 4 < 0.05)).toEqual([true, true, false, false]);
  });
});
