import { relative } from 'node:path';
import { RunLock, type RunFailureKind } from '@kd/core/host';
import { cellSummary, failureReason } from './cell-state.js';
import type { StudyPlan } from './plan-study.js';
import type { OverrideSet } from './study.js';
import { stat, type Stat } from './stats.js';
import { holmAdjusted } from './holm.js';
import { welchInterval, type MeanDifference } from './welch.js';

/** A difference in a report: Welch's interval and p, and the p adjusted for the report's other comparisons. */
export interface ReportDifference extends MeanDifference {
  /**
   * Holm-adjusted p over the report's distinct comparisons (each pair of groups counted once): below 1 − level, the
   * difference stays significant with the whole table's chance of any false claim held at that level. Absent in
   * reports written before it was computed.
   */
  readonly holm?: number;
}

/** One group of cells that differ only in the seed: the study's unit of comparison. */
export interface ReportGroup {
  readonly group: string;
  readonly base: string;
  readonly overrides: OverrideSet;
  /** Seeds of the finished cells the statistics are over. */
  readonly seeds: readonly (number | null)[];
  /** The metric at the last evaluated epoch, over the finished seeds. */
  readonly last: Stat | null;
  /** The metric at each run's best epoch (as its summary recorded it). */
  readonly best: Stat | null;
  readonly seconds: Stat | null;
  /** Cells of the group, finished or not. */
  readonly cells: readonly number[];
  /**
   * This group's last-epoch metric minus each compared group's (the study's `compare`), with its 95 % Welch interval;
   * null where either side has fewer than two finished seeds. Absent for the compared group itself.
   */
  readonly versus: Readonly<Record<string, ReportDifference | null>>;
}

export interface ReportCell {
  readonly name: string;
  readonly hash: string;
  readonly seed: number | null;
  readonly runDir: string;
  /** `running`: a process holds the cell's run lock now (a report written while the sweep runs). */
  readonly status: 'finished' | 'failed' | 'interrupted' | 'missing' | 'running';
  readonly last?: number;
  readonly best?: { readonly value: number; readonly epoch: number; readonly stage: string };
  readonly reason?: string;
  /**
   * A stopped run's failure kind, from its summary: `diverged` and `non-finite` are final (see `isFinalFailureKind`), so
   * a reader can tell a run that will never finish from one the next sweep resumes without opening its run directory.
   */
  readonly failure?: RunFailureKind;
}

export interface StudyReport {
  readonly format: 'kd-study-report';
  readonly version: 1;
  readonly study: string;
  readonly date: string;
  readonly metric: string;
  /** The groups every other is compared with. */
  readonly compare: readonly string[];
  readonly groups: readonly ReportGroup[];
  readonly cells: readonly ReportCell[];
  /** How many distinct comparisons have an interval: the family Holm's adjustment is over. */
  readonly comparisons?: number;
}

/**
 * Aggregates a planned study's finished cells: mean ± std over seeds per group. A run directory counts only when it
 * holds this cell's run (the plan checked its hash); failed and missing cells are listed, never averaged in.
 */
export function studyReport(plan: StudyPlan, metric = 'student.top1'): StudyReport {
  const cells: ReportCell[] = plan.cells.map((c) => {
    const base = { name: c.name, hash: c.hash, seed: c.seed, runDir: c.runDir };
    if (c.state.kind === 'done') {
      const s = c.state.summary;
      const last = s.final[metric];
      return {
        ...base,
        status: 'finished',
        ...(last !== undefined ? { last } : {}),
        ...(s.best && s.best.metric === metric ? { best: { value: s.best.value, epoch: s.best.epoch, stage: s.best.stage } } : {}),
      };
    }
    const holder = RunLock.holder(c.runDir);
    if (holder)
      return { ...base, status: 'running', reason: `running now (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})` };
    const s = c.state.kind === 'new' ? null : cellSummary(c.runDir);
    const reason = s && failureReason(s);
    if (s && s.status !== 'finished')
      return { ...base, status: s.status, ...(reason ? { reason } : {}), ...(s.failure ? { failure: s.failure.kind } : {}) };
    return {
      ...base,
      status: 'missing',
      reason: c.state.kind === 'new' ? 'not run' : 'stopped without a summary (killed); the next sweep resumes it',
    };
  });
  const order: string[] = [];
  const members = new Map<string, number[]>();
  plan.cells.forEach((c, i) => {
    if (!members.has(c.group)) order.push(c.group);
    members.set(c.group, [...(members.get(c.group) ?? []), i]);
  });
  const lastValues = (group: string) =>
    (members.get(group) ?? []).map((i) => cells[i]!).flatMap((c) => (c.status === 'finished' && c.last !== undefined ? [c.last] : []));
  const groups = order.map((group) => {
    const idx = members.get(group)!;
    const first = plan.cells[idx[0]!]!;
    const { ['training.seed']: _seed, ...overrides } = first.overrides;
    const done = idx.filter((i) => cells[i]!.status === 'finished');
    const seconds = done
      .map((i) => (plan.cells[i]!.state as { summary?: { seconds: number } }).summary?.seconds)
      .filter((x): x is number => typeof x === 'number');
    return {
      group,
      base: relative(plan.study.dir, first.base),
      overrides,
      seeds: done.map((i) => cells[i]!.seed),
      last: stat(done.map((i) => cells[i]!.last).filter((x): x is number => x !== undefined)),
      best: stat(done.map((i) => cells[i]!.best?.value).filter((x): x is number => x !== undefined)),
      seconds: stat(seconds),
      cells: idx,
      versus: Object.fromEntries(
        plan.study.compare.filter((ref) => ref !== group).map((ref) => [ref, welchInterval(lastValues(group), lastValues(ref))]),
      ),
    };
  });
  const { groups: adjusted, comparisons } = withHolm(groups);
  return {
    format: 'kd-study-report',
    version: 1,
    study: plan.study.file,
    date: new Date().toISOString(),
    metric,
    compare: plan.study.compare,
    groups: adjusted,
    cells,
    comparisons,
  };
}

