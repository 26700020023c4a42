import type { ReportGroup } from './study-report.js';
import { differenceLegend, formatDifference, withHolm } from './study-report.js';
import { welchInterval } from './welch.js';

const group = (name: string, versus: ReportGroup['versus']): ReportGroup => ({
  group: name,
  base: `${name}.json`,
  overrides: {},
  seeds: [0, 1, 2],
  last: null,
  best: null,
  seconds: null,
  cells: [],
  versus,
});

describe('withHolm', () => {
  it('adjusts over the distinct pairs compared: kd vs scratch and scratch vs kd are one test with one adjusted p', () => {
    const scratch = [0.85, 0.86, 0.84];
    const kd = [0.84, 0.83, 0.85];
    const far = [0.8, 0.79, 0.81];
    const groups = [
      group('scratch', { kd: welchInterval(scratch, kd) }),
      group('kd', { scratch: welchInterval(kd, scratch) }),
      group('lakd', { scratch: welchInterval(far, scratch), kd: welchInterval(far, kd) }),
      group('aekt', { scratch: null, kd: null }),
    ];
    const { groups: out, comparisons } = withHolm(groups);
    // three distinct pairs with an interval: {scratch, kd}, {lakd, scratch}, {lakd, kd}
    expect(comparisons).toBe(3);
    const p = (g: number, ref: string) => groups[g]!.versus[ref]!.p;
    const holm = (g: number, ref: string) => out[g]!.versus[ref]!.holm!;
    expect(holm(0, 'kd')).toBe(holm(1, 'scratch'));
    // by hand: sort the three p, multiply by 3, 2, 1, keep non-decreasing
    const ps = [p(0, 'kd'), p(2, 'scratch'), p(2, 'kd')];
    const sorted = [...ps].sort((a, b) => a - b);
    const steps = sorted.map((x, i) => Math.min(1, (3 - i) * x));
    const want = steps.map((_, i) => Math.max(...steps.slice(0, i + 1)));
    for (const [i, x] of ps.entries()) expect([holm(0, 'kd'), holm(2, 'scratch'), holm(2, 'kd')][i]).toBe(want[sorted.indexOf(x)]);
    expect(out[3]!.versus).toEqual({ scratch: null, kd: null });
    // the far group's differences survive (p·3 far below 0.05), scratch vs kd does not survive even unadjusted
    expect(formatDifference(out[2]!.versus['scratch'])).toMatch(/ \*†$/);
    expect(formatDifference(out[0]!.versus['kd'])).not.toMatch(/[*†]/);
  });

  it('marks a difference significant alone with a star only, and says what the marks mean', () => {
    const d = { diff: 0.01, lo: 0.001, hi: 0.019, df: 8, level: 0.95, significant: true, p: 0.03 };
    expect(formatDifference({ ...d, holm: 0.09 })).toBe('+1.00 [+0.10, +1.90] *');
    expect(formatDifference({ ...d, holm: 0.03 })).toBe('+1.00 [+0.10, +1.90] *†');
    // a report written before the adjustment existed
    expect(formatDifference(d)).toBe('+1.00 [+0.10, +1.90] *');
    expect(differenceLegend(47)).toContain('Holm’s adjustment for all 47 comparisons');
  });
});
