import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../contracts/evaluator.js';
import { KdInputError } from '../errors/errors.js';
import type { TensorEntry } from './tensor-file.js';
import type { TeacherCacheStats } from '../engine/teacher-cache.js';

/**
 * The files of a run directory, typed, with one reader each: the contract between core (which writes them), the
 * CLI, the report and the bench. A reader names the file and what was expected when a file is not what kd writes.
 */

/** One line of metrics.jsonl: an epoch of a stage. */
export interface EpochRecord {
  readonly stage: string;
  /** 1-based epoch of the stage, and the stage's epochs. */
  readonly epoch: number;
  readonly epochs: number;
  readonly lr: number;
  /** Each loss term's mean over the epoch's steps (`total` included). */
  readonly loss: Readonly<Record<string, number>>;
  /** The evaluation's metrics ({} in epochs without evaluation). */
  readonly metrics: Metrics;
  /**
   * Accuracy on the training batches as they were trained on (training mode, augmented), over the epoch's steps;
   * absent for a distiller that owns its update (`trainStep`) and does not return the student's logits.
   */
  readonly train?: { readonly top1: number };
  /** The epoch's mean of each extra scalar the distiller logged (`LossTerms.scalars`); absent when it logs none. */
  readonly scalars?: Readonly<Record<string, number>>;
  /** Steps whose loss spiked (training.lossSpikeFactor); absent when none did. */
  readonly lossSpikes?: number;
  readonly memory: { readonly numTensors: number; readonly numBytes: number };
  readonly time: { readonly seconds: number; readonly imagesPerSecond: number };
}

export interface MetricsParse {
  readonly records: EpochRecord[];
  /** Lines that are not JSON, 1-based; a torn last line (a kill mid-append) is among them. */
  readonly bad: readonly { readonly line: number; readonly message: string; readonly last: boolean }[];
}

/** Parses metrics.jsonl text, keeping what can be read (a report shows the rest as warnings). */
export function parseMetrics(text: string): MetricsParse {
  const lines = text.split('\n');
  const records: EpochRecord[] = [];
  const bad: { line: number; message: string; last: boolean }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      records.push(JSON.parse(l) as EpochRecord);
    } catch (e) {
      bad.push({ line: i + 1, message: (e as Error).message, last: lines.slice(i + 1).every((r) => r.trim() === '') });
    }
  });
  return { records, bad };
}

/**
 * The records of `metrics.jsonl` in `dir` ([] when there is none). A torn last line is dropped (a resume recomputes
 * it); a bad line anywhere else means the file was edited or damaged: an input error naming the line.
 */
export function readMetrics(dir: string): EpochRecord[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const { records, bad } = parseMetrics(readFileSync(file, 'utf8'));
  const damaged = bad.find((b) => !b.last);
  if (damaged) throw new KdInputError(`${file}:${damaged.line}: not a JSON line (${damaged.message})`);
  return records;
}

/**
 * One line of steps.jsonl: the training steps of one logging interval, averaged. An epoch has at most
 * `STEP_POINTS_PER_EPOCH` of them (intervals of ⌈steps / that⌉ steps, the last one possibly shorter), so the file
 * stays small on long epochs while curves still show what happens inside an epoch.
 */
export interface StepRecord {
  readonly stage: string;
  /** 1-based epoch of the stage. */
  readonly epoch: number;
  /** 1-based step of the epoch the interval ends with, the epoch's steps, and how many steps it averages. */
  readonly step: number;
  readonly steps: number;
  readonly count: number;
  /** The learning rate of the interval's last step. */
  readonly lr: number;
  /** Each loss term's mean over the interval, as the distiller reports it (`total` included). */
  readonly loss: Readonly<Record<string, number>>;
  /** The mean of each extra scalar the distiller logged (`LossTerms.scalars`, e.g. a scheduled loss weight). */
  readonly scalars?: Readonly<Record<string, number>>;
  /** Training-batch accuracy over the interval; absent for a `trainStep` distiller that returns no student logits. */
  readonly trainTop1?: number;
}

/** Points per epoch in steps.jsonl at most. */
export const STEP_POINTS_PER_EPOCH = 50;

/**
 * The records of a run's `steps.jsonl` ([] when there is none: runs of earlier kd versions). Lines that are not JSON
 * are skipped and counted (a torn last line after a kill; a resume cuts it off).
 */
export function readSteps(dir: string): { records: StepRecord[]; bad: number } {
  const file = join(dir, 'steps.jsonl');
  if (!existsSync(file)) return { records: [], bad: 0 };
  const { records, bad } = parseMetrics(readFileSync(file, 'utf8'));
  return { records: records as unknown as StepRecord[], bad: bad.length };
}

/** provenance.json: what produced the run. */
export interface Provenance {
  readonly startedAt: string;
  readonly seed: number;
  readonly backend: {
    readonly name: string;
    readonly reason: string;
    readonly kernels?: unknown;
    readonly threads?: number;
    readonly oneDnn?: unknown;
  };
  readonly packages: Readonly<Record<string, string>>;
  /** Present when the run's distiller is a reconstruction (its manifest's `reconstruction`). */
  readonly reconstruction?: { readonly distiller: string; readonly what: string };
  readonly gitSha: string | null;
  readonly node: string;
  readonly platform: string;
  /** The config file's directory: relative paths in config.json resolve against it. */
  readonly baseDir: string;
  /** `--set path=value` overrides the config file was run with (config.json holds the result). */
  readonly overrides?: readonly string[];
  readonly resumes?: readonly {
    readonly at: string;
    readonly fromCheckpoint: string;
    readonly backend: string;
    readonly gitSha: string | null;
  }[];
}

