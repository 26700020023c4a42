import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { barChart } from './bar-chart.js';
import { escapeHtml, numberCell, section } from './html.js';
import { lineChart } from './line-chart.js';
import { describeRun, epochAxis, finalMetrics } from './metric-series.js';
import { page } from './page.js';
import { perClassSection } from './per-class-deltas.js';
import type { RunData } from './run-data.js';
import { allZeroNonFinite, statusBadge } from './run-report.js';
import { table, type Cell } from './tables.js';

/** Metrics where lower is better; every other metric is taken as higher-is-better when marking the best run. */
export const LOWER_IS_BETTER = /(^|\.)(loss|kl|ece|mce|nll|error|latency\w*|ms\w*|seconds|nonFinite)$/i;

/** Short, distinct labels: directory names, or paths when two runs share a name. */
export function runLabels(runs: readonly RunData[]): string[] {
  const names = runs.map((r) => basename(r.dir));
  if (new Set(names).size === names.length) return names;
  return runs.map((r, i) => {
    const dup = names.filter((n) => n === names[i]).length > 1;
    return dup ? relative(process.cwd(), r.dir) || r.dir : names[i]!;
  });
}

/** Config leaves (JSON-pointer → JSON text) of a run. */
function flatten(v: unknown, pointer = '', out = new Map<string, string>()): Map<string, string> {
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flatten(x, `${pointer}/${k}`, out);
  else out.set(pointer, JSON.stringify(v));
  return out;
}

function configDiff(runs: readonly RunData[], labels: readonly string[]): string {
  const flats = runs.map((r) => flatten(r.config));
  const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].filter((k) => k !== '/output/dir').sort();
  const differing = keys.filter((k) => new Set(flats.map((f) => f.get(k) ?? '∅')).size > 1);
  if (!differing.length) return '<p>The configs are identical (apart from the output directory).</p>';
  return table(
    'config-diff',
    ['config', ...labels],
    differing.map((k) => [k, ...flats.map((f) => f.get(k) ?? '—')]),
  );
}

export interface ComparisonOptions {
  /** Where the page will be written: links to each run's report are made relative to it. */
  readonly outFile?: string;
  readonly title?: string;
  readonly generatedAt?: Date;
}

