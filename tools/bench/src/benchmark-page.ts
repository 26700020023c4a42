// docs/benchmarks.md from the benchmark study (configs/benchmark/, written by tools/configs/benchmark-configs.mjs): the
// protocol (data, networks with their size, recipe, epochs, seeds, commit, backend, threads), every row's mean ± std
// with its 95 % Welch interval against scratch and against KD, the learning curve that fixed the epochs, and any cell
// that did not finish. Everything is read from the study's report.json (`kd sweep … --report`) and the cells' run
// directories; nothing is typed in.
//
// It writes the HTML twin beside it (docs/benchmarks.html): the same Markdown rendered, and a chart of each row's
// difference to scratch with its 95 % interval as error bars, on an axis through zero.
//
//   node tools/bench/benchmark-page.mjs [--study configs/benchmark/study.json] [--budget configs/benchmark/epochs.json]
//                                       [--wide configs/benchmark/wide.json] [--out docs/benchmarks.md]
//                                       [--root <the checkout the study ran in>]
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PipelineConfig, PluginSpec } from '@kd/core';
import { readMetrics, readProvenance, readRunSummary, type EpochRecord, type Provenance, type RunSummary } from '@kd/core/host';
import type { StudyPageOptions } from '@kd/report';
import {
  differenceLegend,
  formatDifference,
  formatPoints,
  formatStat,
  survivesHolm,
  isFinalFailureKind,
  welchInterval,
  type ReportCell,
  type ReportDifference,
  type ReportGroup,
  type StudyReport,
} from '@kd/sweep';
import { REPO_ROOT as root } from './paths.js';

/** What the page reads of the study file: its seeds and where its output root is. */
export interface StudyFileJson {
  readonly seeds?: readonly number[];
  readonly output: string;
}

/** A finished cell with what its run directory holds. */
export interface FinishedRun extends ReportCell {
  readonly status: 'finished';
  readonly provenance: Provenance;
  readonly summary: RunSummary;
  readonly config: PipelineConfig;
  readonly epochs: readonly EpochRecord[];
}

/**
 * A cell that did not finish: the report's word on it, and, when it diverged, its provenance (a diverged run stopped for
 * good: the same seed on the same code diverges again, so the row must say so, labelled as its runs were, rather than
 * wait for it).
 */
export interface UnfinishedRun extends ReportCell {
  readonly provenance: Provenance | null;
  readonly epochs: readonly [];
}

export type StudyRun = FinishedRun | UnfinishedRun;

const isFinished = (r: StudyRun): r is FinishedRun => r.status === 'finished';
/** Whether a report's cell stopped for good (diverged): the report records its failure kind. */
const isDiverged = (c: ReportCell): boolean => c.status === 'failed' && isFinalFailureKind(c.failure);

/** A row's seed count, with how many of its runs diverged. */
const seedsCell = (g: ReportGroup, diverged: number): string =>
  `${g.seeds.length}/${g.cells.length}${diverged ? `, ${diverged} diverged` : ''}`;
/** A row's top-1: mean ± std over its finished runs, or `diverged` when every run that ended diverged. */
const top1Cell = (g: ReportGroup, diverged: number): string => (!g.last && diverged ? 'diverged' : formatStat(g.last));

/** What the page is made from (readStudyResults). */
export interface StudyResults {
  readonly studyFile: string;
  readonly study: StudyFileJson;
  readonly report: StudyReport;
  readonly runs: readonly StudyRun[];
  readonly teacherRun: { readonly summary: RunSummary; readonly config: PipelineConfig } | null;
  /** The epoch-budget study (configs/benchmark/epochs.json): its file and report, or null report before it has run. */
  readonly budget?: SideStudy;
  /** The wider student's column (configs/benchmark/wide.json), the same way. */
  readonly wide?: SideStudy;
}

/** A study the page shows beside the main one: its file, and its report once `kd sweep … --report` has written one. */
export interface SideStudy {
  readonly studyFile: string;
  readonly report: StudyReport | null;
}

/** The side studies to show with the main one. */
export interface SideStudyFiles {
  readonly budget?: string;
  readonly wide?: string;
}

