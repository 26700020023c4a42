import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { KdInputError } from '@kd/core';
import {
  RUN_FILES,
  parseMetrics,
  readRunSummary,
  readSteps,
  type RunFailure,
  type RunSummary,
  type RunWarning,
  type StepRecord,
} from '@kd/core/host';
import { readHeatMapGrid, type HeatMapGrid } from './heat-map-grid.js';
import { recogniseArtifacts, type CalibrationDiagram, type ConfusionMatrix } from './artifact.js';

/** One line of metrics.jsonl, as the trainer writes it. */
export interface EpochRecord {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly lr?: number;
  readonly loss: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly memory?: { readonly numTensors?: number; readonly numBytes?: number };
  readonly time?: { readonly seconds?: number; readonly imagesPerSecond?: number };
  /** Training-batch accuracy over the epoch (absent for a `trainStep` distiller that returns no student logits, and older runs). */
  readonly train?: { readonly top1?: number };
  /** The epoch means of the distiller's extra scalars (e.g. a scheduled loss weight). */
  readonly scalars?: Readonly<Record<string, number>>;
}

export interface ImageFile {
  /** Path relative to the run directory, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  /** The PNG's bytes, absent when over the size limit. */
  readonly data?: Buffer;
  /** The layout a grid of maps describes in its PNG (column names, each row's colour scale), when it does. */
  readonly grid?: HeatMapGrid;
}

export interface OtherArtifact {
  readonly path: string;
  readonly bytes: number;
  /** Pretty JSON for small files. */
  readonly preview?: string;
}

/**
 * How the run ended, as `summary.json` says (`finished`, `failed`, `interrupted`); `incomplete` when there is no
 * summary: the run is still going, or was killed too hard to write one.
 */
export type RunStatus = RunSummary['status'] | 'incomplete';

export interface RunData {
  readonly dir: string;
  readonly status: RunStatus;
  /** Why the run did not finish (failed or interrupted), as one line. */
  readonly failure?: string;
  /** The same, with where it happened, when summary.json recorded it. */
  readonly failureDetail?: RunFailure;
  /** What a reader of the numbers should know although the run went on (loss spikes), from summary.json. */
  readonly runWarnings: readonly RunWarning[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly provenance: Readonly<Record<string, unknown>> | null;
  readonly summary: Readonly<Record<string, unknown>> | null;
  readonly epochs: readonly EpochRecord[];
  /** steps.jsonl: loss terms, scalars and training accuracy per logging interval ([] for runs without one). */
  readonly steps: readonly StepRecord[];
  readonly confusion: readonly ConfusionMatrix[];
  readonly calibration: readonly CalibrationDiagram[];
  readonly images: readonly ImageFile[];
  readonly otherArtifacts: readonly OtherArtifact[];
  /** Files that could not be read; the report shows them rather than failing. */
  readonly warnings: readonly string[];
}

export interface ReadRunOptions {
  /** PNGs larger than this are listed, not embedded. */
  readonly maxImageBytes?: number;
  /** At most this many PNGs are embedded (the rest are listed). */
  readonly maxImages?: number;
  /**
   * Why the run stopped, when the caller knows it failed. summary.json's own status and reason come first; this is for
   * a failure that left no summary (or one that still says finished: the caller saw the run fail after it was written).
   */
  readonly failure?: string;
}

/** Directories scanned for artefacts (JSON) and images (PNG); `checkpoints` and `final` hold weights, not results. */
export const ARTIFACT_DIRS = ['artifacts', 'maps'] as const;

const SKIP_DIRS = new Set<string>([RUN_FILES.checkpoints, RUN_FILES.final]);
const CORE_FILES = new Set<string>([RUN_FILES.config, RUN_FILES.provenance, RUN_FILES.summary]);

function walk(root: string, dir: string, out: string[], depth = 0): void {
  if (depth > 6) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name.endsWith('.tmp')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth === 0 && SKIP_DIRS.has(e.name)) continue;
      walk(root, p, out, depth + 1);
    } else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
  }
}

function readJsonOr<T>(file: string, warnings: string[]): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    warnings.push(`${file}: ${(e as Error).message}`);
    return null;
  }
}

function readMetricsFile(file: string, warnings: string[]): EpochRecord[] {
  if (!existsSync(file)) return [];
  const { records, bad } = parseMetrics(readFileSync(file, 'utf8'));
  // A run killed mid-append leaves a partial last line: report it, keep the rest.
  for (const b of bad) warnings.push(`${file}:${b.line}: not JSON (${b.message})`);
  // Lines from older kd versions may lack fields: a report shows what there is.
  return records.map((r) => ({
    stage: String(r.stage ?? 'train'),
    epoch: Number(r.epoch),
    epochs: Number(r.epochs),
    ...(typeof r.lr === 'number' ? { lr: r.lr } : {}),
    loss: r.loss ?? {},
    metrics: r.metrics ?? {},
    ...(r.memory ? { memory: r.memory } : {}),
    ...(r.time ? { time: r.time } : {}),
    ...(r.train ? { train: r.train } : {}),
    ...(r.scalars ? { scalars: r.scalars } : {}),
  }));
}

