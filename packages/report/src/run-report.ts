import { basename } from 'node:path';
import { confusionTable } from './confusion-table.js';
import { heatMapFigure } from './heat-map-grid.js';
import { escapeHtml, formatBytes, formatNumber, numberCell, section } from './html.js';
import { lineChart } from './line-chart.js';
import {
  at,
  describeRun,
  epochAxis,
  finalMetrics,
  lossSeries,
  lrSeries,
  metricFamilies,
  splitMetricName,
  stepLossSeries,
  stepScalarSeries,
  stepTrainSeries,
  throughputSeries,
  trainSeries,
} from './metric-series.js';
import { page } from './page.js';
import { reliabilityDiagram } from './reliability-diagram.js';
import type { RunData } from './run-data.js';
import { keyValueTable, table, type Cell } from './tables.js';

export function statusBadge(run: RunData): string {
  return `<span class="status status-${run.status}" data-status="${run.status}">${run.status}</span>`;
}

/** Where a failure happened, as far as summary.json says: `diverged, stage main, epoch 3, step 12`. */
function failurePlace(run: RunData): string {
  const f = run.failureDetail;
  if (!f) return '';
  const parts = [
    f.kind,
    f.stage !== undefined ? `stage ${f.stage}` : '',
    f.epoch !== undefined ? `epoch ${f.epoch}` : '',
    f.step !== undefined ? `step ${f.step}` : '',
  ];
  return ` (${escapeHtml(parts.filter(Boolean).join(', '))})`;
}

/** The banner under the title: why the run did not finish, and what to do about it. */
function statusBanner(run: RunData): string {
  const resume = `<code>kd run --resume ${escapeHtml(run.dir)}</code>`;
  const reason = run.failure !== undefined ? `: ${escapeHtml(run.failure)}` : '.';
  switch (run.status) {
    case 'failed':
      return `<p class="warning failure" data-failure="${escapeHtml(run.failureDetail?.kind ?? 'error')}"><strong>The run failed</strong>${failurePlace(run)}${reason}</p>`;
    case 'interrupted':
      return `<p class="warning interrupted"><strong>The run was interrupted</strong>${failurePlace(run)}${reason} It stopped at a checkpoint: continue it with ${resume}.</p>`;
    case 'incomplete':
      return `<p class="warning">The run has not finished (no summary.json): it is still running, or was killed before it could write one — continue it with ${resume}.</p>`;
    default:
      return '';
  }
}

/** What the final-metrics section is called: only a finished run's last evaluation is its result. */
export function finalHeading(run: RunData): string {
  switch (run.status) {
    case 'finished':
      return 'Final metrics';
    case 'failed':
      return 'Last evaluation before the failure (not a result)';
    case 'interrupted':
      return 'Last evaluation before the interruption (not a final result)';
    default:
      return 'Latest metrics (the run has not finished)';
  }
}

/** Loss spikes and other warnings summary.json recorded: shown near the top, where a reader of the numbers looks. */
function runWarningsSection(run: RunData): string {
  const rows = run.runWarnings.map((w): Cell[] => [
    w.kind,
    w.stage,
    w.epoch,
    w.step,
    w.value,
    w.median,
    w.median !== 0 ? w.value / w.median : null,
    w.message,
  ]);
  return `<p class="warning">${run.runWarnings.length} warning(s) during training: the run went on, but its numbers may not mean what they seem.</p>${table(
    'run-warnings',
    ['kind', 'stage', 'epoch', 'step', 'loss', 'running median', '× median', 'message'],
    rows,
  )}`;
}

/**
 * Evaluators report `<network>.nonFinite`, the fraction of samples whose logits (or features) held NaN/±Inf: those
 * samples count as misses, so a diverged network scores low, and this says why.
 */
function nonFiniteBanner(run: RunData): string {
  const final = finalMetrics(run);
  const hit = Object.entries(final).filter(([k, v]) => /(^|\.)nonFinite$/.test(k) && typeof v === 'number' && v > 0);
  if (!hit.length) return '';
  return `<p class="warning non-finite"><strong>Non-finite outputs:</strong> ${hit
    .map(([k, v]) => `<span data-metric="${escapeHtml(k)}">${escapeHtml(k)} = ${escapeHtml(formatNumber(v))}</span>`)
    .join(', ')} — the fraction of evaluation samples whose logits held NaN or ±Inf. They count as misses in every metric.</p>`;
}