/**
 * Adds Holm-adjusted p-values to every group's differences. The family is the distinct pairs compared: kd vs scratch
 * and scratch vs kd are one test, counted once and given one adjusted p.
 */
export function withHolm(groups: readonly ReportGroup[]): { groups: ReportGroup[]; comparisons: number } {
  const key = (a: string, b: string) => JSON.stringify([a, b].sort());
  const family = new Map<string, number>();
  for (const g of groups) for (const [ref, d] of Object.entries(g.versus)) if (d) family.set(key(g.group, ref), d.p);
  const keys = [...family.keys()];
  const adjusted = new Map(holmAdjusted(keys.map((k) => family.get(k)!)).map((p, i) => [keys[i]!, p]));
  return {
    groups: groups.map((g) => ({
      ...g,
      versus: Object.fromEntries(
        Object.entries(g.versus).map(([ref, d]) => [ref, d ? { ...d, holm: adjusted.get(key(g.group, ref))! } : d]),
      ),
    })),
    comparisons: keys.length,
  };
}

/** `85.12 ± 0.31`: a mean and its standard deviation, in percent. */
/** `84.81 ± 0.62` in percent; one value alone has no spread to show, so it is printed without one (not as ± 0.00). */
export const formatStat = (s: Stat | null | undefined): string =>
  !s ? '—' : s.n < 2 ? (100 * s.mean).toFixed(2) : `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;
/** Whether a difference stays significant after Holm's adjustment over the report's comparisons (the `†` mark). */
export const survivesHolm = (d: ReportDifference): boolean => d.holm !== undefined && d.holm < 1 - d.level;

/** A difference of fractions in signed points: 0.0123 → `+1.23`. */
export const formatPoints = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;

/**
 * `+1.23 [+0.40, +2.06] *†`: the difference in points, its 95 % interval, a star where the interval excludes 0 and a
 * dagger where the difference also survives Holm's adjustment for the report's other comparisons.
 */
export function formatDifference(d: ReportDifference | null | undefined): string {
  if (d === undefined) return '—';
  if (d === null) return 'n/a (< 2 seeds)';
  const holm = survivesHolm(d);
  return `${formatPoints(d.diff)} [${formatPoints(d.lo)}, ${formatPoints(d.hi)}]${d.significant ? ' *' : ''}${holm ? '†' : ''}`;
}

/** The legend of `formatDifference`'s marks, for a page or report that shows them. */
export function differenceLegend(comparisons: number | undefined): string {
  return (
    '* where the interval excludes 0; † where the difference stays significant after Holm’s adjustment for ' +
    (comparisons === undefined ? 'the other comparisons of the table' : `all ${comparisons} comparisons of the table`) +
    ' (at 95 % each, about one in 20 comparisons of methods that do not differ looks significant by chance).'
  );
}

/** The report as Markdown: one table row per group, then the cells that are failed or missing. */
export function reportMarkdown(r: StudyReport): string {
  const out = [
    `# ${r.study}`,
    '',
    '## Groups',
    '',
    `| group | overrides | seeds | last ${r.metric} (%) | best ${r.metric} (%) | seconds |${r.compare.map((c) => ` Δ vs ${c} [95 % CI] |`).join('')}`,
    `|---|---|---|---|---|---|${r.compare.map(() => '---|').join('')}`,
    ...r.groups.map(
      (g) =>
        `| ${g.group} | ${Object.entries(g.overrides)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ')
          .replaceAll(
            '|',
            '\\|',
          )} | ${g.seeds.length}/${g.cells.length} | ${formatStat(g.last)} | ${formatStat(g.best)} | ${g.seconds ? g.seconds.mean.toFixed(1) : '—'} |${r.compare
          .map((c) => ` ${formatDifference(g.versus[c])} |`)
          .join('')}`,
    ),
  ];
  if (r.compare.length)
    out.push(
      '',
      `Δ: difference of mean last-epoch ${r.metric} in points with its 95 % Welch confidence interval over the seeds; ${differenceLegend(r.comparisons)}`,
    );
  const failed = r.cells.filter((c) => c.status === 'failed' || c.status === 'interrupted');
  const missing = r.cells.filter((c) => c.status === 'missing');
  if (failed.length)
    out.push(
      '',
      `## Failed (${failed.length})`,
      '',
      ...failed.map((c) => `- ${c.name} (${c.status}): ${c.reason ?? 'no reason recorded'}`),
    );
  const running = r.cells.filter((c) => c.status === 'running');
  if (running.length) out.push('', `## Running (${running.length})`, '', ...running.map((c) => `- ${c.name}: ${c.reason}`));
  if (missing.length) out.push('', `## Missing (${missing.length})`, '', ...missing.map((c) => `- ${c.name}: ${c.reason}`));
  return `${out.join('\n')}\n`;
}
