import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeComparisonReport } from '../src/write-report.js';
import { findChromium, probeInChromium, type Probe } from './chromium.js';
import { tempDir, writeFixtureRun } from './fixture-run.js';

const chromium = findChromium();

/**
 * Five runs: settings A and B with two seeds each, C with one. 10 test samples per class; student recalls by hand:
 * cat — A 0.5, 0.7; B 0.8, 1.0; C 0.6 · dog — A 0.6, 0.6; B 0.9, 0.9; C 0.7.
 */
const RUNS = [
  {
    name: 'a-s1',
    distiller: 'kd',
    seed: 1,
    confusion: [
      [5, 5],
      [4, 6],
    ],
  },
  {
    name: 'a-s2',
    distiller: 'kd',
    seed: 2,
    confusion: [
      [7, 3],
      [4, 6],
    ],
  },
  {
    name: 'b-s1',
    distiller: 'dkd',
    seed: 1,
    confusion: [
      [8, 2],
      [1, 9],
    ],
  },
  {
    name: 'b-s2',
    distiller: 'dkd',
    seed: 2,
    confusion: [
      [10, 0],
      [1, 9],
    ],
  },
  {
    name: 'c-s1',
    distiller: 'at',
    seed: 1,
    confusion: [
      [6, 4],
      [3, 7],
    ],
  },
];
// B − A, cat: 30 points; equal variances 0.02 on both sides give Welch df = 2, t(0.975, 2) = 4.302652730 and a
// half-width of 100 · 4.302652730 · √(0.02/2 + 0.02/2) = 60.849 points. Dog: 30 points, no spread: the point itself.
const HALF = 100 * 4.30265273 * Math.sqrt(0.02);

describe.skipIf(!chromium)('per-class accuracy deltas on the comparison page, in headless Chromium', () => {
  let probe: Probe;
  beforeAll(() => {
    const work = tempDir();
    const dirs = RUNS.map((r) => {
      const dir = writeFixtureRun(join(work, r.name));
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          ...config,
          distiller: { name: r.distiller },
          training: { ...config.training, seed: r.seed },
          output: { dir: r.name },
        }),
      );
      rmSync(join(dir, 'artifacts', 'confusion-matrix.json'));
      rmSync(join(dir, 'artifacts', 'unnamed.json'));
      writeFileSync(
        join(dir, 'artifacts', 'accuracy.json'),
        JSON.stringify({ classNames: ['cat', 'dog'], student: { confusion: r.confusion } }),
      );
      return dir;
    });
    probe = probeInChromium(chromium!, writeComparisonReport(dirs, join(work, 'compare.html')));
  });

  it('tabulates B − A and C − A per class by name, with the 95 % interval where both sides have seeds', () => {
    const [header, ...rows] = probe.tables.find((t) => t.cls === 'per-class')!.text;
    expect(header).toEqual([
      'class',
      'a-s1 (2 seeds) (%)',
      'Δ b-s1 (2 seeds) − a-s1 (2 seeds) (points)',
      'Δ c-s1 − a-s1 (2 seeds) (points)',
    ]);
    expect(rows.map((r) => r[0])).toEqual(['cat', 'dog']);
    expect(rows.map((r) => Number(r[1]))).toEqual([60, 60]);
    const parse = (text: string) =>
      text
        .match(/^(-?[\d.]+)(?: \[(-?[\d.]+), (-?[\d.]+)\])?$/)!
        .slice(1)
        .filter(Boolean)
        .map(Number);
    const [cat, dog] = rows.map((r) => parse(r[2]!));
    expect(cat![0]).toBeCloseTo(30, 6);
    expect(cat![1]).toBeCloseTo(30 - HALF, 2);
    expect(cat![2]).toBeCloseTo(30 + HALF, 2);
    expect(dog).toEqual([30, 30, 30]);
    // One seed of C: a difference, no interval.
    expect(rows.map((r) => parse(r[3]!))).toEqual([[0], [10]]);
  });

  it('draws each setting’s deltas as bars from zero with the interval as error bars, in data units', () => {
    const chart = probe.charts.find((c) => c.id === 'per-class:b-s1 (2 seeds)')!;
    const zero = chart.ticks.find((t) => t.value === 0)!;
    expect(zero).toBeDefined();
    const [a, b] = [chart.ticks[0]!, chart.ticks[chart.ticks.length - 1]!];
    const v = (py: number) => a.value + ((py - a.py) * (b.value - a.value)) / (b.py - a.py);
    const [cat, dog] = chart.bars;
    expect(cat!.label).toBe('cat');
    expect(Math.abs(cat!.bottom - zero.py)).toBeLessThan(1);
    expect(v(cat!.top)).toBeCloseTo(30, 0);
    expect(v(cat!.error!.top)).toBeCloseTo(30 + HALF, 0);
    expect(v(cat!.error!.bottom)).toBeCloseTo(30 - HALF, 0);
    expect(dog!.error).toBeNull();
    const c = probe.charts.find((x) => x.id === 'per-class:c-s1')!;
    expect(c.bars.map((x) => [x.label, x.value, x.error])).toEqual([
      ['cat', 0, null],
      ['dog', expect.closeTo(10, 9), null],
    ]);
  });
});
