// Pure parts of the bench tools (no file system), shared by bench.ts and aggregate.ts and unit-tested in
// test/lib.spec.ts: what each mode changes in a config, the statistics over seeds, and the aggregate table with its Δ
// columns.
import type { PluginSpec } from '@kd/core';
import { formatStat, stat } from '@kd/sweep';
import type { BenchMethodResult, BenchResultFile, Mode, SeedStats } from './bench-result.js';
import type { ConfigFile } from './config-file.js';

export const MODES: readonly Mode[] = ['smoke', 'standard', 'full'];

export const isMode = (m: string): m is Mode => (MODES as readonly string[]).includes(m);

/** Where each mode's aggregate lives under docs/: full data is the headline page, the shipped subset a second one. */
export const MODE_DOCS: Readonly<Record<Mode, { readonly page: string; readonly data: string }>> = {
  full: { page: 'benchmarks-packages', data: 'benchmarks/full' },
  standard: { page: 'benchmarks-subset', data: 'benchmarks/subset' },
  smoke: { page: 'benchmarks-smoke', data: 'benchmarks/smoke' },
};

/** Training images of a student and a teacher in smoke mode (CI: seconds per package). */
export const SMOKE = { teacherTrain: 512, studentTrain: 256, test: 256, epochs: 1 } as const;

/**
 * Epochs in full mode. The full set has 30× the subset's training images (938 steps of 64 per epoch against the
 * subset's 32), so the subset's epoch counts would take a day per package on a 2-core CPU; full mode trains the
 * teacher for 5 epochs (a teacher clearly ahead of the students is what distillation needs) and each student for 1
 * (≈ 3× the optimiser steps a student takes on the subset) unless `--epochs` says otherwise. Distiller options counted in epochs (`warmupEpochs`, `autoEncoderEpochs`) are scaled by
 * the same factor, so a warm-up stays the same fraction of training.
 */
export const FULL = { teacherEpochs: 5, studentEpochs: 1 } as const;

/**
 * Distiller options counted in epochs, scaled by `factor`. A warm-up (`warmupEpochs`) keeps its exact fraction of
 * training and advances per batch (`warmupUnit: "step"`): in a 1-epoch run a per-epoch warm-up would be no warm-up at
 * all. Other `…Epochs` options (stages such as `autoEncoderEpochs`) are rounded, at least 1 where they were ≥ 1.
 */
export function scaleEpochOptions<D extends Readonly<Record<string, unknown>>>(distiller: D, factor: number): D;
export function scaleEpochOptions<D extends Readonly<Record<string, unknown>>>(distiller: D | undefined, factor: number): D | undefined;
export function scaleEpochOptions<D extends Readonly<Record<string, unknown>>>(distiller: D | undefined, factor: number): D | undefined {
  if (!distiller || factor === 1) return distiller;
  const scaled: Record<string, unknown> = { ...distiller };
  for (const [k, v] of Object.entries(distiller)) {
    if (!/Epochs$/.test(k) || typeof v !== 'number' || v <= 0) continue;
    if (k === 'warmupEpochs') {
      scaled.warmupEpochs = v * factor;
      scaled.warmupUnit = 'step';
    } else scaled[k] = Math.max(1, Math.round(v * factor));
  }
  return scaled as D;
}

/** Fashion-MNIST read by preset (not from a `dir` of the config's own files). */
const isFashionMnist = (d: PluginSpec | undefined): boolean =>
  d?.name === 'idx' && (d.preset ?? 'fashion-mnist') === 'fashion-mnist' && d.dir === undefined;

/**
 * A config as a mode runs it (teacher and students alike; a copy, the argument is not changed).
 * - smoke: a few hundred images (idx datasets) and one epoch;
 * - standard: unchanged (the bundled 10,000/2,000-image Fashion-MNIST subset, students on its first 2,000);
 * - full: the full Fashion-MNIST from Debian's dataset-fashion-mnist (60,000/10,000), every image: `source` becomes
 *   "system" and the subset limits (`trainLimit`, `testLimit`) go. `fullFashionMnist` says whether that set is
 *   installed; without it a Fashion-MNIST config cannot run in full mode (an error, never a silent subset). Epochs
 *   become FULL's (or `epochs`, for students), epoch-counted distiller options scaled alike (scaleEpochOptions).
 * Datasets other than Fashion-MNIST are left alone in full mode.
 */
