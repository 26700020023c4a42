import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './bar-chart.js';
import { escapeHtml, section } from './html.js';
import { lineChart, type Series } from './line-chart.js';
import { welchInterval } from '@kd/sweep';
import { markdownToHtml } from './markdown.js';
import { page } from './page.js';
import { readRun, type RunData } from './run-data.js';
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
  /** What the method reconstructs, when its paper's exact method was not available: its rows say "reconstruction". */
  readonly reconstruction?: string;
  /** One entry per seed; `status`/`failure` when the bench recorded how the run ended (else its directory says). */
  readonly runs?: readonly { readonly seed: number; readonly status?: string; readonly failure?: string }[];
}

/** A method's name as every table shows it: a reconstruction says so. */
const label = (name: string, m: BenchMethod): string => (m.reconstruction ? `${name} (reconstruction)` : name);

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
  s
    ? { html: `<td class="num" data-value="${s.mean}" data-std="${s.std}">${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}</td>` }
    : null;

/** How each seed's run of a method ended: the aggregate's word, else its run directory's, else unknown. */
interface SeedRun {
  readonly seed: number;
  readonly status: string;
  readonly failure?: string;
  readonly run?: RunData;
}

function seedRuns(runsDir: string | undefined, method: string, m: BenchMethod): SeedRun[] {
  return (m.runs ?? []).map((r) => {
    const dir = runsDir ? join(runsDir, `${method}-s${r.seed}`) : undefined;
    const run = dir && existsSync(join(dir, 'config.json')) ? readRun(dir, { maxImages: 0 }) : undefined;
    const status = r.status ?? run?.status ?? 'unknown';
    const failure = r.failure ?? run?.failure;
    return { seed: r.seed, status, ...(failure !== undefined ? { failure } : {}), ...(run ? { run } : {}) };
  });
}

/**
 * The mean student top-1 per epoch over a method's finished seeds, read from the bench's run directories
 * (`runs/<method>-s<seed>/metrics.jsonl`) when they are still there. A failed or interrupted run's curve is left out
 * (it would drag the mean down as if it were a result), and the series name says how many runs it averages.
 */
function meanCurve(method: string, runs: readonly SeedRun[]): Series | undefined {
  const curves = runs
    .filter((r) => r.run && r.status === 'finished')
    .map((r) => r.run!.epochs.map((e) => e.metrics['student.top1'] ?? NaN));
  if (!curves.length) return undefined;
  const len = Math.min(...curves.map((c) => c.length));
  const name = curves.length < runs.length ? `${method} (${curves.length} of ${runs.length} runs finished)` : method;
  return {
    name,
    points: Array.from({ length: len }, (_, i) => [i + 1, curves.reduce((a, c) => a + c[i]!, 0) / curves.length] as [number, number]),
  };
}

/**
 * A benchmark aggregate as a page: the results table (Δ columns against scratch and KD, as docs/benchmarks*.md),
 * accuracy bars with ± one standard deviation, curves.
 */