export interface PageOptions {
  /** Paths on the page are relative to this directory (the repository root). */
  readonly relativeTo?: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const count = (n: number | null): string =>
  n === null ? '—' : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '—' : (a / b).toFixed(1));

/** A run's summary.json, which every finished cell has (the report said it finished). */
function summaryOf(dir: string): RunSummary {
  const s = readRunSummary(dir);
  if (!s) throw new Error(`${dir}: no summary.json, although the study's report lists the cell as finished`);
  return s;
}

/**
 * What the page is made from, gathered from disk: the report, and per group the run directories of its finished
 * cells (their provenance, summary and per-epoch metrics), plus the teacher's run.
 */
export function readStudyResults(studyFile: string, side: SideStudyFiles = {}): StudyResults {
  const study = readJson<StudyFileJson>(studyFile);
  const studyRoot = resolve(dirname(studyFile), study.output);
  const report = readJson<StudyReport>(join(studyRoot, 'report.json'));
  const runs = report.cells.map((c): StudyRun => {
    if (c.status !== 'finished') {
      const provenance = isDiverged(c) && existsSync(join(c.runDir, 'provenance.json')) ? readProvenance(c.runDir) : null;
      return { ...c, provenance, epochs: [] };
    }
    return {
      ...c,
      status: 'finished',
      provenance: readProvenance(c.runDir),
      summary: summaryOf(c.runDir),
      config: readJson<PipelineConfig>(join(c.runDir, 'config.json')),
      epochs: readMetrics(c.runDir),
    };
  });
  // A run's relative paths resolve against the directory of the config it was started from (provenance.baseDir).
  const withTeacher = runs.filter(isFinished).find((r) => r.config.teacher);
  const teacherDir = withTeacher ? resolve(withTeacher.provenance.baseDir, withTeacher.config.teacher!.weights) : null;
  const teacherSummary = teacherDir ? readRunSummary(teacherDir) : null;
  const teacherRun =
    teacherDir && teacherSummary ? { summary: teacherSummary, config: readJson<PipelineConfig>(join(teacherDir, 'config.json')) } : null;
  return {
    studyFile,
    study,
    report,
    runs,
    teacherRun,
    ...(side.budget ? { budget: readSideStudy(side.budget) } : {}),
    ...(side.wide ? { wide: readSideStudy(side.wide) } : {}),
  };
}

/** A side study's report, when `kd sweep … --report` has written one. */
function readSideStudy(studyFile: string): SideStudy {
  const study = readJson<StudyFileJson>(studyFile);
  const file = join(resolve(dirname(studyFile), study.output), 'report.json');
  return { studyFile, report: existsSync(file) ? readJson<StudyReport>(file) : null };
}

/**
 * A side study's finished cells, by index, with their provenance (each file read once) and the commits they ran at: the
 * "in progress" line and the commit the epoch-budget and wider-student sections show.
 */
function finishedCells(report: StudyReport): {
  provenance: Map<number, Provenance>;
  diverged: Set<number>;
  progress: string[];
  commits: string;
} {
  const provenance = new Map(report.cells.flatMap((c, i) => (c.status === 'finished' ? [[i, readProvenance(c.runDir)] as const] : [])));
  const diverged = new Set(report.cells.flatMap((c, i) => (isDiverged(c) ? [i] : [])));
  const commits = [...new Set([...provenance.values()].map((p) => p.gitSha ?? 'unknown'))];
  return {
    provenance,
    diverged,
    progress:
      provenance.size + diverged.size < report.cells.length
        ? [`In progress: ${progressCount(provenance.size, diverged.size, report.cells.length)}.`, '']
        : [],
    commits: commits.map((c) => `\`${c}\``).join(', ') || '—',
  };
}

const progressCount = (finished: number, diverged: number, all: number): string =>
  `${finished} of ${all} runs finished${diverged ? `, ${diverged} diverged` : ''}`;

/**
 * The epoch-budget table: per budget, each method's final top-1 (mean ± std over its seeds). Groups are named
 * `<method>-epochs<n>` by the study's `epochs` axis.
 */
