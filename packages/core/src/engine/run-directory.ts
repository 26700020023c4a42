import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { KdInputError } from '../errors/errors.js';
import { readMetrics, readRunJson, readRunSummary, type EpochRecord, type RunStatus } from '../io/run-files.js';
import { LOCK_FILE } from './run-lock.js';
import { appendWithCrashPoint } from './crash-point.js';

export const RUN_FILES = {
  config: 'config.json',
  provenance: 'provenance.json',
  metrics: 'metrics.jsonl',
  /** Per-step loss terms, scalars and training accuracy, averaged over short intervals (engine/step-log.ts). */
  steps: 'steps.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
  final: 'final',
  /** The self-contained HTML report (written by the CLI after a run). */
  report: 'report.html',
  /** Plugins' result files (evaluator reports, learned matrices): JSON, one file per artefact. */
  artifacts: 'artifacts',
  /** Images plugins produce (activation maps), PNG. */
  maps: 'maps',
  /** Caches plugins keep for this run (a trained auto-encoder) unless KD_CACHE_DIR names a shared place. */
  cache: 'cache',
} as const;

/**
 * Written first into every directory a run creates. `output.overwrite` clears only a directory carrying it (or an
 * empty one), so a mistyped `output.dir` can never delete a project folder or another tool's output.
 */
export const RUN_MARKER = '.kd-run';

/** Names of the temporary files and directories `writeFileAtomic` / `writeDirAtomic` leave when killed. */
const TEMP_NAME = /^\..+\.\d+\.(tmp|old)$/;

/** What a fresh run will do with its directory; see `RunDirectory.checkFresh`. */
export type FreshStart = 'create' | 'empty' | 'overwrite' | 'reuse';

/** Lays out and guards a run directory: a finished run is never silently overwritten, and nothing else ever is. */
export class RunDirectory {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  get isKdRun(): boolean {
    return existsSync(this.path(RUN_MARKER));
  }

  /** The status summary.json records, or null when there is none (running, or killed before it was written). */
  get status(): RunStatus | null {
    try {
      return readRunSummary(this.dir)?.status ?? null;
    } catch {
      return null;
    }
  }

  get isFinished(): boolean {
    return this.status === 'finished';
  }

  get hasCheckpoint(): boolean {
    return existsSync(join(this.path(RUN_FILES.checkpoints), 'latest.json'));
  }

  /**
   * For a new run: decides what may happen to the directory, touching nothing. Throws a KdInputError when the run
   * must not start there. A kd run directory that stopped before its first checkpoint (a failure or kill in epoch 1)
   * holds nothing worth keeping, so it is reused in place without `overwrite`.
   */
  checkFresh(overwrite: boolean, pointer = '/output/dir'): FreshStart {
    if (!existsSync(this.dir)) return 'create';
    if (!statSync(this.dir).isDirectory())
      throw new KdInputError(`${pointer}: ${this.dir} exists and is not a directory; expected a directory for the run`);
    // The lock is ours when this runs with it held (its holder was checked when it was taken).
    const entries = readdirSync(this.dir).filter((e) => e !== LOCK_FILE);
    if (entries.length === 0) return 'empty';
    if (!this.isKdRun) {
      const legacy = entries.includes(RUN_FILES.config) && entries.includes(RUN_FILES.provenance);
      throw new KdInputError(
        `${pointer}: ${this.dir} already exists, is not empty and is not a kd run directory (no ${RUN_MARKER} marker); ` +
          (overwrite ? 'output.overwrite only ever clears directories kd created. ' : '') +
          (legacy
            ? 'It looks like a run of an earlier kd version: delete it yourself, or choose another directory'
            : 'choose a new or empty directory'),
      );
    }
    const status = this.status;
    if (status === 'finished') {
      if (overwrite) return 'overwrite';
      throw new KdInputError(`${pointer}: ${this.dir} holds a finished run; set output.overwrite to true or choose another directory`);
    }
    if (this.hasCheckpoint) {
      if (overwrite) return 'overwrite';
      throw new KdInputError(
        `${pointer}: ${this.dir} holds a${status === 'failed' ? ' failed' : 'n interrupted'} run with a checkpoint: continue it with kd run --resume ${this.dir}, or set output.overwrite to true to start over`,
      );
    }
    return 'reuse';
  }

  /**
   * Makes the directory a kd run directory (the marker first) and clears an earlier run's files. Call with the
   * lock held, after `checkFresh` allowed it. Only what a run writes is removed, never a user's files.
   */
  prepareFresh(start: FreshStart): void {
    mkdirSync(this.dir, { recursive: true });
    if (!this.isKdRun)
      writeFileAtomic(
        this.path(RUN_MARKER),
        `${JSON.stringify({ format: 'kd-run-directory', version: 1, createdAt: new Date().toISOString() })}\n`,
      );
    if (start === 'overwrite' || start === 'reuse')
      for (const f of Object.values(RUN_FILES)) rmSync(this.path(f), { recursive: true, force: true });
    this.sweepTemporaries();
  }

  /**
   * Removes the temporary files a killed or failed writer left (`.<name>.<pid>.tmp` / `.old`). Only safe with the
   * lock held: then no other kd process writes here.
   */
  sweepTemporaries(): string[] {
    const removed: string[] = [];
    const sweep = (dir: string, depth: number) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (TEMP_NAME.test(e.name)) {
          rmSync(p, { recursive: true, force: true });
          removed.push(p);
        } else if (e.isDirectory() && depth > 0) sweep(p, depth - 1);
      }
    };
    sweep(this.dir, 0);
    for (const d of [RUN_FILES.checkpoints, RUN_FILES.final, RUN_FILES.artifacts, RUN_FILES.maps, RUN_FILES.cache]) sweep(this.path(d), 3);
    return removed;
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  readJson<T>(name: string): T {
    return readRunJson<T>(this.path(name));
  }

  appendMetrics(record: Readonly<Record<string, unknown>>): void {
    appendWithCrashPoint(this.path(RUN_FILES.metrics), `${JSON.stringify(record)}\n`);
  }

  /** The records of metrics.jsonl (a torn last line dropped; see `readMetrics`). */
  metricsLines(): EpochRecord[] {
    return readMetrics(this.dir);
  }

  /** On resume: drop metric lines written after the checkpoint (they will be recomputed identically). */
  truncateMetrics(lines: number): void {
    const kept = this.metricsLines().slice(0, lines);
    writeFileAtomic(this.path(RUN_FILES.metrics), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

export function gitSha(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
