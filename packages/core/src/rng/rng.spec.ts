import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and restorable from its state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    const state = a.getState();
    const next = [a.next(), a.normal(), a.normal()];
    const c = new Rng(0);
    c.setState(state);
    expect([c.next(), c.normal(), c.normal()]).toEqual(next);
  });

  it('derives independent streams from labels, not from draws so far', () => {
    expect(Rng.derive(1, 'data', 3).next()).toBe(Rng.derive(1, 'data', 3).next());
    expect(Rng.derive(1, 'data', 3).next()).not.toBe(Rng.derive(1, 'data', 4).next());
    expect(Rng.derive(1, 'data', 3).next()).not.toBe(Rng.derive(2, 'data', 3).next());
  });

  it('draws uniform and normal numbers with the right moments', () => {
    const r = new Rng(7);
    const n = 20000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 1);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });

  it('permutes every index exactly once', () => {
    const p = Array.from(new Rng(3).permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