function overview(run: RunData): string {
  const d = describeRun(run);
  const s = run.summary ?? {};
  const last = run.epochs[run.epochs.length - 1];
  const planned = at(run.config, 'training', 'epochs');
  const best = s['best'] as { metric?: string; value?: number; epoch?: number; stage?: string } | null | undefined;
  const rows: [string, Cell][] = [
    ['status', { html: `<td>${statusBadge(run)}</td>` }],
    ['distiller', d.distiller],
    ['student', d.student],
    ['teacher', d.teacher],
    ['dataset', d.dataset],
    ['epochs done', run.epochs.length],
    ['epochs planned (first stage)', typeof planned === 'number' ? planned : null],
    ['last stage', last?.stage ?? '—'],
    ['seed', typeof at(run.config, 'training', 'seed') === 'number' ? (at(run.config, 'training', 'seed') as number) : null],
    ['backend', String(s['backend'] ?? at(run.provenance, 'backend', 'name') ?? '—')],
    ['student parameters', (s['studentParams'] as number) ?? null],
    ['teacher parameters', (s['teacherParams'] as number) ?? null],
    ['student FLOPs', (s['studentFlops'] as number) ?? null],
    ['teacher FLOPs', (s['teacherFlops'] as number) ?? null],
    ['training seconds', (s['seconds'] as number) ?? run.epochs.reduce((a, e) => a + (e.time?.seconds ?? 0), 0)],
  ];
  if (best && typeof best.value === 'number')
    rows.push([`best ${best.metric ?? ''} (epoch ${best.epoch ?? '?'}, ${best.stage ?? ''})`, best.value]);
  return table(
    'overview',
    null,
    rows.map(([k, v]) => [{ html: `<th>${escapeHtml(k)}</th>` }, v]),
  );
}

/**
 * Final metrics pivoted: one row per metric family (top1, kl, ece…), one column per prefix (student, teacher,
 * agreement…), so teacher and student read side by side; `student − teacher` where both exist.
 */
