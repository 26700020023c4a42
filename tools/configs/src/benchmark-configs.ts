// The benchmark study (configs/benchmark/): every method of this repository on the full Fashion-MNIST, one config per
// table row, the same teacher, student, recipe and seeds, run as one `kd sweep` from one commit. The files are
// generated from the tables below so the protocol is written once; test/benchmark-configs.spec.ts fails when they are
// stale and validates each one with `kd validate --schema-only`.
//
//   node tools/configs/benchmark-configs.mjs            write configs/benchmark/
//   node tools/configs/benchmark-configs.mjs --check    exit 1 listing stale files, write nothing
//
// Run it (hours on 2 cores; `--jobs 2` trains two single-threaded runs at once, results unchanged):
//   npm run kd -- run configs/benchmark/teacher.json
//   npm run kd -- sweep configs/benchmark/study.json --jobs 2
//   npm run kd -- sweep configs/benchmark/study.json --report
//   node tools/bench/benchmark-page.mjs                 # docs/benchmarks.md from the report and the runs
//   npm run kd -- sweep configs/benchmark/epochs.json --jobs 2   # the epoch budget (then --report, and the page again)
//   npm run kd -- sweep configs/benchmark/wide.json --jobs 2     # the wider student's column (then --report, the page)
import type { BackboneSpec, DistillerSpec } from './config-sections.js';
import { REPO_ROOT, fromFile, jsonFile, runGenerator, staleFiles, type GeneratedFile } from './generated-files.js';

export const BENCHMARK_DIR = 'configs/benchmark';

/**
 * A teacher clearly stronger than its student, and a student strictly smaller in parameters and FLOPs: the two stage
 * names match (stage1 at 14×14, stage2 at 7×7), so every feature method pairs them without options.
 */
/** The cnn backbone's options the benchmark sets. */
export type CnnSpec = BackboneSpec & {
  readonly name: 'cnn';
  readonly channels: readonly number[];
  readonly head: 'flatten' | 'gap';
  readonly hidden?: number;
};

export const TEACHER: CnnSpec = { name: 'cnn', channels: [32, 64], head: 'flatten', hidden: 128 };
export const STUDENT: CnnSpec = { name: 'cnn', channels: [8, 16], head: 'gap' };
export const EPOCHS = { teacher: 10, student: 15 } as const;
export const SEEDS: readonly number[] = [0, 1, 2, 3, 4];

/**
 * The epoch-budget study (configs/benchmark/epochs.json) that justifies EPOCHS.student: scratch and KD trained for each
 * budget, each with its own full cosine schedule. A learning curve inside one cosine run cannot say whether more epochs
 * would help (the rate reaches 0 at the end whatever the budget); the final accuracy against the budget can.
 */
export const EPOCH_BUDGETS: readonly number[] = [5, 10, 15, 30];
export const BUDGET_SEEDS: readonly number[] = [0, 1];

/**
 * A second student column (configs/benchmark/wide/, wide.json), fixed before any method row beyond scratch and KD was
 * read. With STUDENT the teacher leads scratch by over 7 points, yet KD does not beat scratch at any budget of 10 epochs
 * or more; in a 2-seed pilot of this wider student (still about 80× fewer parameters than the teacher) KD was ahead
 * of scratch on both seeds. The column asks whether a method's standing depends on the student's capacity. It trains
 * the reference rows and the seed methods' defaults (with DKD, which AEKT builds on), same recipe, seeds and commit.
 */
export const WIDE_STUDENT: CnnSpec = { name: 'cnn', channels: [16, 32], head: 'gap' };
export const WIDE_ROWS: readonly string[] = ['scratch', 'kd', 'lakd', 'ie-kd', 'aekt', 'dkd'];

/** The full Fashion-MNIST (Debian's dataset-fashion-mnist: 60,000 training and 10,000 test images). */
const DATASET = { name: 'idx', preset: 'fashion-mnist', source: 'system' };
const recipe = (epochs: number) => ({
  epochs,
  batchSize: 64,
  seed: 0,
  optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { type: 'cosine' },
});

/** A row of the benchmark table. */
export interface Row {
  /** The distiller section; null: the student alone, from the labels. */
  readonly distiller: DistillerSpec | null;
  /** The teacher's outputs come from the shared cache (methods that read only its logits through the trainer). */
  readonly cache?: boolean;
  /** false: the method trains without the frozen teacher (mutual learning). */
  readonly teacher?: false;
  /** What the row shows, in its config's description. */
  readonly note?: string;
}

/**
 * One row per method: its distiller section (null: the student alone), whether its teacher outputs come from the
 * shared cache (methods that read only the teacher's logits through the trainer), and what the row shows. The order is
 * the order the sweep trains them in: the reference rows and the seed methods (with LAKD's NDAM ablation) first, so a
 * study stopped part-way has its most asked-for rows complete. Loss weights
 * are the literature's (mdistiller / RepDistiller CIFAR-100 values) except where a row says otherwise; epoch-counted
 * options are scaled to the 15-epoch schedule.
 */
