import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from '../src/bar-chart.js';
import { page } from '../src/page.js';
import { findChromium, probeInChromium, type Probe } from './chromium.js';
import { tempDir } from './fixture-run.js';

const chromium = findChromium();

/** Page y → data value through the chart's own tick marks (two ticks fix the affine map). */
function toData(chart: Probe['charts'][number]): (py: number) => number {
  const [a, b] = [chart.ticks[0]!, chart.ticks[chart.ticks.length - 1]!];
  return (py) => a.value + ((py - a.py) * (b.value - a.value)) / (b.py - a.py);
}

// Hand-chosen: two gains and a loss against scratch, in points, with 95 % intervals; one row without an interval.
const DIFFERENCES = [
  { label: 'kd', value: 1.5, interval: [0.5, 2.5] as const },
  { label: 'dkd', value: -0.75, interval: [-2, 0.5] as const },
  { label: 'at', value: 3, interval: [2.25, 3.75] as const },
  { label: 'one-seed', value: 0.25 },
];
// Accuracies within 1.5 points of each other: bars from zero would differ by a few pixels.
const CLOSE = [
  { label: 'scratch', value: 0.855, error: 0.002 },
  { label: 'kd', value: 0.862, error: 0.003 },
  { label: 'dkd', value: 0.87, error: 0.001 },
];
// Spread enough that zero stays in view.
const SPREAD = [
  { label: 'a', value: 0.3 },
  { label: 'b', value: 0.8 },
];

describe.skipIf(!chromium)('bar charts rendered by headless Chromium', () => {
  let probe: Probe;
  beforeAll(() => {
    const file = join(tempDir(), 'bars.html');
    writeFileSync(
      file,
      page(
        'bars',
        [
          barChart({ id: 'delta', title: 'Δ vs scratch', bars: DIFFERENCES, errorLabel: '95 % CI over 3 seeds' }),
          barChart({ id: 'close', title: 'close accuracies', bars: CLOSE, baseline: 'auto' }),
          barChart({ id: 'spread', title: 'spread accuracies', bars: SPREAD, baseline: 'auto' }),
        ].join(''),
      ),
    );
    probe = probeInChromium(chromium!, file);
  });
  const chart = (id: string) => probe.charts.find((c) => c.id === id)!;

  it('draws differences from a zero line: gains up, losses down, lengths proportional to the values', () => {
    const c = chart('delta');
    const zero = c.ticks.find((t) => t.value === 0)!;
    expect(zero.label).toBe('0');
    expect(c.axisBreak).toBeNull();
    const v = toData(c);
    for (const [i, d] of DIFFERENCES.entries()) {
      const bar = c.bars[i]!;
      expect(bar.label).toBe(d.label);
      // The end of a bar away from zero sits at its value; the other end on the zero line (within a pixel).
      const [near, far] = d.value > 0 ? [bar.bottom, bar.top] : [bar.top, bar.bottom];
      expect(Math.abs(near - zero.py)).toBeLessThan(1);
      expect(v(far)).toBeCloseTo(d.value, 1);
    }
    expect(c.bars[2]!.height / c.bars[0]!.height).toBeCloseTo(3 / 1.5, 1);
  });

  it('shows each 95 % interval as an error bar spanning exactly its ends, in data units, and none without one', () => {
    const c = chart('delta');
    const v = toData(c);
    for (const [i, d] of DIFFERENCES.entries()) {
      const e = c.bars[i]!.error;
      if (!('interval' in d)) {
        expect(e).toBeNull();
        continue;
      }
      expect(Math.abs(v(e!.top) - d.interval![1])).toBeLessThan(0.02);
      expect(Math.abs(v(e!.bottom) - d.interval![0])).toBeLessThan(0.02);
    }
    expect(c.texts).toContain('error bars: 95 % CI over 3 seeds');
  });

  it('breaks the axis of close accuracies visibly: a mark on the axis, the scale written, no zero tick', () => {
    const c = chart('close');
    expect(c.axisBreak).not.toBeNull();
    expect(c.axisBreak!.height).toBeGreaterThan(3);
    expect(c.ticks.some((t) => t.value === 0)).toBe(false);
    expect(c.axisBreak!.base).toBe(c.ticks[0]!.value);
    expect(c.axisBreak!.base).toBeGreaterThan(0);
    expect(c.axisBreak!.note).toContain(`starts at ${c.ticks[0]!.label}, not 0`);
    // Differences are now visible, and still measured exactly on the shown scale.
    const v = toData(c);
    for (const [i, b] of CLOSE.entries()) {
      expect(v(c.bars[i]!.top)).toBeCloseTo(b.value, 3);
      expect(v(c.bars[i]!.error!.top)).toBeCloseTo(b.value + b.error, 3);
      expect(v(c.bars[i]!.error!.bottom)).toBeCloseTo(b.value - b.error, 3);
    }
    expect(c.bars[2]!.height - c.bars[0]!.height).toBeGreaterThan(20);
  });

  it('keeps zero when the spread is wide enough to read from zero', () => {
    const c = chart('spread');
    expect(c.axisBreak).toBeNull();
    const zero = c.ticks.find((t) => t.value === 0)!;
    expect(zero).toBeDefined();
    for (const bar of c.bars) expect(Math.abs(bar.bottom - zero.py)).toBeLessThan(1);
    expect(c.bars[1]!.height / c.bars[0]!.height).toBeCloseTo(0.8 / 0.3, 1);
  });
});