/** One page comparing runs: a summary per run, final metrics side by side, overlaid curves and config differences. */
export function renderComparison(runs: readonly RunData[], options: ComparisonOptions = {}): string {
  const labels = runLabels(runs);
  // A run that did not finish is named as such wherever its numbers appear, and never marked best.
  const finished = runs.map((r) => r.status === 'finished');
  const shown = labels.map((l, i) => (finished[i] ? l : `${l} (${runs[i]!.status})`));
  const title = options.title ?? `kd — comparison of ${runs.length} runs`;
  const body: string[] = [
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">report generated ${escapeHtml((options.generatedAt ?? new Date()).toISOString())}</p></header>`,
  ];

  const link = (r: RunData, label: string) => {
    const report = join(r.dir, 'report.html');
    if (!existsSync(report)) return `<td>${escapeHtml(label)}</td>`;
    const href = options.outFile ? relative(dirname(options.outFile), report).split('\\').join('/') : report;
    return `<td><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></td>`;
  };
  body.push(
    section(
      'runs',
      'Runs',
      table(
        'runs',
        ['run', 'status', 'why it stopped', 'distiller', 'student', 'teacher', 'dataset', 'epochs', 'seconds', 'student params'],
        runs.map((r, i) => {
          const d = describeRun(r);
          const cells: Cell[] = [
            { html: link(r, labels[i]!) },
            { html: `<td>${statusBadge(r)}</td>` },
            r.failure ?? (r.status === 'finished' ? '' : '—'),
            d.distiller,
            d.student,
            d.teacher,
            d.dataset,
            r.epochs.length,
            (r.summary?.['seconds'] as number | undefined) ?? r.epochs.reduce((a, e) => a + (e.time?.seconds ?? 0), 0),
            (r.summary?.['studentParams'] as number | undefined) ?? null,
          ];
          return cells;
        }),
      ),
    ),
  );

  const unfinished = runs.map((r, i) => ({ r, i })).filter(({ i }) => !finished[i]);
  if (unfinished.length)
    body.push(
      `<div class="warning not-final"><p><strong>${unfinished.length} of ${runs.length} runs did not finish.</strong> Their columns hold the last evaluation before they stopped: not results, never marked best.</p><ul>${unfinished
        .map(
          ({ r, i }) =>
            `<li data-status="${r.status}">${escapeHtml(labels[i]!)}: ${escapeHtml(r.status)}${r.failure !== undefined ? ` — ${escapeHtml(r.failure)}` : ''}</li>`,
        )
        .join('')}</ul></div>`,
    );

  const finals = runs.map(finalMetrics);
  const names = [...new Set(finals.flatMap((f) => Object.keys(f)))].sort();
  const rows = names.map((n) => {
    const values = finals.map((f) => f[n]);
    const present = values.filter((v, i): v is number => finished[i]! && typeof v === 'number' && Number.isFinite(v));
    const best = present.length > 1 ? (LOWER_IS_BETTER.test(n) ? Math.min(...present) : Math.max(...present)) : undefined;
    return [
      n,
      ...values.map((v, i): Cell => {
        const isBest = finished[i]! && v === best;
        const extra = `${isBest ? ' data-best=""' : ''}${finished[i] ? '' : ` data-status="${runs[i]!.status}"`} data-metric="${escapeHtml(n)}"`;
        const cls = isBest ? 'num best' : finished[i] ? 'num' : 'num not-final';
        return { html: numberCell(v, extra).replace('<td class="num"', `<td class="${cls}"`) };
      }),
    ];
  });
  body.push(
    section(
      'final',
      'Final metrics (best finished run in bold)',
      names.length ? table('final-metrics', ['metric', ...shown], rows) : '<p>No metrics recorded.</p>',
    ),
  );

  const perClass = perClassSection(runs, shown);
  if (perClass) body.push(section('per-class', 'Per-class accuracy differences', perClass));

  const charts: string[] = [];
  const headline = names.includes('student.top1') ? 'student.top1' : names.find((n) => n.startsWith('student.'));
  if (headline)
    charts.push(
      barChart({
        id: `final:${headline}`,
        title: `Final ${headline}`,
        bars: finals.map((f, i) => ({ label: shown[i]!, value: f[headline] ?? NaN })),
        yLabel: headline,
        baseline: 'auto',
      }),
    );
  const perRun = (pick: (r: RunData) => (e: RunData['epochs'][number]) => number | undefined) =>
    runs.map((r, i) => {
      const { xs } = epochAxis(r.epochs);
      const f = pick(r);
      return {
        name: shown[i]!,
        points: r.epochs.map((e, j) => [xs[j]!, f(e) ?? NaN] as [number, number]).filter(([, y]) => Number.isFinite(y)),
      };
    });
  charts.push(
    lineChart({
      id: 'loss:total',
      title: 'Training loss (total)',
      series: perRun(() => (e) => e.loss['total']),
      xLabel: 'epoch',
      logY: true,
    }),
  );
  const epochMetrics = [...new Set(runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.metrics))))].sort();
  for (const m of epochMetrics) {
    const series = perRun(() => (e) => e.metrics[m]);
    if (!allZeroNonFinite(m, series)) charts.push(lineChart({ id: `metric:${m}`, title: m, series, xLabel: 'epoch' }));
  }
  body.push(section('charts', 'Per epoch', `<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`));
  body.push(section('config-diff', 'Config differences', configDiff(runs, labels)));
  const warnings = runs.flatMap((r, i) => r.warnings.map((w) => `${labels[i]}: ${w}`));
  if (warnings.length)
    body.push(section('warnings', 'Warnings', `<ul class="warning">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`));
  return page(title, body.join('\n'));
}
