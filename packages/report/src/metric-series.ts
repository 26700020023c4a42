import type { StepRecord } from '@kd/core/host';
import type { Series } from './line-chart.js';
import type { EpochRecord, RunData } from './run-data.js';

/** `student.top1` → prefix `student`, family `top1`; a name without a dot is its own family. */
export function splitMetricName(name: string): { prefix: string; family: string } {
  const i = name.indexOf('.');
  return i < 0 ? { prefix: '', family: name } : { prefix: name.slice(0, i), family: name.slice(i + 1) };
}

/**
 * Epochs are numbered across stages (a two-stage run of 3 + 5 epochs plots 1…8), so multi-stage runs read as one
 * timeline; stage boundaries become markers.
 */
export function epochAxis(epochs: readonly EpochRecord[]): { xs: number[]; markers: { x: number; label: string }[] } {
  const xs = epochs.map((_, i) => i + 1);
  const markers: { x: number; label: string }[] = [];
  const stages = new Set(epochs.map((e) => e.stage));
  if (stages.size > 1)
    epochs.forEach((e, i) => {
      if (i === 0 || epochs[i - 1]!.stage !== e.stage) markers.push({ x: i + 0.5, label: e.stage });
    });
  return { xs, markers };
}

function seriesOf(epochs: readonly EpochRecord[], pick: (e: EpochRecord) => number | undefined, name: string): Series {
  const { xs } = epochAxis(epochs);
  const points: [number, number][] = [];
  epochs.forEach((e, i) => {
    const v = pick(e);
    if (typeof v === 'number' && Number.isFinite(v)) points.push([xs[i]!, v]);
  });
  return { name, points };
}

export function lossSeries(epochs: readonly EpochRecord[]): Series[] {
  const keys = [...new Set(epochs.flatMap((e) => Object.keys(e.loss)))];
  // `total` first: it is what the optimiser saw.
  keys.sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));
  return keys.map((k) => seriesOf(epochs, (e) => e.loss[k], k));
}

/** Metric series grouped by family, one series per prefix (student, teacher, agreement, …). */
export function metricFamilies(epochs: readonly EpochRecord[]): Map<string, Series[]> {
  const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))].sort();
  const families = new Map<string, Series[]>();
  for (const n of names) {
    const { prefix, family } = splitMetricName(n);
    const list = families.get(family) ?? [];
    list.push(seriesOf(epochs, (e) => e.metrics[n], prefix || n));
    families.set(family, list);
  }
  return families;
}

/**
 * Where each steps.jsonl line sits on the epoch axis of the per-epoch charts: epoch n of the run (across stages) ends
 * at x = n, so an interval ending at step k of s in it is at n − 1 + k/s.
 */
export function stepAxis(steps: readonly StepRecord[]): number[] {
  const order = new Map<string, number>();
  return steps.map((r) => {
    const key = `${r.stage}\u0000${r.epoch}`;
    if (!order.has(key)) order.set(key, order.size);
    return order.get(key)! + r.step / Math.max(1, r.steps);
  });
}

function stepSeries(steps: readonly StepRecord[], pick: (r: StepRecord) => number | undefined, name: string): Series {
  const xs = stepAxis(steps);
  const points: [number, number][] = [];
  steps.forEach((r, i) => {
    const v = pick(r);
    if (typeof v === 'number' && Number.isFinite(v)) points.push([xs[i]!, v]);
  });
  return { name, points };
}

/** One series per loss term of steps.jsonl, `total` first. */
export function stepLossSeries(steps: readonly StepRecord[]): Series[] {
  const keys = [...new Set(steps.flatMap((r) => Object.keys(r.loss)))];
  keys.sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));
  return keys.map((k) => stepSeries(steps, (r) => r.loss[k], k));
}

/** One series per extra scalar the distiller logged. */
export function stepScalarSeries(steps: readonly StepRecord[]): Series[] {
  const keys = [...new Set(steps.flatMap((r) => Object.keys(r.scalars ?? {})))].sort();
  return keys.map((k) => stepSeries(steps, (r) => r.scalars?.[k], k));
}

export function stepTrainSeries(steps: readonly StepRecord[]): Series {
  return stepSeries(steps, (r) => r.trainTop1, 'train (per interval)');
}

/** Training accuracy per epoch. */
export function trainSeries(epochs: readonly EpochRecord[]): Series {
  return seriesOf(epochs, (e) => e.train?.top1, 'student (train)');
}

export function lrSeries(epochs: readonly EpochRecord[]): Series {
  return seriesOf(epochs, (e) => e.lr, 'lr');
}

export function throughputSeries(epochs: readonly EpochRecord[]): Series {
  return seriesOf(epochs, (e) => e.time?.imagesPerSecond, 'img/s');
}

/** The run's final metrics: summary.json's when finished, else the last evaluated epoch's. */
export function finalMetrics(run: RunData): Record<string, number> {
  const fromSummary = run.summary?.['final'];
  if (fromSummary && typeof fromSummary === 'object') return { ...(fromSummary as Record<string, number>) };
  for (let i = run.epochs.length - 1; i >= 0; i--) if (Object.keys(run.epochs[i]!.metrics).length) return { ...run.epochs[i]!.metrics };
  return {};
}

/** A value at a JSON path of an object, or undefined. */
export function at(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const k of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A one-line description of a run: distiller, student ← teacher, dataset. */
export function describeRun(run: RunData): { distiller: string; student: string; teacher: string; dataset: string } {
  const backbone = (slot: string) => {
    const b = at(run.config, slot, 'backbone');
    if (!b || typeof b !== 'object') return '—';
    const { name, ...rest } = b as Record<string, unknown>;
    const opts = Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return `${String(name)}${opts.length ? ` (${opts.join(', ')})` : ''}`;
  };
  const distiller = at(run.config, 'distiller', 'name');
  const dataset = at(run.config, 'dataset');
  const ds = dataset && typeof dataset === 'object' ? (dataset as Record<string, unknown>) : {};
  // A reconstructed method (its paper's exact loss or recipe was not available) is never shown without saying so.
  const reconstruction = run.provenance?.['reconstruction'] !== undefined ? ' (reconstruction)' : '';
  return {
    distiller: typeof distiller === 'string' ? `${distiller}${reconstruction}` : 'none (trained from labels)',
    student: backbone('student'),
    teacher: backbone('teacher'),
    dataset: [ds['name'], ds['preset']].filter((x) => typeof x === 'string').join(' / ') || '—',
  };
}