function budgetLines(budget: SideStudy, epochs: readonly number[], relativeTo: string): string[] {
  const head = [
    '',
    '## Epoch budget',
    '',
    `How the table’s ${epochs.join(', ')} epochs were chosen: a curve inside one cosine run cannot say whether more epochs would`,
    'help (the rate reaches 0 at the end whatever the budget), so scratch and KD are also trained for each budget with its',
    `own full schedule (\`${relative(relativeTo, budget.studyFile)}\`), and the final top-1 is compared across budgets.`,
    '',
  ];
  if (!budget.report)
    return [
      ...head,
      `Not run yet: \`npm run kd -- sweep ${relative(relativeTo, budget.studyFile)} --jobs 2\`, then the same with \`--report\`, then this page.`,
    ];
  const cells = new Map<number, Map<string, ReportGroup>>();
  const methods: string[] = [];
  for (const g of budget.report.groups) {
    const m = /^(.+)-epochs(\d+)$/.exec(g.group);
    if (!m) continue;
    if (!methods.includes(m[1]!)) methods.push(m[1]!);
    const row = cells.get(Number(m[2])) ?? new Map<string, ReportGroup>();
    cells.set(Number(m[2]), row.set(m[1]!, g));
  }
  const { progress, commits } = finishedCells(budget.report);
  // Each later method against the first (the study's first base: scratch), per budget, from the cells' own values.
  const [reference, ...others] = methods;
  const values = (g: ReportGroup | undefined) =>
    (g?.cells ?? []).map((i) => budget.report!.cells[i]!).flatMap((c) => (c.status === 'finished' && c.last !== undefined ? [c.last] : []));
  return [
    ...head,
    ...progress,
    `Commit: ${commits}. Δ: points, with the 95 % Welch interval over the seeds.`,
    '',
    `| epochs | ${methods.map((m) => `${m} top-1 % (mean ± std, seeds)`).join(' | ')} |${others.map((m) => ` Δ ${m} vs ${reference} [95 % CI] |`).join('')}`,
    `|---:|${methods.map(() => '---:|').join('')}${others.map(() => '---:|').join('')}`,
    ...[...cells.keys()]
      .sort((x, y) => x - y)
      .map((e) => {
        const row = cells.get(e)!;
        const stats = methods.map((m) => {
          const g = row.get(m);
          return g?.last ? `${formatStat(g.last)} (${g.seeds.length})` : '—';
        });
        const deltas = others.map((m) => formatDifference(welchInterval(values(row.get(m)), values(row.get(reference!)))));
        return `| ${e} | ${stats.join(' | ')} |${deltas.map((d) => ` ${d} |`).join('')}`;
      }),
  ];
}

/**
 * The wider student's column: per row of the wide study, the main table's top-1 beside the wider student's, and the
 * wider student's Δ vs scratch and vs KD from the wide study's own report (its own seeds and intervals).
 */