/** Reads everything a report shows from a run directory. Only a missing directory or config.json is an error. */
export function readRun(dir: string, options: ReadRunOptions = {}): RunData {
  const maxImageBytes = options.maxImageBytes ?? 2 * 1024 * 1024;
  const maxImages = options.maxImages ?? 64;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new KdInputError(`${dir}: no such run directory`);
  const configFile = join(dir, RUN_FILES.config);
  if (!existsSync(configFile)) throw new KdInputError(`${dir}: not a kd run directory (no ${RUN_FILES.config})`);
  const warnings: string[] = [];
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new KdInputError(`${configFile}: not valid JSON (${(e as Error).message})`);
  }
  const provenance = readJsonOr<Record<string, unknown>>(join(dir, RUN_FILES.provenance), warnings);
  let typed: RunSummary | null = null;
  try {
    typed = readRunSummary(dir);
  } catch (e) {
    warnings.push(`${join(dir, RUN_FILES.summary)}: ${(e as Error).message}`);
  }
  const summary = typed as unknown as Readonly<Record<string, unknown>> | null;
  const epochs = readMetricsFile(join(dir, RUN_FILES.metrics), warnings);
  const steps = readSteps(dir);
  if (steps.bad)
    warnings.push(`${join(dir, RUN_FILES.steps)}: ${steps.bad} line(s) not JSON (a torn last line: the run was killed mid-write)`);

  const all: string[] = [];
  // Plugins write results into artifacts/ and maps/ (the convention); JSON beside core's files is read too.
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
    if (e.isFile() && /\.(json|png)$/i.test(e.name) && !CORE_FILES.has(e.name)) all.push(e.name);
  for (const d of ARTIFACT_DIRS) if (existsSync(join(dir, d))) walk(dir, join(dir, d), all, 1);
  // An overwritten run keeps directories core does not clear; files older than this run's start belong to another run.
  const startedAt = Date.parse(String(provenance?.['startedAt'] ?? ''));
  const files = all.filter((f) => {
    const stale = Number.isFinite(startedAt) && statSync(join(dir, f)).mtimeMs < startedAt - 2000;
    if (stale)
      warnings.push(`${f}: older than this run (started ${String(provenance?.['startedAt'])}); left out as a leftover of an earlier run`);
    return !stale;
  });
  const confusion: ConfusionMatrix[] = [];
  const calibration: CalibrationDiagram[] = [];
  const images: ImageFile[] = [];
  const otherArtifacts: OtherArtifact[] = [];
  // Over the limit, the last images in name order are embedded: distillers number maps by epoch, so the newest.
  const pngs = files.filter((f) => f.toLowerCase().endsWith('.png'));
  const fitting = pngs.filter((f) => statSync(join(dir, f)).size <= maxImageBytes);
  const embedded = new Set(maxImages > 0 ? fitting.slice(-maxImages) : []);
  for (const f of files) {
    const abs = join(dir, f);
    const bytes = statSync(abs).size;
    if (f.toLowerCase().endsWith('.png')) {
      if (embedded.has(f)) {
        const data = readFileSync(abs);
        const grid = readHeatMapGrid(data);
        images.push({ path: f, bytes, data, ...(grid ? { grid } : {}) });
      } else images.push({ path: f, bytes });
    } else if (f.toLowerCase().endsWith('.json')) {
      const json = readJsonOr<unknown>(abs, warnings);
      if (json === null) continue;
      const found = recogniseArtifacts(json, f);
      confusion.push(...found.confusion);
      calibration.push(...found.calibration);
      if (!found.confusion.length && !found.calibration.length)
        otherArtifacts.push({ path: f, bytes, ...(bytes <= 8192 ? { preview: JSON.stringify(json, null, 2) } : {}) });
    } else otherArtifacts.push({ path: f, bytes });
  }
  const recorded = typed && typed.status !== 'finished' ? typed.failure : null;
  const overridden = options.failure !== undefined && (!typed || typed.status === 'finished');
  const status: RunStatus = overridden ? 'failed' : (typed?.status ?? 'incomplete');
  const failure = overridden ? options.failure : (recorded?.message ?? (status === 'failed' ? 'summary.json gives no reason' : undefined));
  return {
    dir,
    status,
    ...(failure !== undefined ? { failure } : {}),
    ...(!overridden && recorded ? { failureDetail: recorded } : {}),
    runWarnings: Array.isArray(typed?.warnings) ? typed.warnings : [],
    config,
    provenance,
    summary,
    epochs,
    steps: steps.records,
    confusion,
    calibration,
    images,
    otherArtifacts,
    warnings,
  };
}
