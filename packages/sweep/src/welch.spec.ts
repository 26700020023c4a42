import { welchInterval } from './welch.js';

describe('welchInterval', () => {
  it('equals the interval computed by hand from Welch’s formula and a t table', () => {
    // a = [1, 2, 3]: mean 2, s² = 1; b = [4, 6]: mean 5, s² = 2. Var terms 1/3 and 1, se = √(4/3) = 1.1547005.
    // df = (4/3)² / ((1/3)²/2 + 1²/1) = (16/9) / (1/18 + 1) = 32/19 = 1.6842105.
    const r = welchInterval([1, 2, 3], [4, 6])!;
    expect(r.diff).toBe(-3);
    expect(r.df).toBeCloseTo(32 / 19, 12);
    // t(0.975, ν = 32/19) = 5.176232, found independently by bisection on Simpson's integral of the t density
    // (a non-integer ν is not in printed tables, and the quantile is far from linear between ν = 1 and 2).
    const half = r.hi - r.diff;
    expect(half / Math.sqrt(4 / 3)).toBeCloseTo(5.176232, 5);
    expect(r.significant).toBe(false);
  });

  it('uses the table value for equal sizes and spreads: ν = 2(n − 1) and t(0.975, 8) = 2.306004', () => {
    const a = [0.1, 0.2, 0.3, 0.4, 0.5];
    const b = a.map((x) => x + 1);
    const r = welchInterval(b, a)!;
    expect(r.df).toBeCloseTo(8, 12);
    // s² = 0.025 each, se = √(0.025/5 · 2) = 0.1.
    expect(r.diff).toBeCloseTo(1, 12);
    expect(r.hi - r.diff).toBeCloseTo(2.306004 * 0.1, 6);
    expect(r.lo).toBeCloseTo(1 - 0.2306004, 6);
    expect(r.significant).toBe(true);
  });

  it('needs two values a side; identical constant groups give a zero-width interval', () => {
    expect(welchInterval([1], [1, 2])).toBeNull();
    expect(welchInterval([1, 1], [1, 1])).toMatchObject({ diff: 0, lo: 0, hi: 0, significant: false });
  });

  it('leaves a diverged seed’s NaN out instead of returning a NaN interval', () => {
    expect(welchInterval([0.5, Number.NaN, 0.5], [0.25, 0.25])).toMatchObject({ diff: 0.25, lo: 0.25, hi: 0.25 });
    expect(welchInterval([0.5, Number.NaN], [0.25, 0.25])).toBeNull();
  });
});