function wideLines(wide: SideStudy, main: StudyReport, relativeTo: string): string[] {
  const file = relative(relativeTo, wide.studyFile);
  const head = [
    '',
    '## A wider student',
    '',
    'With a student this small, distilling may not help however strong the teacher is. This column trains some of the',
    `rows again with a wider student (\`${file}\`), everything else as above, to ask whether a row's standing depends on`,
    'the student’s capacity. It was fixed from scratch and KD alone, before the other rows of the table were read.',
    '',
  ];
  if (!wide.report)
    return [...head, `Not run yet: \`npm run kd -- sweep ${file} --jobs 2\`, then the same with \`--report\`, then this page.`];
  const report = wide.report;
  const { provenance, diverged, progress, commits } = finishedCells(report);
  const finished = [...provenance.keys()].map((i) => report.cells[i]!);
  const sample = finished.map((c) => c.runDir).find((d) => existsSync(join(d, 'config.json')));
  const config = sample ? readJson<PipelineConfig>(join(sample, 'config.json')) : undefined;
  // Sizes from the first run that had a teacher; the rest are not read.
  let sized: RunSummary | null = null;
  for (const c of finished) {
    const s = readRunSummary(c.runDir);
    if (s?.teacherParams) {
      sized = s;
      break;
    }
  }
  const mainGroup = new Map(main.groups.map((g) => [g.group, g]));
  const reconstruction = (g: ReportGroup) => g.cells.some((i) => provenance.get(i)?.reconstruction);
  const divergedOf = (g: ReportGroup) => g.cells.filter((i) => diverged.has(i)).length;
  return [
    ...head,
    ...progress,
    `Student: ${network(config?.student.backbone)}` +
      (sized
        ? `, ${count(sized.studentParams)} parameters (teacher ÷ student ${ratio(sized.teacherParams, sized.studentParams)}×), ${count(sized.studentFlops)} FLOPs (${ratio(sized.teacherFlops, sized.studentFlops)}×)`
        : '') +
      `. Commit: ${commits}. Δ: points, with the 95 % Welch interval over the seeds` +
      (report.comparisons !== undefined
        ? `; marks as above, Holm’s adjustment over this column’s own ${report.comparisons} comparisons.`
        : '.'),
    '',
    `| method | top-1 % main table | top-1 % wider student | ${report.compare.map((c) => `Δ vs ${c} [95 % CI]`).join(' | ')} | seeds |`,
    `|---|---:|---:|${report.compare.map(() => '---:|').join('')}---:|`,
    ...report.groups.map(
      (g) =>
        `| ${g.group}${reconstruction(g) ? ' (reconstruction)' : ''} | ${formatStat(mainGroup.get(g.group)?.last)} | ${top1Cell(g, divergedOf(g))} | ${report.compare
          .map((c) => (c === g.group ? '—' : formatDifference(g.versus?.[c])))
          .join(' | ')} | ${seedsCell(g, divergedOf(g))} |`,
    ),
  ];
}

/**
 * What each row trains, read from its base config (the study's `base` entry): the distiller section as written there,
 * so a reader sees every weight behind a number, then what the table can and cannot say.
 */
function rowLines(studyFile: string, report: StudyReport, relativeTo: string): string[] {
  const dir = dirname(studyFile);
  const distiller = (g: ReportGroup, file: string): string => {
    if (!existsSync(file)) return '—';
    const spec = readJson<Pick<PipelineConfig, 'distiller'>>(file).distiller;
    const overrides = Object.entries(g.overrides ?? {}).map(([k, v]) => ` with ${k} = ${JSON.stringify(v)}`);
    return (spec ? network(spec) : 'none: the student from the labels alone') + overrides.join('');
  };
  return [
    '',
    '## What each row runs',
    '',
    'The distiller section of each row’s config, as the study’s runs read it; everything else is the protocol above.',
    '',
    '| row | config | distiller |',
    '|---|---|---|',
    ...report.groups.map((g) => {
      const file = resolve(dir, g.base);
      return `| ${g.group} | \`${relative(relativeTo, file)}\` | ${distiller(g, file)} |`;
    }),
    '',
    '## Reading the table',
    '',
    '- The losses are checked against PyTorch, not against kd itself: each distiller package compares its loss and',
    '  gradients with fixtures computed in PyTorch (from the reference implementation where one exists; for the',
    '  reconstructions, from the formulas their READMEs write out), and',
    '  `packages/backbone-resnet/test/recipe-replay.spec.ts` replays whole training steps (CE, KD, DKD) against PyTorch',
    '  under this recipe. A row under scratch is a measured outcome of the method with this student and recipe.',
    '- Loss weights are the literature’s CIFAR-100 values (mdistiller, RepDistiller) where it gives them, epoch-counted',
    '  options scaled to the schedule. Where it gives none (IE-KD’s λ_inh and λ_exp, the reconstructions’ options) or',
    '  the network family differs (FT’s β), the value is this repository’s, as its package README and the row’s config',
    '  description say. None was tuned for this student or this dataset: tuned, a method may rank differently, and the',
    '  table does not say how.',
    '- The student is far smaller than its teacher (see the protocol). Distillation is known to help less as that gap',
    '  grows (Cho & Hariharan, ICCV 2019; Mirzadeh et al., AAAI 2020); the wider-student column asks how much of a',
    '  row’s standing is the gap.',
  ];
}

/**
 * Every run's final top-1, by row and seed: the values the means, standard deviations and intervals above are computed
 * from, so a reader can check them or apply another test.
 */
