import { welchInterval } from './mean-difference.js';

describe('welchInterval', () => {
  it('equals the hand derivation: equal spreads and sizes give df = 2(n − 1) and the textbook t quantile', () => {
    // a = [1, 2, 3], b = [4, 5, 6]: diff −3, each variance 1, se = √(1/3 + 1/3); df = 4, t(0.975, 4) = 2.776445105.
    const d = welchInterval([1, 2, 3], [4, 5, 6])!;
    const half = 2.776445105 * Math.sqrt(2 / 3);
    expect(d.diff).toBe(-3);
    expect(d.lo).toBeCloseTo(-3 - half, 8);
    expect(d.hi).toBeCloseTo(-3 + half, 8);
  });

  it('has no interval with fewer than two values on a side, and a point one without spread', () => {
    expect(welchInterval([0.5], [0.4, 0.41])).toBeNull();
    expect(welchInterval([0.5, 0.5], [0.25, 0.25])).toMatchObject({ diff: 0.25, lo: 0.25, hi: 0.25, level: 0.95 });
    expect(welchInterval([0.5, Number.NaN, 0.5], [0.25, 0.25])).toMatchObject({ diff: 0.25, lo: 0.25, hi: 0.25 });
  });
});