export function renderBenchReport(b: BenchAggregate, options: { runsDir?: string; generatedAt?: Date; markdown?: string } = {}): string {
  const title = `kd benchmark — ${b.name ?? 'unnamed'}`;
  const methods = Object.entries(b.results);
  const scratch = b.results['scratch'];
  const kd = b.results['kd'];
  const runsDir = options.runsDir && existsSync(options.runsDir) ? options.runsDir : undefined;
  const seeds = new Map(methods.map(([name, m]) => [name, seedRuns(runsDir, name, m)]));
  const unfinished = (name: string) => seeds.get(name)!.filter((r) => r.status !== 'finished' && r.status !== 'unknown');
  const subtitle = `<p class="subtitle">${escapeHtml(`${b.seeds ?? '?'} seed(s) per method · ${b.date ?? ''}`)} · report generated ${escapeHtml((options.generatedAt ?? new Date()).toISOString())}</p>`;
  // With its Markdown twin, the page says all the twin says (data, epochs, sources, memory table, notes) first.
  const body: string[] = options.markdown
    ? [`<div class="markdown">${markdownToHtml(options.markdown)}</div>`, subtitle]
    : [`<header><h1>${escapeHtml(title)}</h1>${subtitle}</header>`];
  if (b.teacher)
    body.push(
      `<p>Teacher: <code>${escapeHtml(b.teacher.config ?? '?')}</code>, top-1 ${typeof b.teacher.top1 === 'number' ? `${(100 * b.teacher.top1).toFixed(2)}%` : '—'}, ${b.teacher.params ?? '?'} parameters.</p>`,
    );
  const failing = methods.filter(([name]) => unfinished(name).length);
  if (failing.length)
    body.push(
      `<div class="warning not-final"><p><strong>Some runs did not finish.</strong> A method's mean ± std over its seeds includes whatever the bench recorded for them; its row is marked, and its curve averages the finished runs only.</p><ul>${failing
        .flatMap(([name]) =>
          unfinished(name).map(
            (r) =>
              `<li data-status="${escapeHtml(r.status)}">${escapeHtml(`${name} seed ${r.seed}: ${r.status}${r.failure !== undefined ? ` — ${r.failure}` : ''}`)}</li>`,
          ),
        )
        .join('')}</ul></div>`,
    );
  body.push(
    section(
      'results',
      'Results (top-1 %, mean ± sample std over seeds)',
      table(
        'bench-results',
        [
          'method',
          'config',
          'last-epoch top-1 %',
          'best-epoch top-1 %',
          'Δ last vs scratch (points)',
          'Δ last vs KD (points)',
          'img/s',
          's/run',
          'peak tensor bytes',
          'seeds',
          ...(failing.length ? ['runs not finished'] : []),
        ],
        methods.map(([name, m]) => [
          unfinished(name).length
            ? { html: `<td class="not-final" data-status="not-finished">${escapeHtml(label(name, m))} ⚠</td>` }
            : label(name, m),
          m.config ?? '—',
          pm(m.last),
          pm(m.best),
          scratch && name !== 'scratch' ? 100 * (m.last.mean - scratch.last.mean) : null,
          kd && name !== 'kd' && name !== 'scratch' ? 100 * (m.last.mean - kd.last.mean) : null,
          m.imagesPerSecond?.mean ?? null,
          m.seconds?.mean ?? null,
          m.peakBytes ?? null,
          m.last.n,
          ...(failing.length
            ? [
                unfinished(name)
                  .map((r) => `s${r.seed} ${r.status}`)
                  .join(', '),
              ]
            : []),
        ]),
      ),
    ),
  );
  const charts = [
    barChart({
      id: 'bench:last',
      title: 'Last-epoch student top-1 (± 1 std)',
      bars: methods.map(([name, m]) => ({ label: unfinished(name).length ? `${name} ⚠` : name, value: m.last.mean, error: m.last.std })),
      yLabel: 'top-1',
      baseline: 'auto',
      errorLabel: '± 1 sample std over seeds',
      ...(typeof b.teacher?.top1 === 'number' ? { reference: { value: b.teacher.top1, label: 'teacher' } } : {}),
    }),
  ];
  const versus = scratch ? methods.filter(([name]) => name !== 'scratch') : [];
  if (scratch && versus.length) {
    const intervals = versus.map(([, m]) => welchInterval(m.last.values ?? [], scratch.last.values ?? []));
    const withInterval = intervals.filter((d) => d !== null).length;
    charts.push(
      barChart({
        id: 'bench:delta-scratch',
        title: 'Δ last-epoch top-1 vs scratch (points)',
        bars: versus.map(([name, m], i) => {
          const d = intervals[i];
          return {
            label: unfinished(name).length ? `${name} ⚠` : name,
            value: 100 * (m.last.mean - scratch.last.mean),
            ...(d ? { interval: [100 * d.lo, 100 * d.hi] as const } : {}),
          };
        }),
        yLabel: 'Δ top-1 (points)',
        baseline: 'zero',
        errorLabel: withInterval
          ? `95 % Welch interval over seeds${withInterval < versus.length ? ' (none where a side has < 2 seeds)' : ''}`
          : 'none: fewer than 2 seeds',
      }),
    );
  }
  if (runsDir) {
    const series = methods.map(([name]) => meanCurve(name, seeds.get(name)!)).filter((s): s is Series => s !== undefined);
    if (series.length)
      charts.push(
        lineChart({ id: 'bench:curves', title: 'Student top-1 per epoch (mean over seeds)', series, xLabel: 'epoch', yLabel: 'top-1' }),
      );
  }
  body.push(section('charts', 'Charts', `<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`));
  if (b.provenance) body.push(section('provenance', 'Provenance', keyValueTable(b.provenance, 'provenance')));
  return page(title, body.join('\n'));
}
