import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchAggregate } from '../src/bench-report.js';
import { writeBenchReport, writeRunReport } from '../src/write-report.js';
import { affineError, CHROMIUM_MISSING, chromiumRequired, findChromium, probeInChromium, type Probe } from './chromium.js';
import { ACCURACY, CALIBRATION, CONFUSION, GRID, EPOCHS, RECALL, STEP_XS, STEPS, tempDir, writeFixtureRun } from './fixture-run.js';

const chromium = findChromium();
if (!chromium) console.warn(`${chromiumRequired() ? 'failing' : 'skipping'} the headless-browser report tests: ${CHROMIUM_MISSING}`);

it.runIf(!chromium && chromiumRequired())('has headless Chromium: in CI the browser checks must run, not skip', () => {
  expect.fail(
    `CI=true requires the headless-browser report tests, but there is ${CHROMIUM_MISSING} (.ci/run installs Debian's chromium when /usr/bin/chromium is missing)`,
  );
});

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
    expect(top1.series.map((s) => s.name).sort()).toEqual(['agreement', 'student', 'student (train)', 'teacher']);
    // Training accuracy per epoch, beside the test accuracy, from metrics.jsonl's `train`.
    expect(top1.series.find((s) => s.name === 'student (train)')!.points.map((p) => p.y)).toEqual(EPOCHS.map((e) => e.train.top1));
    const student = top1.series.find((s) => s.name === 'student')!;
    expect(student.points.map((p) => p.y)).toEqual(EPOCHS.map((e) => e.metrics['student.top1']));
    expect(
      affineError(
        top1.series.flatMap((s) => s.points),
        'y',
      ),
    ).toBeLessThan(1);
  });

  it('draws the per-step loss curves: one line per term with a legend, each point at its interval on the epoch axis', () => {
    const chart = probe.charts.find((c) => c.id === 'steps:loss')!;
    expect(chart.series.map((s) => s.name)).toEqual(['total', 'ce', 'kd']);
    for (const s of chart.series) {
      expect(s.pathLength, s.name).toBeGreaterThan(50);
      expect(s.points.map((p) => p.x)).toEqual(STEP_XS);
      expect(s.points.map((p) => p.y)).toEqual(STEPS.map((r) => r.loss[s.name]));
    }
    expect(
      affineError(
        chart.series.flatMap((s) => s.points),
        'y',
        true,
      ),
    ).toBeLessThan(1);
    expect(
      affineError(
        chart.series.flatMap((s) => s.points),
        'x',
      ),
    ).toBeLessThan(1);
    // The legend names every term, in the series' order.
    expect(chart.texts).toEqual(expect.arrayContaining(['total', 'ce', 'kd']));
    expect(chart.texts.indexOf('ce')).toBeLessThan(chart.texts.indexOf('kd'));
  });

  it('draws the training accuracy and the distiller’s scalars per interval, and the scalars per epoch', () => {
    const train = probe.charts.find((c) => c.id === 'steps:train')!;
    expect(train.series[0]!.points.map((p) => [p.x, p.y])).toEqual(STEPS.map((r, i) => [STEP_XS[i], r.trainTop1]));
    expect(affineError(train.series[0]!.points, 'y')).toBeLessThan(1);
    const scalars = probe.charts.find((c) => c.id === 'steps:scalars')!;
    expect(scalars.series.map((s) => s.name)).toEqual(['kdWeight']);
    expect(scalars.series[0]!.points.map((p) => p.y)).toEqual(STEPS.map((r) => r.scalars.kdWeight));
    const perEpoch = probe.charts.find((c) => c.id === 'scalars')!;
    expect(perEpoch.series[0]!.points.map((p) => p.y)).toEqual(EPOCHS.map((e) => e.scalars.kdWeight));
    const epochs = probe.tables.find((t) => t.cls === 'epochs')!;
    const [header, ...rows] = epochs.text;
    expect(rows.map((r) => Number(r[header!.indexOf('train top1')]))).toEqual(EPOCHS.map((e) => e.train.top1));
    expect(rows.map((r) => Number(r[header!.indexOf('scalar kdWeight')]))).toEqual(EPOCHS.map((e) => e.scalars.kdWeight));
  });

  it('labels confusion matrices with the dataset’s class names, and with indices where a run has none', () => {
    for (const network of ['student', 'teacher'] as const) {
      const t = probe.tables.find((x) => x.source === `artifacts/accuracy.json#${network}`)!;
      const [header, ...rows] = t.text;
      expect(header!.slice(1, 3)).toEqual(ACCURACY.classNames);
      expect(rows.map((r) => r[0])).toEqual(ACCURACY.classNames);
      expect(rows.map((r) => r.slice(1, 3).map(Number))).toEqual(ACCURACY[network].confusion);
    }
    const unnamed = probe.tables.find((x) => x.source === 'artifacts/unnamed.json')!;
    expect(unnamed.text[0]!.slice(1, 3)).toEqual(['0', '1']);
    expect(unnamed.text.slice(1).map((r) => r[0])).toEqual(['0', '1']);
  });

  it('labels a grid of maps: each column’s name over its tiles, each row’s shared scale with its range beside it', () => {
    const [grid] = probe.heatMaps;
    expect(grid!.path).toBe('maps/epoch-003-module-1.png');
    expect(grid!.columns.map((c) => c.text)).toEqual(['input', 'teacher', 'student', 'teacher on input', 'student on input']);
    const { tile, gap } = GRID;
    grid!.columns.forEach((c, i) => {
      // Centred over tile i of the image, and above it.
      expect(Math.abs(c.cx - (grid!.image.x + gap + i * (tile + gap) + tile / 2))).toBeLessThan(1);
      expect(c.bottom).toBeLessThanOrEqual(grid!.image.y + 0.5);
    });
    expect(grid!.scales.map((s) => s.text)).toEqual(['scale 0.125 – 2.5', 'scale -0.5 – 0.75']);
    grid!.scales.forEach((s, i) => {
      expect([s.lo, s.hi]).toEqual([GRID.rows[i]!.lo, GRID.rows[i]!.hi]);
      // Beside its row of tiles.
      expect(Math.abs(s.cy - (grid!.image.y + gap + i * (tile + gap) + tile / 2))).toBeLessThan(1);
      expect(s.height).toBe(tile);
    });
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
    const confusion = probe.tables.find((t) => t.source === 'artifacts/confusion-matrix.json#student')!;
    expect(confusion.rows).toBe(1 + CONFUSION.matrix.length);
    expect(confusion.cells.slice(0, 5).map((c) => Number(c.value))).toEqual([8, 1, 1, RECALL[0], 10]);
    const calibration = probe.charts.find((c) => c.id.startsWith('calibration'))!;
    const bins = calibration.bins;
    expect(bins.map((b) => b.accuracy)).toEqual(CALIBRATION.bins.filter((b) => b.count).map((b) => b.accuracy));
    // Bar heights are proportional to accuracy (the axis starts at 0).
    expect(bins[2]!.height / bins[0]!.height).toBeCloseTo(0.8 / 0.2, 1);
    expect(probe.images).toEqual([
      { path: 'maps/epoch-003-module-1.png', width: 46, height: 19 },
      { path: 'maps/stage1/epoch-3.png', width: 4, height: 3 },
    ]);
    expect(probe.status).toBe('finished');
  });
});