function perSeedLines(report: StudyReport, runs: readonly StudyRun[], studySeeds: readonly number[] | undefined): string[] {
  const seeds = studySeeds ?? [...new Set(runs.map((r) => r.seed))].filter((x): x is number => x !== null);
  const value = (r: StudyRun | undefined): string =>
    !r ? '' : isFinished(r) && r.last !== undefined ? (100 * r.last).toFixed(2) : isDiverged(r) ? 'diverged' : '—';
  return [
    '',
    '## Per seed',
    '',
    `Each run’s ${report.metric} (%) at the last epoch; — where the run has not finished.`,
    '',
    `| row | ${seeds.map((x) => `seed ${x}`).join(' | ')} |`,
    `|---|${seeds.map(() => '---:|').join('')}`,
    ...report.groups.map((g) => {
      const bySeed = new Map(g.cells.map((i) => [runs[i]!.seed, runs[i]!] as const));
      return `| ${g.group} | ${seeds.map((x) => value(bySeed.get(x))).join(' | ')} |`;
    }),
  ];
}

/** The mean of a metric per epoch over a group's finished runs (runs of unequal length: the epochs they share). */
function meanCurve(runs: readonly FinishedRun[], metric: string): number[] {
  const curves = runs.map((r) => r.epochs.filter((e) => e.metrics?.[metric] !== undefined).map((e) => e.metrics[metric]!));
  const n = Math.min(...curves.map((c) => c.length));
  if (!curves.length || !Number.isFinite(n)) return [];
  return Array.from({ length: n }, (_, i) => curves.reduce((a, c) => a + c[i]!, 0) / curves.length);
}

/**
 * The table read out: per compared row, which rows are above it, level with it and below it, by the intervals the table
 * shows. Computed, so it can never disagree with the numbers; a reader still has to ask why.
 */
function shortLines(
  order: readonly ReportGroup[],
  report: StudyReport,
  label: (g: ReportGroup) => string,
  divergedOf: (g: ReportGroup) => number,
): string[] {
  const named = (g: ReportGroup, d: ReportDifference) => {
    const partial = g.seeds.length + divergedOf(g) < g.cells.length ? ` (${g.seeds.length}/${g.cells.length} seeds)` : '';
    return `${label(g)} ${formatPoints(d.diff)}${survivesHolm(d) ? '†' : ''}${partial}`;
  };
  const versus = (ref: string) => {
    const rows = order.flatMap((g) => (g.group !== ref && g.versus?.[ref] ? [[g, g.versus[ref]] as const] : []));
    const part = (what: string, pick: (d: ReportDifference) => boolean) => {
      const hits = rows.filter(([, d]) => pick(d));
      return `${what}: ${hits.length ? hits.map(([g, d]) => named(g, d)).join(', ') : 'none'}`;
    };
    return `- **vs ${ref}**: ${[
      part('above', (d) => d.significant && d.diff > 0),
      part('level (the interval includes 0)', (d) => !d.significant),
      part('below', (d) => d.significant && d.diff < 0),
    ].join('; ')}.`;
  };
  const divergedRows = order.filter((g) => divergedOf(g) > 0);
  const pending = order.filter((g) => report.compare.every((c) => c === g.group || !g.versus?.[c]) && !divergedRows.includes(g));
  return [
    '',
    '## In short',
    '',
    'The table read out, in points: a row is above or below another when the 95 % interval of their difference excludes 0',
    '(† where that survives Holm’s adjustment), level otherwise; “level” means this many seeds cannot tell them apart, not',
    'that they are equal. Rows still missing seeds say how many they have.',
    '',
    ...report.compare.map(versus),
    ...(divergedRows.length
      ? [`- **Diverged**: ${divergedRows.map((g) => `${label(g)} in ${divergedOf(g)} of ${g.cells.length} seeds`).join(', ')}.`]
      : []),
    ...(pending.length ? [`- **Not yet comparable** (fewer than 2 seeds): ${pending.map(label).join(', ')}.`] : []),
  ];
}

/**
 * Which rows' finished runs ran at which commit, for a table that mixes code versions: `sha`: rows, a row split across
 * commits listed under each with its share of runs.
 */