function finalTable(run: RunData): string {
  const final = finalMetrics(run);
  const names = Object.keys(final).sort();
  if (!names.length) return '<p>No metrics were recorded.</p>';
  const prefixes = [...new Set(names.map((n) => splitMetricName(n).prefix))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const families = [...new Set(names.map((n) => splitMetricName(n).family))];
  const hasGap = prefixes.includes('student') && prefixes.includes('teacher');
  const rows = families.map((f) => {
    const cells: Cell[] = [f];
    for (const p of prefixes) {
      const key = p ? `${p}.${f}` : f;
      cells.push(key in final ? { html: numberCell(final[key], ` data-metric="${escapeHtml(key)}"`) } : null);
    }
    if (hasGap) {
      const st = final[`student.${f}`];
      const te = final[`teacher.${f}`];
      cells.push(typeof st === 'number' && typeof te === 'number' ? st - te : null);
    }
    return cells;
  });
  return table('final-metrics', ['metric', ...prefixes.map((p) => p || '(run)'), ...(hasGap ? ['student − teacher'] : [])], rows);
}

function rank(prefix: string): number {
  return ['student', 'teacher', 'agreement'].indexOf(prefix) >>> 0;
}

function charts(run: RunData): string {
  if (!run.epochs.length) return '<p>No epoch finished: nothing to plot.</p>';
  const { markers } = epochAxis(run.epochs);
  const out: string[] = [];
  out.push(
    lineChart({
      id: 'loss',
      title: 'Training loss terms (epoch mean)',
      series: lossSeries(run.epochs),
      xLabel: 'epoch',
      yLabel: 'loss',
      markers,
      logY: true,
    }),
  );
  const families = metricFamilies(run.epochs);
  // Training accuracy beside the test accuracy: the gap between them is what over- or under-fitting looks like.
  const train = trainSeries(run.epochs);
  if (train.points.length) families.set('top1', [...(families.get('top1') ?? []), train]);
  for (const [family, series] of families) {
    if (allZeroNonFinite(family, series)) continue;
    out.push(lineChart({ id: `metric:${family}`, title: family, series, xLabel: 'epoch', yLabel: family, markers }));
  }
  const scalars = [...new Set(run.epochs.flatMap((e) => Object.keys(e.scalars ?? {})))].sort();
  if (scalars.length)
    out.push(
      lineChart({
        id: 'scalars',
        title: 'Distiller scalars (epoch mean)',
        series: scalars.map((k) => ({
          name: k,
          points: run.epochs.flatMap((e, i) => (typeof e.scalars?.[k] === 'number' ? [[i + 1, e.scalars[k]] as [number, number]] : [])),
        })),
        xLabel: 'epoch',
        markers,
      }),
    );
  out.push(lineChart({ id: 'lr', title: 'Learning rate', series: [lrSeries(run.epochs)], xLabel: 'epoch', markers }));
  out.push(
    lineChart({
      id: 'throughput',
      title: 'Training throughput',
      series: [throughputSeries(run.epochs)],
      xLabel: 'epoch',
      yLabel: 'images / s',
      markers,
    }),
  );
  return `<div class="charts">${out.map((c) => `<figure>${c}</figure>`).join('')}</div>`;
}

/**
 * steps.jsonl's curves: each weighted loss term as the distiller reports it and the total, the training accuracy and
 * the distiller's own scalars, per logging interval, on the same epoch axis as the per-epoch charts.
 */
function stepCharts(run: RunData): string {
  const { markers } = epochAxis(run.epochs);
  const per = run.steps[0] ? `${run.steps[0].count} step${run.steps[0].count === 1 ? '' : 's'}` : '';
  const out = [
    lineChart({
      id: 'steps:loss',
      title: `Training loss terms per interval (${per})`,
      series: stepLossSeries(run.steps),
      xLabel: 'epoch',
      yLabel: 'loss',
      markers,
      logY: true,
      width: 620,
    }),
  ];
  const train = stepTrainSeries(run.steps);
  if (train.points.length)
    out.push(
      lineChart({ id: 'steps:train', title: 'Training accuracy per interval', series: [train], xLabel: 'epoch', yLabel: 'top1', markers }),
    );
  const scalars = stepScalarSeries(run.steps);
  if (scalars.length)
    out.push(lineChart({ id: 'steps:scalars', title: 'Distiller scalars per interval', series: scalars, xLabel: 'epoch', markers }));
  return `<p>Averages over intervals of ${escapeHtml(per)} (steps.jsonl); x is the epoch, fractions of it inside an epoch.</p><div class="charts">${out.map((c) => `<figure>${c}</figure>`).join('')}</div>`;
}

/** A healthy run's `nonFinite` metrics are 0 throughout: a flat line at zero would only crowd the charts out. */
export function allZeroNonFinite(name: string, series: readonly { points: readonly (readonly [number, number])[] }[]): boolean {
  return /(^|\.)nonFinite$/.test(name) && series.every((s) => s.points.every(([, y]) => y === 0));
}

function epochTable(run: RunData): string {
  const lossKeys = [...new Set(run.epochs.flatMap((e) => Object.keys(e.loss)))];
  const metricKeys = [...new Set(run.epochs.flatMap((e) => Object.keys(e.metrics)))].sort();
  const hasTrain = run.epochs.some((e) => e.train?.top1 !== undefined);
  const scalarKeys = [...new Set(run.epochs.flatMap((e) => Object.keys(e.scalars ?? {})))].sort();
  const rows = run.epochs.map((e, i): Cell[] => [
    i + 1,
    e.stage,
    e.epoch,
    e.lr ?? null,
    ...lossKeys.map((k) => e.loss[k]),
    ...(hasTrain ? [e.train?.top1] : []),
    ...metricKeys.map((k) => e.metrics[k]),
    ...scalarKeys.map((k) => e.scalars?.[k]),
    e.time?.seconds ?? null,
    e.time?.imagesPerSecond ?? null,
    e.memory?.numTensors ?? null,
  ]);
  return `<details open><summary>${run.epochs.length} epoch(s)</summary>${table(
    'epochs',
    [
      '#',
      'stage',
      'epoch',
      'lr',
      ...lossKeys.map((k) => `loss ${k}`),
      ...(hasTrain ? ['train top1'] : []),
      ...metricKeys,
      ...scalarKeys.map((k) => `scalar ${k}`),
      'seconds',
      'img/s',
      'tensors',
    ],
    rows,
  )}</details>`;
}

function calibrationSection(run: RunData): string {
  return `<div class="charts">${run.calibration
    .map((c, i) => {
      const caption = Object.entries(c.scalars)
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(', ');
      const bins = table(
        'calibration-bins',
        ['bin', 'confidence', 'accuracy', 'count'],
        c.bins.map((b) => [`[${formatNumber(b.lower)}, ${formatNumber(b.upper)})`, b.confidence, b.accuracy, b.count]),
      );
      return `<figure>${reliabilityDiagram(`calibration:${i}`, `Reliability — ${c.label}`, c.bins)}<figcaption>${escapeHtml(c.source)}${caption ? ` — ${escapeHtml(caption)}` : ''}</figcaption><details><summary>bins</summary>${bins}</details></figure>`;
    })
    .join('')}</div>`;
}

function imageSection(run: RunData): string {
  const groups = new Map<string, typeof run.images>();
  for (const im of run.images) {
    const dir = im.path.includes('/') ? im.path.slice(0, im.path.lastIndexOf('/')) : '.';
    groups.set(dir, [...(groups.get(dir) ?? []), im]);
  }
  return [...groups]
    .map(
      ([dir, list]) =>
        `<h3>${escapeHtml(dir)}</h3><div class="images">${list
          .map((im) =>
            im.data && im.grid
              ? heatMapFigure(im.path, im.data, im.grid)
              : im.data
                ? `<figure><img src="data:image/png;base64,${im.data.toString('base64')}" alt="${escapeHtml(im.path)}" data-path="${escapeHtml(im.path)}"><figcaption>${escapeHtml(im.path.slice(dir.length + 1) || im.path)}</figcaption></figure>`
                : `<figure><figcaption>${escapeHtml(im.path)} (${formatBytes(im.bytes)}, not embedded: over the size or count limit)</figcaption></figure>`,
          )
          .join('')}</div>`,
    )
    .join('');
}

function otherArtifacts(run: RunData): string {
  return `<ul>${run.otherArtifacts
    .map(
      (a) =>
        `<li>${escapeHtml(a.path)} (${formatBytes(a.bytes)})${a.preview ? `<details><summary>contents</summary><pre>${escapeHtml(a.preview)}</pre></details>` : ''}</li>`,
    )
    .join('')}</ul>`;
}

export interface RunReportOptions {
  /** The page title; defaults to the run directory's name. */
  readonly title?: string;
  readonly generatedAt?: Date;
}

/** The HTML of one run's report. Pure: everything it shows comes from `run`. */
export function renderRunReport(run: RunData, options: RunReportOptions = {}): string {
  const title = options.title ?? `kd run — ${basename(run.dir)}`;
  const d = describeRun(run);
  const body: string[] = [];
  body.push(
    `<header><h1>${escapeHtml(title)} ${statusBadge(run)}</h1><p class="subtitle">${escapeHtml(`${d.distiller} · student ${d.student} · teacher ${d.teacher} · ${d.dataset}`)}<br>${escapeHtml(run.dir)} · report generated ${escapeHtml((options.generatedAt ?? new Date()).toISOString())}</p></header>`,
  );
  body.push(statusBanner(run));
  body.push(nonFiniteBanner(run));
  if (run.runWarnings.length) body.push(section('run-warnings', 'Training warnings', runWarningsSection(run)));
  body.push(section('overview', 'Overview', overview(run)));
  const notFinal =
    run.status === 'finished'
      ? ''
      : `<p class="warning not-final" data-status="${run.status}">These numbers are the last evaluation before the run stopped, not the result of the run it was configured to be.</p>`;
  body.push(section('final', finalHeading(run), notFinal + finalTable(run)));
  body.push(section('charts', 'Per epoch', charts(run)));
  if (run.steps.length) body.push(section('steps', 'Per step', stepCharts(run)));
  if (run.confusion.length) body.push(section('confusion', 'Confusion matrices', run.confusion.map(confusionTable).join('')));
  if (run.calibration.length) body.push(section('calibration', 'Calibration', calibrationSection(run)));
  if (run.images.length) body.push(section('images', 'Images from the run', imageSection(run)));
  if (run.epochs.length) body.push(section('epochs', 'Epochs', epochTable(run)));
  if (run.otherArtifacts.length) body.push(section('artifacts', 'Other artefacts', otherArtifacts(run)));
  body.push(section('config', 'Resolved config', `<pre class="config">${escapeHtml(JSON.stringify(run.config, null, 2))}</pre>`));
  body.push(
    section('provenance', 'Provenance', run.provenance ? keyValueTable(run.provenance, 'provenance') : '<p>No provenance.json.</p>'),
  );
  if (run.warnings.length)
    body.push(
      section(
        'warnings',
        'Notes on reading the run directory',
        `<ul class="warning">${run.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
      ),
    );
  return page(title, body.join('\n'));
}
