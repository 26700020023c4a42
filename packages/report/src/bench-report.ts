import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './bar-chart.js';
import { escapeHtml, section } from './html.js';
import { lineChart, type Series } from './line-chart.js';
import { page } from './page.js';
import { readRun } from './run-data.js';
import { keyValueTable, table, type Cell } from './tables.js';

export interface BenchStat {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
  readonly values?: readonly number[];
}

export interface BenchMethod {
  readonly config?: string;
  readonly last: BenchStat;
  readonly best?: BenchStat;
  readonly seconds?: BenchStat;
  readonly imagesPerSecond?: BenchStat;
  readonly peakBytes?: number;
  readonly runs?: readonly { readonly seed: number }[];
}

/** The aggregate tools/bench writes (`<out>/<name>.json`). */
export interface BenchAggregate {
  readonly name?: string;
  readonly date?: string;
  readonly seeds?: number;
  readonly teacher?: { readonly config?: string; readonly top1?: number; readonly params?: number };
  readonly results: Readonly<Record<string, BenchMethod>>;
  readonly provenance?: Readonly<Record<string, unknown>>;
}

const pm = (s: BenchStat | undefined): Cell =>
  s ? { html: `<td class="num" data-value="${s.mean}" data-std="${s.std}">${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}</td>` } : null;

/**
 * The mean student top-1 per epoch over a method's seeds, read from the bench's run directories
 * (`runs/<method>-s<seed>/metrics.jsonl`) when they are still there.
 */
function meanCurve(runsDir: string, method: string, m: BenchMethod): Series | undefined {
  const seeds = m.runs?.map((r) => r.seed) ?? [];
  const curves: number[][] = [];
  for (const s of seeds) {
    const dir = join(runsDir, `${method}-s${s}`);
    if (!existsSync(join(dir, 'config.json'))) continue;
    curves.push(readRun(dir, { maxImages: 0 }).epochs.map((e) => e.metrics['student.top1'] ?? NaN));
  }
  if (!curves.length) return undefined;
  const len = Math.min(...curves.map((c) => c.length));
  return { name: method, points: Array.from({ length: len }, (_, i) => [i + 1, curves.reduce((a, c) => a + c[i]!, 0) / curves.length] as [number, number]) };
}

/**
 * A benchmark aggregate as a page: the results table (Δ columns against scratch and KD, as docs/benchmarks*.md),
 * accuracy bars with ± one standard deviation, curves.
 */
export function renderBenchReport(b: BenchAggregate, options: { runsDir?: string; generatedAt?: Date } = {}): string {
  const title = `kd benchmark — ${b.name ?? 'unnamed'}`;
  const methods = Object.entries(b.results);
  const scratch = b.results['scratch'];
  const kd = b.results['kd'];
  const body: string[] = [
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">${escapeHtml(`${b.seeds ?? '?'} seed(s) per method · ${b.date ?? ''}`)} · report generated ${escapeHtml((options.generatedAt ?? new Date()).toISOString())}</p></header>`,
  ];
  if (b.teacher)
    body.push(
      `<p>Teacher: <code>${escapeHtml(b.teacher.config ?? '?')}</code>, top-1 ${typeof b.teacher.top1 === 'number' ? `${(100 * b.teacher.top1).toFixed(2)}%` : '—'}, ${b.teacher.params ?? '?'} parameters.</p>`,
    );
  body.push(
    section(
      'results',
      'Results (top-1 %, mean ± sample std over seeds)',
      table(
        'bench-results',
        ['method', 'config', 'last-epoch top-1 %', 'best-epoch top-1 %', 'Δ last vs scratch (points)', 'Δ last vs KD (points)', 'img/s', 's/run', 'peak tensor bytes', 'seeds'],
        methods.map(([name, m]) => [
          name,
          m.config ?? '—',
          pm(m.last),
          pm(m.best),
          scratch && name !== 'scratch' ? 100 * (m.last.mean - scratch.last.mean) : null,
          kd && name !== 'kd' && name !== 'scratch' ? 100 * (m.last.mean - kd.last.mean) : null,
          m.imagesPerSecond?.mean ?? null,
          m.seconds?.mean ?? null,
          m.peakBytes ?? null,
          m.last.n,
        ]),
      ),
    ),
  );
  const charts = [
    barChart({
      id: 'bench:last',
      title: 'Last-epoch student top-1 (± 1 std)',
      bars: methods.map(([name, m]) => ({ label: name, value: m.last.mean, error: m.last.std })),
      yLabel: 'top-1',
      ...(typeof b.teacher?.top1 === 'number' ? { reference: { value: b.teacher.top1, label: 'teacher' } } : {}),
    }),
  ];
  if (options.runsDir && existsSync(options.runsDir)) {
    const series = methods.map(([name, m]) => meanCurve(options.runsDir!, name, m)).filter((s): s is Series => s !== undefined);
    if (series.length) charts.push(lineChart({ id: 'bench:curves', title: 'Student top-1 per epoch (mean over seeds)', series, xLabel: 'epoch', yLabel: 'top-1' }));
  }
  body.push(section('charts', 'Charts', `<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`));
  if (b.provenance) body.push(section('provenance', 'Provenance', keyValueTable(b.provenance, 'provenance')));
  return page(title, body.join('\n'));
}