/** A JSON file kd wrote into a run directory; missing or unreadable is an input error naming it. */
export function readRunJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not readable JSON (${(e as Error).message})`;
    throw new KdInputError(`${file}: ${reason}; expected the file kd writes there`);
  }
}

export function readProvenance(dir: string): Provenance {
  const file = join(dir, 'provenance.json');
  const p = readRunJson<Partial<Provenance>>(file);
  if (!p || typeof p !== 'object' || typeof p.backend !== 'object' || p.backend === null)
    throw new KdInputError(`${file}: expected kd's provenance object (startedAt, seed, backend, packages, …)`);
  return p as Provenance;
}

/** network.json: a saved network's architecture and the layout of its weights in network.bin. */
export interface NetworkFile {
  readonly format: 'kd-network';
  readonly version: 1;
  readonly backbone: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly tensors: readonly TensorEntry[];
  /** A head applied to the logits at deployment (e.g. AEKT's task-serialisation layer), stored in head.bin. */
  readonly head?: { readonly name: string; readonly tensors: readonly TensorEntry[] };
}

/** Reads and checks a network.json; `pointer` (e.g. `/teacher/weights`) prefixes the errors when a config named it. */
export function readNetworkFile(path: string, pointer?: string): NetworkFile {
  const where = pointer ? `${pointer}: ${path}` : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KdInputError(`${where}: cannot read (${(e as Error).message})`);
  }
  let file: Partial<NetworkFile> | null;
  try {
    file = JSON.parse(text) as Partial<NetworkFile> | null;
  } catch (e) {
    throw new KdInputError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!file || typeof file !== 'object' || file.format !== 'kd-network' || !Array.isArray(file.tensors) || !file.backbone)
    throw new KdInputError(
      `${where}: expected a kd network file (format "kd-network" with backbone and tensors), got format ${JSON.stringify((file as { format?: unknown } | null)?.format)}`,
    );
  const b = file.backbone;
  if (typeof b.name !== 'string' || !b.options || typeof b.options !== 'object')
    throw new KdInputError(`${where}: /backbone: expected { name, options }`);
  const shape = file.inputShape;
  if (
    !Number.isInteger(file.numClasses) ||
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    !shape.every((n) => Number.isInteger(n) && n > 0)
  )
    throw new KdInputError(`${where}: expected numClasses (integer) and inputShape ([h, w, c])`);
  return file as NetworkFile;
}

/**
 * How a run ended. `summary.json` is written for every run that got as far as training, so a reader never has to
 * guess from which files exist: a failed or interrupted run has a summary too, with its reason.
 */
export type RunStatus = 'finished' | 'failed' | 'interrupted';

export type RunFailureKind =
  /** The loss or a gradient became NaN/Inf. */
  | 'diverged'
  /** Evaluation logits, weights or running statistics became non-finite. */
  | 'non-finite'
  /** SIGINT / SIGTERM: stopped at a step boundary with a checkpoint; `kd run --resume` continues it. */
  | 'interrupted'
  /** Anything else that went wrong during training (a plugin threw, the disk filled up). */
  | 'error';

export interface RunFailure {
  readonly kind: RunFailureKind;
  readonly message: string;
  readonly stage?: string;
  /** 1-based epoch in which it happened. */
  readonly epoch?: number;
  /** 1-based step within that epoch. */
  readonly step?: number;
}

/** Something a reader of the numbers should know although the run went on (a loss spike). */
export interface RunWarning {
  readonly kind: 'loss-spike';
  readonly message: string;
  readonly stage: string;
  readonly epoch: number;
  readonly step: number;
  readonly value: number;
  readonly median: number;
}

/** The epoch whose evaluation was best so far, by the metric that picks it (the student's top-1). */
export interface BestEpoch {
  readonly metric: string;
  readonly value: number;
  readonly epoch: number;
  readonly stage: string;
}

export interface RunSummary {
  readonly status: RunStatus;
  /** Why the run did not finish; null when it did. */
  readonly failure: RunFailure | null;
  readonly warnings: readonly RunWarning[];
  readonly config: string;
  readonly backend: string;
  readonly seed: number;
  /** Epochs the run was configured for, over every stage. */
  readonly epochs: number;
  /** The last evaluation's metrics ({} when none ran). */
  readonly final: Metrics;
  readonly best: BestEpoch | null;
  readonly studentParams: number | null;
  readonly teacherParams: number | null;
  readonly studentFlops: number | null;
  readonly teacherFlops: number | null;
  /** Training seconds summed over the epochs in metrics.jsonl. */
  readonly seconds: number;
  /** What the teacher-output cache did in this process (absent without `teacher.cache`). */
  readonly teacherCache?: TeacherCacheStats;
  readonly finishedAt: string;
}

/**
 * Reads `summary.json`, or null when there is none. A summary written before statuses existed was only ever
 * written by a finished run, so it reads as finished.
 */
export function readRunSummary(dir: string): RunSummary | null {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return null;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunSummary>;
  return { ...raw, status: raw.status ?? 'finished', failure: raw.failure ?? null, warnings: raw.warnings ?? [] } as RunSummary;
}
