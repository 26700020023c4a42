import { barChart } from './bar-chart.js';
import { escapeHtml, formatNumber } from './html.js';
import { welchInterval, type MeanDifference } from '@kd/sweep';
import type { RunData } from './run-data.js';
import { table, type Cell } from './tables.js';

/** A run's student recall per class, from its confusion matrix (non-finite samples count as misses). */
export function studentPerClass(run: RunData): { classNames: readonly string[]; recall: number[] } | undefined {
  const c = run.confusion.find((m) => m.label === 'student');
  if (!c) return undefined;
  const recall = c.matrix.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0) + (c.nonFinite?.[i] ?? 0);
    return n > 0 ? row[i]! / n : NaN;
  });
  return { classNames: c.classNames, recall };
}

/** Config leaves that tell runs apart, but for what only changes the draw of a seed (the seed and the directory). */
function configKey(run: RunData): string {
  const out: string[] = [];
  const walk = (v: unknown, pointer: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, `${pointer}/${k}`);
    else if (pointer !== '/output/dir' && pointer !== '/training/seed') out.push(`${pointer}=${JSON.stringify(v)}`);
  };
  walk(run.config, '');
  return out.sort().join('\n');
}

export interface RunGroup {
  readonly label: string;
  /** Each seed's student recall per class. */
  readonly seeds: readonly (readonly number[])[];
}

/**
 * Runs grouped by their config apart from the seed: several seeds of one setting are one group, whose per-class
 * accuracy has a spread. Runs without a student confusion matrix, or whose classes differ from the first's, are left
 * out (returned by label in `skipped`).
 */
export function groupBySetting(
  runs: readonly RunData[],
  labels: readonly string[],
): { classNames: readonly string[]; groups: RunGroup[]; skipped: string[] } {
  const groups = new Map<string, { label: string; seeds: number[][] }>();
  const skipped: string[] = [];
  let classNames: readonly string[] | undefined;
  runs.forEach((r, i) => {
    const pc = studentPerClass(r);
    if (!pc || (classNames && pc.classNames.join('\u0000') !== classNames.join('\u0000'))) {
      skipped.push(labels[i]!);
      return;
    }
    classNames ??= pc.classNames;
    const key = configKey(r);
    const g = groups.get(key) ?? { label: labels[i]!, seeds: [] };
    g.seeds.push(pc.recall);
    groups.set(key, g);
  });
  const list = [...groups.values()].map((g) => ({
    label: g.seeds.length > 1 ? `${g.label} (${g.seeds.length} seeds)` : g.label,
    seeds: g.seeds,
  }));
  return { classNames: classNames ?? [], groups: list, skipped };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** B − A for one class: Welch's 95 % interval where both sides have two or more seeds, else the plain difference. */
export function classDelta(a: RunGroup, b: RunGroup, k: number): { diff: number; interval: MeanDifference | null } {
  const xa = a.seeds.map((s) => s[k]!);
  const xb = b.seeds.map((s) => s[k]!);
  const interval = welchInterval(xb, xa);
  return { diff: mean(xb) - mean(xa), interval };
}

const points = (x: number) => 100 * x;

/**
 * Per-class accuracy deltas of every setting against the first one (student recall of each class, B − A, in
 * points), with the 95 % interval over seeds where each side has several: a table with the class names and one
 * zero-based bar chart per setting.
 */
export function perClassSection(runs: readonly RunData[], labels: readonly string[]): string {
  const { classNames, groups, skipped } = groupBySetting(runs, labels);
  if (groups.length < 2 || !classNames.length) return '';
  const [base, ...others] = groups as [RunGroup, ...RunGroup[]];
  const deltas = others.map((g) => classNames.map((_, k) => classDelta(base, g, k)));
  const header = ['class', `${base.label} (%)`, ...others.map((g) => `Δ ${g.label} − ${base.label} (points)`)];
  const rows = classNames.map((name, k): Cell[] => [
    name,
    points(mean(base.seeds.map((s) => s[k]!))),
    ...deltas.map((d): Cell => {
      const { diff, interval } = d[k]!;
      const text = `${formatNumber(points(diff))}${interval ? ` [${formatNumber(points(interval.lo))}, ${formatNumber(points(interval.hi))}]` : ''}`;
      return {
        html: `<td class="num" data-value="${points(diff)}"${interval ? ` data-lo="${points(interval.lo)}" data-hi="${points(interval.hi)}"` : ''}>${escapeHtml(text)}</td>`,
      };
    }),
  ]);
  const charts = others.map((g, i) =>
    barChart({
      id: `per-class:${g.label}`,
      title: `Per-class accuracy: ${g.label} − ${base.label}`,
      bars: classNames.map((name, k) => {
        const { diff, interval } = deltas[i]![k]!;
        return { label: name, value: points(diff), ...(interval ? { interval: [points(interval.lo), points(interval.hi)] as const } : {}) };
      }),
      yLabel: 'Δ recall (points)',
      baseline: 'zero',
      errorLabel: deltas[i]!.some((d) => d.interval) ? '95 % Welch interval over seeds' : 'none: a side has fewer than 2 seeds',
      width: Math.max(360, 90 + classNames.length * 56),
    }),
  );
  const note = `<p>Student accuracy on each class (recall: right predictions over the class's test samples), each setting minus ${escapeHtml(base.label)}; runs differing only in their seed are one setting, and with two or more seeds on both sides the brackets give the 95 % Welch interval.${
    skipped.length ? ` Left out (no student confusion matrix, or other classes): ${escapeHtml(skipped.join(', '))}.` : ''
  }</p>`;
  return `${note}${table('per-class', header, rows)}<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`;
}