export const ROWS: Readonly<Record<string, Row>> = {
  scratch: { distiller: null, note: 'the student from the labels alone' },
  kd: { distiller: { name: 'kd', ceWeight: 0.1, kdWeight: 0.9, temperature: 4 }, cache: true },
  lakd: { distiller: { name: 'lakd', teacherStages: ['stage1', 'stage2'] }, note: 'reconstruction, package defaults (NDAM as weights)' },
  lakd_ndam_off: {
    distiller: { name: 'lakd', teacherStages: ['stage1', 'stage2'], ndam: { mode: 'off' } },
    note: 'reconstruction, NDAM ablation: plain local feature losses, no activation map',
  },
  lakd_ndam_loss: {
    distiller: { name: 'lakd', teacherStages: ['stage1', 'stage2'], ndam: { mode: 'loss' } },
    note: 'reconstruction, NDAM ablation: the map as its own loss term instead of as weights',
  },
  lakd_ndam_both: {
    distiller: { name: 'lakd', teacherStages: ['stage1', 'stage2'], ndam: { mode: 'both' } },
    note: 'reconstruction, NDAM ablation: the map as weights and as a loss term',
  },
  // Added while the study ran, before any run of it: LAKD's rows sit 2–3 points under scratch whatever NDAM does, and
  // this row says how much of that is the local (gradient-truncated) training itself.
  lakd_untruncated: {
    distiller: { name: 'lakd', teacherStages: ['stage1', 'stage2'], truncate: false },
    note: 'reconstruction, ablation: the same losses trained end to end, no gradient truncation between modules',
  },
  'ie-kd': {
    distiller: {
      name: 'ie-kd',
      split: 'natural',
      inheritanceWeight: 10,
      explorationWeight: 10,
      explorationLoss: 'distance',
      teacherFeature: 'stage2',
      studentFeature: 'stage2',
      autoEncoderEpochs: 2,
    },
  },
  aekt: {
    distiller: { name: 'aekt', beta: 2, warmupEpochs: 2 },
    cache: true,
    note: 'reconstruction, the package defaults: batch-mean ratio, no serialisation layer; β as DKD’s row',
  },
  aekt_literal: {
    distiller: { name: 'aekt', beta: 2, warmupEpochs: 2, ratioNormalization: 'none', serialization: true },
    cache: true,
    note: 'reconstruction as first written: the clipped ratio as is and the serialisation layer',
  },
  dkd: { distiller: { name: 'dkd', ceWeight: 1, alpha: 1, beta: 2, temperature: 4, warmupEpochs: 2 }, cache: true },
  dist: { distiller: { name: 'dist', ceWeight: 1, beta: 2, gamma: 2, temperature: 4 }, cache: true },
  at: { distiller: { name: 'at', ceWeight: 1, beta: 1000, p: 2 } },
  fitnet: { distiller: { name: 'fitnet', ceWeight: 1, hintWeight: 100 } },
  ft: {
    distiller: { name: 'ft', beta: 10, p: 1, teacherFeature: 'stage2', studentFeature: 'stage2', autoEncoderEpochs: 2 },
    note: 'β 10, the weight the bench uses for this network family (CIFAR-100 uses 200)',
  },
  dml: { distiller: { name: 'dml', klWeight: 1, temperature: 1, update: 'alternating' }, teacher: false },
  sp: { distiller: { name: 'sp', ceWeight: 1, beta: 3000 } },
  pkt: { distiller: { name: 'pkt', ceWeight: 1, beta: 30000 } },
  rkd: { distiller: { name: 'rkd', ceWeight: 1, distanceWeight: 25, angleWeight: 50 } },
  nst: { distiller: { name: 'nst', ceWeight: 1, beta: 50 } },
  kdsvd: { distiller: { name: 'kdsvd', ceWeight: 1, beta: 1, k: 1 } },
  vid: { distiller: { name: 'vid', ceWeight: 1, vidWeight: 1 } },
  ofd: { distiller: { name: 'ofd', ceWeight: 1, ofdWeight: 0.001 } },
  crd: { distiller: { name: 'crd', ceWeight: 1, crdWeight: 0.8 } },
  reviewkd: { distiller: { name: 'reviewkd', ceWeight: 1, reviewkdWeight: 1, warmupEpochs: 2 } },
};

const TEACHER_RUN = 'runs/benchmark/teacher';
const CACHE_DIR = 'runs/benchmark/teacher-cache';

function teacherConfig(): Record<string, unknown> {
  const file = `${BENCHMARK_DIR}/teacher.json`;
  return {
    $schema: fromFile(file, 'kd.schema.json'),
    specVersion: 1,
    description: `Benchmark teacher: cnn ${JSON.stringify(TEACHER.channels)} with a ${TEACHER.hidden}-unit head on the full Fashion-MNIST, ${EPOCHS.teacher} epochs.`,
    backend: 'wasm',
    dataset: DATASET,
    student: { backbone: TEACHER },
    evaluators: [{ name: 'accuracy' }],
    training: recipe(EPOCHS.teacher),
    output: { dir: fromFile(file, TEACHER_RUN) },
  };
}