function commitsByRow(
  groups: readonly ReportGroup[],
  byGroup: ReadonlyMap<string, readonly FinishedRun[]>,
  label: (g: ReportGroup) => string,
): string {
  const sha = (r: FinishedRun) => r.provenance.gitSha ?? 'unknown';
  const order = [...new Set(groups.flatMap((g) => (byGroup.get(g.group) ?? []).map(sha)))];
  return order
    .map((c) => {
      const rows = groups.flatMap((g) => {
        const all = byGroup.get(g.group) ?? [];
        const here = all.filter((r) => sha(r) === c).length;
        return here === 0 ? [] : [here === all.length ? label(g) : `${label(g)} (${here} of ${all.length} runs)`];
      });
      return `\`${c.slice(0, 10)}\` ${rows.join(', ')}`;
    })
    .join('; ');
}

/** The page, as Markdown. Pure: everything it shows comes from `input` (readStudyResults). */
export function benchmarkMarkdown(input: StudyResults, { relativeTo = root }: PageOptions = {}): string {
  const { studyFile, study, report, runs, teacherRun } = input;
  const finished = runs.filter(isFinished);
  const byGroup = new Map(report.groups.map((g) => [g.group, g.cells.map((i) => runs[i]!).filter(isFinished)]));
  const first = finished[0];
  const commits = [...new Set(finished.map((r) => r.provenance.gitSha ?? 'unknown'))];
  const backends = [...new Set(finished.map((r) => `${r.provenance.backend.name}, ${r.provenance.backend.threads ?? '?'} thread(s)`))];
  const epochs = [...new Set(finished.map((r) => r.config.training.epochs))];
  // Sizes from a run that had a teacher (a scratch run's summary has no teacher to count).
  const summary = (finished.find((r) => r.config.teacher) ?? first)?.summary;
  const teacherTop1 = teacherRun?.summary.final['student.top1'];
  const scratch = report.groups.find((g) => g.group === 'scratch');
  const reconstruction = (g: ReportGroup) => g.cells.some((i) => runs[i]!.provenance?.reconstruction);
  const label = (g: ReportGroup) => `${g.group}${reconstruction(g) ? ' (reconstruction)' : ''}`;
  const divergedOf = (g: ReportGroup) => g.cells.filter((i) => isDiverged(runs[i]!)).length;
  const diverged = runs.filter(isDiverged).length;

  const lines = [
    '# Benchmark',
    '',
    `Generated by \`node tools/bench/benchmark-page.mjs\` from the study \`${relative(relativeTo, studyFile)}\` (run with`,
    '`kd sweep … --jobs 2`, aggregated with `kd sweep … --report`); do not edit by hand. Every number below is read from',
    'the study’s report and its run directories.',
    ...(finished.length + diverged < runs.length
      ? [
          '',
          `> **In progress: ${progressCount(finished.length, diverged, runs.length)}.** Rows with fewer seeds than the study's`,
          '> are provisional and rows with none are empty; rerunning the sweep continues the rest (finished runs are',
          '> skipped), and this page is regenerated from the same study.',
        ]
      : []),
    '',
    '## Protocol',
    '',
    `- **Data**: ${first ? describeDataset(first.config.dataset) : '—'}; top-1 on the whole test split at the last epoch.`,
  ];
  if (summary) {
    lines.push(
      `- **Teacher**: ${network(finished.find((r) => r.config.teacher)?.config.teacher?.backbone ?? teacherRun?.config.student.backbone)}, ${count(summary.teacherParams)} parameters, ` +
        `${count(summary.teacherFlops)} FLOPs per image${teacherTop1 !== undefined ? `; ${(100 * teacherTop1).toFixed(2)} % after ${teacherRun!.config.training.epochs} epochs` : ''}.`,
      `- **Student**: ${network(first!.config.student.backbone)}, ${count(summary.studentParams)} parameters (teacher ÷ student ${ratio(summary.teacherParams, summary.studentParams)}×), ` +
        `${count(summary.studentFlops)} FLOPs (${ratio(summary.teacherFlops, summary.studentFlops)}×)` +
        (scratch?.last ? `; trained alone ${formatStat(scratch.last)} %` : '') +
        (scratch?.last && teacherTop1 !== undefined
          ? `, so the teacher leads it by ${(100 * (teacherTop1 - scratch.last.mean)).toFixed(2)} points.`
          : '.'),
      `- **Recipe**: ${recipe(first!.config.training)}; epochs: ${epochs.join(', ')} (see the learning curve${input.budget ? ' and the epoch budget' : ''} below).`,
    );
  }
  lines.push(
    `- **Seeds**: ${study.seeds?.join(', ') ?? 'as configured'} per row. **Commit**: ${commits.length === 1 ? `\`${commits[0]}\` for every run` : `**${commits.length} different commits** (${commits.map((c) => `\`${c.slice(0, 10)}\``).join(', ')}): this table mixes code versions`}.`,
    ...(commits.length > 1 ? [`- **Commit of each row**: ${commitsByRow(report.groups, byGroup, label)}.`] : []),
    `- **Backend**: ${backends.join('; ')}${first ? `; Node ${first.provenance.node}, ${first.provenance.platform}` : ''}.`,
    '- **s/run**: wall-clock seconds per run on a shared 2-core machine, pauses included: a rough cost, not a timing.',
    `- **Differences**: Δ is the difference of mean top-1 in points with its 95 % Welch confidence interval over the seeds;`,
    `  ${differenceLegend(report.comparisons)} Rows marked *reconstruction* test this repository’s reconstruction of a`,
    '  method whose exact loss or recipe could not be obtained, not the paper’s method.',
    '- **Diverged runs**: a run whose loss became NaN or infinite stops there and is counted in its row’s seeds column,',
    '  never averaged in (the same seed on the same code diverges again); where each stopped is listed at the end.',
    '',
    '## Results',
    '',
    `| method | top-1 % (mean ± std) | ${report.compare.map((c) => `Δ vs ${c} [95 % CI]`).join(' | ')} | seeds | s/run |`,
    `|---|---:|${report.compare.map(() => '---:|').join('')}---:|---:|`,
  );
  const order = [...report.groups].sort((a, b) => {
    const rank = (g: ReportGroup) => (g.group === 'scratch' ? 0 : g.group === 'kd' ? 1 : 2);
    return rank(a) - rank(b) || (b.last?.mean ?? -1) - (a.last?.mean ?? -1);
  });
  for (const g of order)
    lines.push(
      `| ${label(g)} | ${top1Cell(g, divergedOf(g))} | ${report.compare.map((c) => (c === g.group ? '—' : formatDifference(g.versus?.[c]))).join(' | ')} | ${seedsCell(g, divergedOf(g))} | ${g.seconds ? g.seconds.mean.toFixed(0) : '—'} |`,
    );
  lines.push(...shortLines(order, report, label, divergedOf));
  const curves = ['scratch', 'kd']
    .filter((g) => byGroup.get(g)?.length)
    .map((g) => [g, meanCurve(byGroup.get(g)!, report.metric)] as const);
  if (curves.length) {
    const n = Math.max(...curves.map(([, c]) => c.length));
    lines.push(
      '',
      '## Learning curve',
      '',
      `Mean test top-1 % after each epoch over the seeds (the schedule is cosine over all ${epochs.join(', ')} epochs, so a`,
      'flat end means the runs have converged under it).',
      '',
      `| epoch | ${curves.map(([g]) => g).join(' | ')} |`,
      `|---:|${curves.map(() => '---:|').join('')}`,
      ...Array.from(
        { length: n },
        (_, i) => `| ${i + 1} | ${curves.map(([, c]) => (c[i] !== undefined ? (100 * c[i]).toFixed(2) : '—')).join(' | ')} |`,
      ),
    );
  }
  lines.push(...rowLines(studyFile, report, relativeTo));
  if (input.wide) lines.push(...wideLines(input.wide, report, relativeTo));
  if (input.budget) lines.push(...budgetLines(input.budget, epochs, relativeTo));
  lines.push(...perSeedLines(report, runs, study.seeds));
  const unfinished = runs.filter((r) => !isFinished(r));
  // Cells the sweep has not reached yet are counted, not listed: the list is for runs that started and stopped.
  const notRun = unfinished.filter((r) => r.reason === 'not run');
  const stopped = unfinished.filter((r) => r.reason !== 'not run');
  if (unfinished.length)
    lines.push(
      '',
      `## Not finished (${unfinished.length})`,
      '',
      ...stopped.map((r) => `- ${r.name} (${r.status}): ${r.reason ?? 'no reason recorded'}`),
      ...(notRun.length ? [`- ${notRun.length} not run yet.`] : []),
    );
  return `${lines.join('\n')}\n`;
}

