import { welchInterval } from './welch.js';

/** P(T > t) for Student's t with ν degrees of freedom: Simpson's rule on the density, written here independently. */
function upperTail(t: number, nu: number): number {
  const lgamma = (z: number): number => {
    // Lanczos (g = 7, n = 9), accurate to ~1e-15 for z > 0.5.
    const c = [
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
      -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];
    const x = z - 1;
    let a = c[0]!;
    for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
    const u = x + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(u) - u + Math.log(a);
  };
  const k = Math.exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / Math.sqrt(nu * Math.PI);
  const f = (x: number) => k * (1 + (x * x) / nu) ** (-(nu + 1) / 2);
  // ∫_t^∞ f = ∫_0^{1/t} f(1/u)/u² du (substitution x = 1/u), smooth for t > 0.
  const g = (u: number) => (u === 0 ? 0 : f(1 / u) / (u * u));
  const n = 20000;
  const h = 1 / t / n;
  let sum = g(0) + g(1 / t);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * g(i * h);
  return (sum * h) / 3;
}

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

  it('gives Welch’s two-sided p, equal to an independent integral of the t density, and p < 0.05 exactly when the 95 % interval excludes 0', () => {
    // a = [1, 2, 3], b = [4, 5, 6, 7]: s² 1 and 5/3, var terms 1/3 and 5/12, se = √(3/4);
    // t = −3.5/√0.75 = −4.0414519; ν = (3/4)² / ((1/3)²/2 + (5/12)²/3) = 0.5625 / (1/18 + 25/432) = 4.9592920.
    const r = welchInterval([1, 2, 3], [4, 5, 6, 7])!;
    const nu = 0.5625 / (1 / 18 + 25 / 432);
    expect(r.df).toBeCloseTo(nu, 10);
    expect(r.p).toBeCloseTo(2 * upperTail(3.5 / Math.sqrt(0.75), nu), 7);
    expect(r.p).toBeGreaterThan(0.005);
    expect(r.p).toBeLessThan(0.02);
    // the equal-size case above: t = 10 on ν = 8
    expect(welchInterval([1.1, 1.2, 1.3, 1.4, 1.5], [0.1, 0.2, 0.3, 0.4, 0.5])!.p).toBeCloseTo(2 * upperTail(10, 8), 9);
    // p < 0.05 and a 95 % interval that excludes 0 are one verdict
    const pairs: [number[], number[]][] = [
      [
        [1, 2, 3],
        [4, 6],
      ],
      [
        [0.85, 0.86, 0.84, 0.85],
        [0.84, 0.83, 0.85, 0.83],
      ],
      [
        [0.1, 0.4, 0.2],
        [0.3, 0.5, 0.6, 0.45],
      ],
      [
        [5, 5.1, 4.9],
        [5.05, 5.2, 4.95],
      ],
    ];
    for (const [a, b] of pairs) {
      const d = welchInterval(a, b)!;
      expect(d.p < 0.05, JSON.stringify([a, b])).toBe(d.significant);
    }
  });

  it('needs two values a side; identical constant groups give a zero-width interval', () => {
    expect(welchInterval([1], [1, 2])).toBeNull();
    expect(welchInterval([1, 1], [1, 1])).toMatchObject({ diff: 0, lo: 0, hi: 0, significant: false, p: 1 });
    expect(welchInterval([2, 2], [1, 1])).toMatchObject({ significant: true, p: 0 });
  });

  it('leaves a diverged seed’s NaN out instead of returning a NaN interval', () => {
    expect(welchInterval([0.5, Number.NaN, 0.5], [0.25, 0.25])).toMatchObject({ diff: 0.25, lo: 0.25, hi: 0.25 });
    expect(welchInterval([0.5, Number.NaN], [0.25, 0.25])).toBeNull();
  });
});