/** A row's config for one student column: `methods/` (STUDENT) or `wide/` (WIDE_STUDENT). */
function rowConfig(name: string, column: 'methods' | 'wide' = 'methods'): Record<string, unknown> {
  const row = ROWS[name]!;
  const student = column === 'wide' ? WIDE_STUDENT : STUDENT;
  const file = `${BENCHMARK_DIR}/${column}/${name}.json`;
  const teacher = row.distiller && row.teacher !== false;
  return {
    $schema: fromFile(file, 'kd.schema.json'),
    specVersion: 1,
    description: `Benchmark row ${name}${row.note ? ` (${row.note})` : ''}: cnn ${JSON.stringify(student.channels)} (global pooling) on the full Fashion-MNIST, ${EPOCHS.student} epochs.`,
    backend: 'wasm',
    dataset: DATASET,
    ...(teacher
      ? {
          teacher: {
            backbone: TEACHER,
            weights: fromFile(file, TEACHER_RUN),
            ...(row.cache ? { cache: { dir: fromFile(file, CACHE_DIR) } } : {}),
          },
        }
      : {}),
    student: { backbone: student },
    ...(row.distiller ? { distiller: row.distiller } : {}),
    evaluators: [{ name: 'accuracy' }],
    training: recipe(EPOCHS.student),
    output: { dir: fromFile(file, `runs/benchmark/single${column === 'wide' ? '-wide' : ''}/${name}`) },
  };
}

function studyFile(): Record<string, unknown> {
  const file = `${BENCHMARK_DIR}/study.json`;
  return {
    description:
      'The benchmark: every row of configs/benchmark/methods/ × 5 seeds, one thread per run, compared with scratch and KD (95 % Welch intervals).',
    base: Object.keys(ROWS).map((name) => `methods/${name}.json`),
    seeds: SEEDS,
    compare: ['scratch', 'kd'],
    threads: 1,
    output: fromFile(file, 'runs/benchmark/study'),
  };
}

function epochsStudyFile(): Record<string, unknown> {
  const file = `${BENCHMARK_DIR}/epochs.json`;
  return {
    description: `The epoch budget behind the table's ${EPOCHS.student} epochs: scratch and KD trained for ${EPOCH_BUDGETS.join(', ')} epochs, each with its own cosine schedule, ${BUDGET_SEEDS.length} seeds; the final accuracy against the budget.`,
    base: ['methods/scratch.json', 'methods/kd.json'],
    axes: { epochs: EPOCH_BUDGETS.map((epochs) => ({ 'training.epochs': epochs })) },
    seeds: BUDGET_SEEDS,
    threads: 1,
    output: fromFile(file, 'runs/benchmark/epochs'),
  };
}

function wideStudyFile(): Record<string, unknown> {
  const file = `${BENCHMARK_DIR}/wide.json`;
  return {
    description: `The wider student's column: cnn ${JSON.stringify(WIDE_STUDENT.channels)} instead of ${JSON.stringify(STUDENT.channels)} for the rows of configs/benchmark/wide/ × ${SEEDS.length} seeds, everything else as the main study, compared with scratch and KD.`,
    base: WIDE_ROWS.map((name) => `wide/${name}.json`),
    seeds: SEEDS,
    compare: ['scratch', 'kd'],
    threads: 1,
    output: fromFile(file, 'runs/benchmark/wide'),
  };
}

/** Every generated file: path (repository-relative) and content. */
export function benchmarkFiles(): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  const json = (path: string, value: unknown) => files.push(jsonFile(path, value));
  json(`${BENCHMARK_DIR}/teacher.json`, teacherConfig());
  for (const name of Object.keys(ROWS)) json(`${BENCHMARK_DIR}/methods/${name}.json`, rowConfig(name));
  json(`${BENCHMARK_DIR}/study.json`, studyFile());
  json(`${BENCHMARK_DIR}/epochs.json`, epochsStudyFile());
  for (const name of WIDE_ROWS) json(`${BENCHMARK_DIR}/wide/${name}.json`, rowConfig(name, 'wide'));
  json(`${BENCHMARK_DIR}/wide.json`, wideStudyFile());
  return files;
}

export function staleBenchmarkFiles(base = REPO_ROOT): string[] {
  return staleFiles(benchmarkFiles(), base);
}

/** The command line (`node tools/configs/benchmark-configs.mjs [--check]`); returns the exit code. */
export function main(argv: readonly string[]): number {
  return runGenerator(
    { dir: BENCHMARK_DIR, what: 'benchmark configs', command: 'node tools/configs/benchmark-configs.mjs', files: benchmarkFiles },
    argv,
  );
}