/**
 * The page as HTML: the Markdown of `benchmarkMarkdown` rendered, with the chart of each row's Δ vs scratch (points,
 * 95 % interval where both sides have two or more seeds) closing the results section. `renderStudyPage` comes from
 * @kd/report, passed in so that this module loads without it.
 */
export function benchmarkHtml(
  input: StudyResults,
  renderStudyPage: (options: StudyPageOptions) => string,
  options: PageOptions = {},
): string {
  const markdown = benchmarkMarkdown(input, options);
  const rows = input.report.groups.filter((g) => g.group !== 'scratch' && g.versus && 'scratch' in g.versus && g.last);
  const scratch = input.report.groups.find((g) => g.group === 'scratch');
  const differences = rows.map((g) => {
    const d = g.versus['scratch'];
    const diff = d ? d.diff : g.last!.mean - (scratch?.last?.mean ?? NaN);
    return { label: g.group, diff: 100 * diff, ...(d ? { lo: 100 * d.lo, hi: 100 * d.hi } : {}) };
  });
  return renderStudyPage({ title: 'kd benchmark', markdown, section: 'Results', reference: 'scratch', differences });
}

function describeDataset(d: PluginSpec): string {
  if (d['name'] === 'idx' && d['source'] === 'system') {
    const preset = typeof d['preset'] === 'string' ? d['preset'] : 'fashion-mnist';
    return `the full ${preset === 'mnist' ? 'MNIST' : 'Fashion-MNIST'} (Debian's dataset-${preset}: 60,000 training and 10,000 test images)${d['trainLimit'] ? `, training on the first ${String(d['trainLimit'])}` : ''}`;
  }
  return JSON.stringify(d);
}