const docs = resolve(import.meta.dirname, '../../../docs');
/** The committed benchmark aggregate pages (tools/bench/aggregate.mjs) and the results each was rendered from. */
const BENCH_PAGES = [
  ['benchmarks-packages.html', 'benchmarks/full/results.json'],
  ['benchmarks-subset.html', 'benchmarks/subset/results.json'],
].filter(([page]) => existsSync(join(docs, page!)));

describe.skipIf(!chromium)('a bench page rendered with its Markdown twin, in headless Chromium', () => {
  it.each(BENCH_PAGES)('%s shows every line the Markdown twin says: data, epochs, sources, memory table, notes', (page, data) => {
    const md = readFileSync(join(docs, page!.replace(/\.html$/, '.md')), 'utf8');
    const out = join(tempDir(), page!);
    writeBenchReport(join(docs, data!), out, { markdown: md });
    const probe = probeInChromium(chromium!, out);
    const plain = (line: string) =>
      line
        .replace(/^(#+|-|>)\s+/, '')
        .replace(/\*\*|`/g, '')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1$2')
        .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
        .replace(/\s+/g, ' ')
        .trim();
    const shown = probe.text.replace(/\s+/g, ' ');
    for (const line of md.split('\n').filter((l) => l.trim() && !l.startsWith('|'))) expect(shown, line).toContain(plain(line));
    // Every Markdown table is a laid-out table with the same cells.
    const mdTables = md.split('\n').filter((l) => l.startsWith('|') && !/^\|[-:| ]+\|$/.test(l));
    const rows = probe.tables.filter((t) => t.cls === 'md').flatMap((t) => t.text.map((r) => r.join(' | ')));
    for (const r of mdTables)
      expect(rows).toContain(
        r
          .split('|')
          .slice(1, -1)
          .map((c) => plain(c))
          .join(' | '),
      );
    if (md.includes('## LAKD memory')) expect(shown).toContain('LAKD memory');
  });
});

describe.skipIf(!chromium)('the bench aggregate pages in docs/, rendered by headless Chromium', () => {
  it('docs/ holds at least one (docs/benchmarks-packages.html for the full data, docs/benchmarks-subset.html for the subset)', () => {
    expect(BENCH_PAGES.length).toBeGreaterThan(0);
  });

  it.each(BENCH_PAGES)('docs/%s lays out the table of docs/%s: every method, mean ± std, both Δ columns, one bar each', (page, data) => {
    const results = (JSON.parse(readFileSync(join(docs, data!), 'utf8')) as BenchAggregate).results;
    // The probe writes a copy beside the page: render a copy outside the repository.
    const copy = join(tempDir(), page!);
    copyFileSync(join(docs, page!), copy);
    const probe = probeInChromium(chromium!, copy);
    const table = probe.tables.find((t) => t.cls === 'bench-results')!;
    const [header, ...rows] = table.text;
    const col = (name: string) => header!.indexOf(name);
    expect(col('last-epoch top-1 %')).toBeGreaterThan(0);
    expect(rows.map((r) => r[0])).toEqual(Object.keys(results));
    const pm = (s: { mean: number; std: number }) => `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;
    const num = (text: string) => Number(text.replace('−', '-'));
    const scratch = results['scratch']?.last.mean;
    const kd = results['kd']?.last.mean;
    for (const row of rows) {
      const r = results[row[0]!]!;
      expect(row[col('last-epoch top-1 %')], row[0]).toBe(pm(r.last));
      if (scratch !== undefined && row[0] !== 'scratch')
        expect(Math.abs(num(row[col('Δ last vs scratch (points)')]!) - 100 * (r.last.mean - scratch))).toBeLessThan(0.01);
      if (kd !== undefined && !['scratch', 'kd'].includes(row[0]!))
        expect(Math.abs(num(row[col('Δ last vs KD (points)')]!) - 100 * (r.last.mean - kd))).toBeLessThan(0.01);
    }
    // Laid out, not just present in the markup: every number cell has a visible height.
    for (const cell of table.cells) expect(cell.height).toBeGreaterThan(5);
    const bars = probe.charts.find((c) => c.id === 'bench:last')!.bars;
    expect(bars.map((b) => b.label)).toEqual(Object.keys(results));
    expect(bars.map((b) => b.value)).toEqual(Object.values(results).map((r) => r.last.mean));
    // A higher accuracy is a taller bar.
    const byValue = [...bars].sort((a, b) => a.value - b.value);
    for (let i = 1; i < byValue.length; i++)
      if (byValue[i]!.value > byValue[i - 1]!.value) expect(byValue[i]!.height).toBeGreaterThan(byValue[i - 1]!.height);
  });
});
