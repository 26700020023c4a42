// Pure parts of the bench tools (no file system, no built packages), shared by bench.mjs and aggregate.mjs and
// unit-tested in test/lib.spec.ts: what each mode changes in a config, the statistics over seeds, and the aggregate
// table with its Δ columns.

export const MODES = ['smoke', 'standard', 'full'];

/** Where each mode's aggregate lives under docs/: full data is the headline page, the shipped subset a second one. */
export const MODE_DOCS = {
  full: { page: 'benchmarks-packages', data: 'benchmarks/full' },
  standard: { page: 'benchmarks-subset', data: 'benchmarks/subset' },
  smoke: { page: 'benchmarks-smoke', data: 'benchmarks/smoke' },
};

/** Training images of a student and a teacher in smoke mode (CI: seconds per package). */
export const SMOKE = { teacherTrain: 512, studentTrain: 256, test: 256, epochs: 1 };

/**
 * Epochs in full mode. The full set has 30× the subset's training images (938 steps of 64 per epoch against the
 * subset's 32), so the subset's epoch counts would take a day per package on a 2-core CPU; full mode trains the
 * teacher for 5 epochs (a teacher clearly ahead of the students is what distillation needs) and each student for 1
 * (≈ 3× the optimiser steps a student takes on the subset) unless `--epochs` says otherwise. Distiller options counted in epochs (`warmupEpochs`, `autoEncoderEpochs`) are scaled by
 * the same factor, so a warm-up stays the same fraction of training.
 */
export const FULL = { teacherEpochs: 5, studentEpochs: 1 };

/**
 * Distiller options counted in epochs, scaled by `factor`. A warm-up (`warmupEpochs`) keeps its exact fraction of
 * training and advances per batch (`warmupUnit: "step"`): in a 1-epoch run a per-epoch warm-up would be no warm-up at
 * all. Other `…Epochs` options (stages such as `autoEncoderEpochs`) are rounded, at least 1 where they were ≥ 1.
 */
export function scaleEpochOptions(distiller, factor) {
  if (!distiller || factor === 1) return distiller;
  const scaled = { ...distiller };
  for (const [k, v] of Object.entries(distiller)) {
    if (!/Epochs$/.test(k) || typeof v !== 'number' || v <= 0) continue;
    if (k === 'warmupEpochs') {
      scaled.warmupEpochs = v * factor;
      scaled.warmupUnit = 'step';
    } else scaled[k] = Math.max(1, Math.round(v * factor));
  }
  return scaled;
}

/** Fashion-MNIST read by preset (not from a `dir` of the config's own files). */
const isFashionMnist = (d) => d?.name === 'idx' && (d.preset ?? 'fashion-mnist') === 'fashion-mnist' && d.dir === undefined;

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
export function adapt(config, role, mode, { fullFashionMnist = false, epochs } = {}) {
  const c = structuredClone(config);
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
    const { trainLimit, testLimit, ...rest } = c.dataset;
    c.dataset = { ...rest, source: 'system' };
    const target = role === 'teacher' ? FULL.teacherEpochs : (epochs ?? FULL.studentEpochs);
    if (!Number.isInteger(target) || target < 1) throw new Error(`epochs: got ${JSON.stringify(epochs)}; expected an integer >= 1`);
    if (c.distiller) c.distiller = scaleEpochOptions(c.distiller, target / c.training.epochs);
    c.training = { ...c.training, epochs: target };
  } else if (mode !== 'standard' && mode !== 'full')
    throw new Error(`mode: got ${JSON.stringify(mode)}; expected one of ${MODES.join(', ')}`);
  return c;
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function stats(xs) {
  if (!xs.length) throw new Error('stats: no values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, n: xs.length, values: xs };
}

/**
 * One entry per method over several packages' bench results ({ pkg, file, json }): the measurement with the most
 * seeds; among equals the one by the method's own package (distiller-at's `at`), then the newest.
 */
export function mergeResults(files) {
  const merged = {};
  const rank = (m) => [m.last.n, m.own ? 1 : 0, String(m.date)];
  const better = (x, y) => {
    const [a, b] = [rank(x), rank(y)];
    return a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
  };
  for (const { pkg, source, json } of files) {
    for (const [method, r] of Object.entries(json.results)) {
      const candidate = {
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

export const pct = (s) => `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;

/** x − ref in percentage points, signed, two decimals ('—' without a reference). */
export const delta = (x, ref) => (ref === undefined ? '—' : `${x >= ref ? '+' : '−'}${Math.abs(100 * (x - ref)).toFixed(2)}`);

/** scratch first, then kd, then the rest by descending last-epoch mean. */
export function orderMethods(merged) {
  const order = (m) => (m === 'scratch' ? 0 : m === 'kd' ? 1 : 2);
  return Object.keys(merged).sort((x, y) => order(x) - order(y) || merged[y].last.mean - merged[x].last.mean);
}

const MODE_SETUP = {
  full: "the full Fashion-MNIST (Debian's dataset-fashion-mnist: 60,000 training and 10,000 test images, every one used)",
  standard:
    'the Fashion-MNIST subset shipped in packages/dataset-idx (teacher on its 10,000 training images, students on the first 2,000; 2,000 test images)',
  smoke: 'a few hundred Fashion-MNIST images for one epoch (a CI smoke test: the numbers mean nothing)',
};

/**
 * The aggregate page as Markdown lines. `configOf(path)` reads a method's config (repository-relative path), for the
 * teacher → student column; `sections` (lines) go after the table and its sources, the hand-written `notes` last.
 */
export function benchMarkdown({ mode, merged, configOf, notes, sections = [] }) {
  const methods = orderMethods(merged);
  const scratch = merged.scratch?.last.mean;
  const kd = merged.kd?.last.mean;
  const network = (b) => `${b.name} ${JSON.stringify({ ...b, name: undefined }).replace(/"/g, '')}`;
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
          `Epochs: teacher ${[...new Set(methods.map((m) => merged[m].teacher.epochs ?? '?'))].join(', ')}, students as in the table (lib.mjs FULL explains the choice; \`--epochs N\` trains longer).`,
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
      return `| ${m}${r.reconstruction ? ' (reconstruction)' : ''} | ${arrow} | ${pct(r.last)} | (${pct(best)}) | ${m === 'scratch' ? '—' : delta(r.last.mean, scratch)} | ${m === 'kd' || m === 'scratch' ? '—' : delta(r.last.mean, kd)} | ${r.seconds ? r.seconds.mean.toFixed(0) : '—'} | ${r.imagesPerSecond ? r.imagesPerSecond.mean.toFixed(0) : '—'} | ${r.epochs ?? config.training?.epochs ?? '—'} | ${r.last.n} | \`${r.config}\` |`;
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