function network(b: PluginSpec | undefined): string {
  if (!b) return '—';
  const { name, ...rest } = b;
  return `\`${name} ${JSON.stringify(rest).replace(/"/g, '')}\``;
}

function recipe(t: PipelineConfig['training']): string {
  const o = t.optimizer;
  const decay = o.weightDecay
    ? `, weight decay ${o.weightDecay} on ${o.weightDecayOn === 'kernels' ? 'kernels only' : 'every parameter'}`
    : '';
  return `${o.type.toUpperCase()} lr ${o.lr}${o.momentum ? `, momentum ${o.momentum}` : ''}${decay}, batch ${t.batchSize}, ${t.schedule?.type ?? 'constant'} schedule`;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      study: { type: 'string', default: join(root, 'configs/benchmark/study.json') },
      budget: { type: 'string', default: join(root, 'configs/benchmark/epochs.json') },
      wide: { type: 'string', default: join(root, 'configs/benchmark/wide.json') },
      out: { type: 'string', default: join(root, 'docs/benchmarks.md') },
      // The checkout the study ran in, when not this one (a worktree pinned at the table's commit): paths on the page
      // are written relative to it, as a reader of that checkout would type them.
      root: { type: 'string', default: root },
    },
  });
  const input = readStudyResults(resolve(a.study), { budget: resolve(a.budget), wide: resolve(a.wide) });
  const options = { relativeTo: resolve(a.root) };
  const page = benchmarkMarkdown(input, options);
  writeFileSync(`${a.out}.tmp`, page);
  renameSync(`${a.out}.tmp`, a.out);
  console.log(`written: ${a.out}`);
  const { renderStudyPage } = await import('@kd/report');
  const html = a.out.replace(/\.md$/, '') + '.html';
  writeFileSync(`${html}.tmp`, benchmarkHtml(input, renderStudyPage, options));
  renameSync(`${html}.tmp`, html);
  console.log(`written: ${html}`);
}