export function adapt<C extends ConfigFile>(
  config: C,
  role: 'teacher' | 'student',
  mode: string,
  { fullFashionMnist = false, epochs }: { readonly fullFashionMnist?: boolean; readonly epochs?: number } = {},
): C {
  const c: ConfigFile = structuredClone(config);
  if (mode === 'smoke') {
    // Only the idx dataset has these limits; another dataset (a generated plugin's bench) runs one epoch as it is.
    if (c.dataset?.name === 'idx')
      c.dataset = { ...c.dataset, trainLimit: role === 'teacher' ? SMOKE.teacherTrain : SMOKE.studentTrain, testLimit: SMOKE.test };
    c.training = { ...c.training, epochs: SMOKE.epochs };
  } else if (mode === 'full' && isFashionMnist(c.dataset)) {
    if (!fullFashionMnist)
      throw new Error(
        "full mode needs the full Fashion-MNIST: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist, " +
          'files in /usr/share/datasets/fashion-mnist) or set KD_SYSTEM_FASHION_MNIST_DIR to a folder with the four IDX files',
      );
    const { trainLimit: _trainLimit, testLimit: _testLimit, ...rest } = c.dataset!;
    c.dataset = { ...rest, source: 'system' };
    const target = role === 'teacher' ? FULL.teacherEpochs : (epochs ?? FULL.studentEpochs);
    if (!Number.isInteger(target) || target < 1) throw new Error(`epochs: got ${JSON.stringify(epochs)}; expected an integer >= 1`);
    if (c.distiller) c.distiller = scaleEpochOptions(c.distiller, target / c.training.epochs);
    c.training = { ...c.training, epochs: target };
  } else if (mode !== 'standard' && mode !== 'full')
    throw new Error(`mode: got ${JSON.stringify(mode)}; expected one of ${MODES.join(', ')}`);
  return c as C;
}

/** Mean and sample standard deviation (n − 1; 0 for one value): @kd/sweep's `stat`, with the values kept. */
export function stats(xs: readonly number[]): SeedStats {
  const s = stat(xs);
  if (!s) throw new Error('stats: no values');
  return { ...s, values: xs };
}

/** A method's best measurement among the packages' bench results, and where it comes from. */
export interface MergedMethod extends BenchMethodResult {
  /** Measured by the method's own package (distiller-at's `at`). */
  readonly own: boolean;
  /** The result file, repository-relative. */
  readonly source: string;
  readonly date: string | undefined;
  readonly seeds: number | undefined;
  readonly jobs: number | undefined;
  readonly teacher: BenchResultFile['teacher'];
  readonly gitSha: string | null | undefined;
}

/** One package's bench result file. */
export interface BenchSource {
  /** The package's directory name (`distiller-at`). */
  readonly pkg: string;
  readonly source: string;
  readonly json: BenchResultFile;
}

/**
 * One entry per method over several packages' bench results ({ pkg, file, json }): the measurement with the most
 * seeds; among equals the one by the method's own package (distiller-at's `at`), then the newest.
 */
export function mergeResults(files: readonly BenchSource[]): Record<string, MergedMethod> {
  const merged: Record<string, MergedMethod> = {};
  const rank = (m: MergedMethod) => [m.last.n, m.own ? 1 : 0, String(m.date)] as const;
  const better = (x: MergedMethod, y: MergedMethod) => {
    const [a, b] = [rank(x), rank(y)];
    return a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
  };
  for (const { pkg, source, json } of files) {
    for (const [method, r] of Object.entries(json.results)) {
      const candidate: MergedMethod = {
        ...r,
        own: pkg === `distiller-${method}`,
        source,
        date: json.date,
        seeds: json.seeds,
        jobs: json.jobs,
        teacher: json.teacher,
        gitSha: json.provenance?.gitSha,
      };
      if (!merged[method] || better(candidate, merged[method])) merged[method] = candidate;
    }
  }
  return merged;
}

/** x − ref in percentage points, signed, two decimals ('—' without a reference). */
export const delta = (x: number, ref: number | undefined): string =>
  ref === undefined ? '—' : `${x >= ref ? '+' : '−'}${Math.abs(100 * (x - ref)).toFixed(2)}`;

/** scratch first, then kd, then the rest by descending last-epoch mean. */
export function orderMethods(merged: Readonly<Record<string, { readonly last: { readonly mean: number } }>>): string[] {
  const order = (m: string) => (m === 'scratch' ? 0 : m === 'kd' ? 1 : 2);
  return Object.keys(merged).sort((x, y) => order(x) - order(y) || merged[y].last.mean - merged[x].last.mean);
}

const MODE_SETUP: Readonly<Record<Mode, string>> = {
  full: "the full Fashion-MNIST (Debian's dataset-fashion-mnist: 60,000 training and 10,000 test images, every one used)",
  standard:
    'the Fashion-MNIST subset shipped in packages/dataset-idx (teacher on its 10,000 training images, students on the first 2,000; 2,000 test images)',
  smoke: 'a few hundred Fashion-MNIST images for one epoch (a CI smoke test: the numbers mean nothing)',
};

/**
 * The aggregate page as Markdown lines. `configOf(path)` reads a method's config (repository-relative path), for the
 * teacher → student column; `sections` (lines) go after the table and its sources, the hand-written `notes` last.
 */
