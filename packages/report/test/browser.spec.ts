import { join } from 'node:path';
import { writeRunReport } from '../src/write-report.js';
import { affineError, findChromium, probeInChromium, type Probe } from './chromium.js';
import { CALIBRATION, CONFUSION, EPOCHS, RECALL, tempDir, writeFixtureRun } from './fixture-run.js';

const chromium = findChromium();
if (!chromium) console.warn('skipping the headless-browser report tests: no chromium on PATH (apt-get install -y chromium, or set KD_CHROMIUM)');

describe.skipIf(!chromium)('a run report rendered by headless Chromium', () => {
  let probe: Probe;
  beforeAll(() => {
    const dir = writeFixtureRun(join(tempDir(), 'run'));
    probe = probeInChromium(chromium!, writeRunReport(dir));
  });

  it('lays out the loss chart with one drawn line per term, each point where its value belongs', () => {
    const loss = probe.charts.find((c) => c.id === 'loss')!;
    expect(loss.width).toBeGreaterThan(100);
    expect(loss.series.map((s) => s.name)).toEqual(['total', 'ce', 'kd']);
    for (const s of loss.series) {
      expect(s.pathLength, s.name).toBeGreaterThan(50);
      expect(s.points.map((p) => p.y)).toEqual(EPOCHS.map((e) => e.loss[s.name as 'ce']));
    }
    const all = loss.series.flatMap((s) => s.points);
    // The loss axis is logarithmic; epochs linear. Within a pixel of the exact affine image.
    expect(affineError(all, 'y', true)).toBeLessThan(1);
    expect(affineError(all, 'x')).toBeLessThan(1);
    // Larger loss is drawn higher (smaller page y).
    const total = loss.series[0]!.points;
    expect(total[0]!.py).toBeLessThan(total[2]!.py);
  });

  it('plots student, teacher and agreement accuracy on one linear axis', () => {
    const top1 = probe.charts.find((c) => c.id === 'metric:top1')!;
    expect(top1.series.map((s) => s.name).sort()).toEqual(['agreement', 'student', 'teacher']);
    const student = top1.series.find((s) => s.name === 'student')!;
    expect(student.points.map((p) => p.y)).toEqual(EPOCHS.map((e) => e.metrics['student.top1']));
    expect(affineError(top1.series.flatMap((s) => s.points), 'y')).toBeLessThan(1);
  });

  it('renders the final-metrics table with visible numbers from summary.json', () => {
    const final = probe.tables.find((t) => t.cls === 'final-metrics')!;
    const byMetric = Object.fromEntries(final.cells.filter((c) => c.metric).map((c) => [c.metric, c]));
    expect(Number(byMetric['student.top1']!.value)).toBe(0.75);
    expect(byMetric['student.top1']!.text).toBe('0.75');
    expect(Number(byMetric['teacher.top1']!.value)).toBe(0.9);
    expect(byMetric['agreement.top1']!.height).toBeGreaterThan(5);
  });

  it('renders the confusion matrix, reliability bars and the embedded map', () => {
    const confusion = probe.tables.find((t) => t.cls === 'confusion')!;
    expect(confusion.rows).toBe(1 + CONFUSION.matrix.length);
    expect(confusion.cells.slice(0, 5).map((c) => Number(c.value))).toEqual([8, 1, 1, RECALL[0], 10]);
    const calibration = probe.charts.find((c) => c.id.startsWith('calibration'))!;
    const bins = calibration.bins;
    expect(bins.map((b) => b.accuracy)).toEqual(CALIBRATION.bins.filter((b) => b.count).map((b) => b.accuracy));
    // Bar heights are proportional to accuracy (the axis starts at 0).
    expect(bins[2]!.height / bins[0]!.height).toBeCloseTo(0.8 / 0.2, 1);
    expect(probe.images).toEqual([{ path: 'maps/stage1/epoch-3.png', width: 4, height: 3 }]);
    expect(probe.status).toBe('finished');
  });
});