/** What the aggregate table reads of a method's config: its networks and, when the result has none, its epochs. */
export interface MethodConfig {
  readonly teacher?: { readonly backbone: PluginSpec };
  readonly student: { readonly backbone: PluginSpec };
  readonly training?: { readonly epochs?: number };
}

export interface BenchMarkdownInput {
  readonly mode: Mode;
  readonly merged: Readonly<Record<string, MergedMethod>>;
  /** Reads a method's config (repository-relative path). */
  readonly configOf: (path: string) => MethodConfig;
  readonly notes?: string;
  readonly sections?: readonly string[];
}

export function benchMarkdown({ mode, merged, configOf, notes, sections = [] }: BenchMarkdownInput): string[] {
  const methods = orderMethods(merged);
  const scratch = merged.scratch?.last.mean;
  const kd = merged.kd?.last.mean;
  const network = (b: PluginSpec) => `${b.name} ${JSON.stringify({ ...b, name: undefined }).replace(/"/g, '')}`;
  const teachers = [...new Set(methods.map((m) => `${merged[m].teacher.config}@${merged[m].teacher.top1}`))];
  const other =
    mode === 'full'
      ? '[benchmarks-subset.md](benchmarks-subset.md) (the shipped subset)'
      : '[benchmarks-packages.md](benchmarks-packages.md) (every package’s bench on the full Fashion-MNIST)';
  const lines = [
    `# Package benches (${mode === 'standard' ? 'subset' : mode})`,
    '',
    '> Each package’s own short bench (its method against scratch and KD, 3 seeds, rows from different commits): a',
    '> smoke-level comparison, not a result. The benchmark whose differences mean something is',
    '> [benchmarks.md](benchmarks.md) (one study, one commit, 5 seeds, confidence intervals).',
    '',
    `Generated by \`node tools/bench/aggregate.mjs --mode ${mode}\` (Nx: \`nx run bench:aggregate${mode === 'standard' ? '' : ` -c ${mode}`}\`) from the bench results`,
    'of each distiller package; do not edit by hand. Every number is the mean ± sample std over the seeds of one package',
    "bench run on this repository's 2-core CI machine class, wasm backend; the source files are copied next to this page in",
    `\`docs/${MODE_DOCS[mode].data}/\`. Accuracy is top-1 on the test split at the last epoch (best epoch in brackets, for`,
    'reference only: choosing it peeks at the test set).',
    '',
    `Data: ${MODE_SETUP[mode]}.`,
    `See also ${other}.`,
    '',
    ...(mode === 'full'
      ? [
          `Epochs: teacher ${[...new Set(methods.map((m) => merged[m].teacher.epochs ?? '?'))].join(', ')}, students as in the table (FULL in tools/bench/src/lib.ts explains the choice; \`--epochs N\` trains longer).`,
        ]
      : []),
    ...(methods.some((m) => (merged[m].jobs ?? 1) > 1)
      ? [
          'img/s is per run while two runs shared the machine (`--jobs 2`; every student run uses one wasm thread whatever the jobs, so results do not depend on it).',
        ]
      : []),
    '',
    `Teacher: ${teachers
      .map((t) => {
        const [c, top1] = t.split('@');
        return `\`${c}\` ${(100 * Number(top1)).toFixed(2)} %`;
      })
      .join('; ')}.`,
    '',
    '| method | teacher → student | top-1 % (last) | (best) | Δ vs scratch | Δ vs KD | s/run | img/s | epochs | seeds | config |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...methods.map((m) => {
      const r = merged[m];
      const config = configOf(r.config);
      const arrow = `${config.teacher ? `${config.teacher.backbone.name} teacher` : '—'} → ${network(config.student.backbone)}`;
      const best = r.best ?? r.last;
      return `| ${m}${r.reconstruction ? ' (reconstruction)' : ''} | ${arrow} | ${formatStat(r.last)} | (${formatStat(best)}) | ${m === 'scratch' ? '—' : delta(r.last.mean, scratch)} | ${m === 'kd' || m === 'scratch' ? '—' : delta(r.last.mean, kd)} | ${r.seconds ? r.seconds.mean.toFixed(0) : '—'} | ${r.imagesPerSecond ? r.imagesPerSecond.mean.toFixed(0) : '—'} | ${r.epochs ?? config.training?.epochs ?? '—'} | ${r.last.n} | \`${r.config}\` |`;
    }),
    '',
    '## Sources',
    '',
    ...methods.map((m) => `- ${m}: \`${merged[m].source}\` (${merged[m].date}, commit ${merged[m].gitSha?.slice(0, 10) ?? 'unknown'})`),
    '',
  ];
  lines.push(...sections);
  if (notes) lines.push(notes.trim(), '');
  return lines;
}
