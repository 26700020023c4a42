import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { KdInputError } from '../errors/errors.js';

export const RUN_FILES = {
  config: 'config.json',
  provenance: 'provenance.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
  final: 'final',
  /** The self-contained HTML report (written by the CLI after a run). */
  report: 'report.html',
  /** Plugins' result files (evaluator reports, learned matrices): JSON, one file per artefact. */
  artifacts: 'artifacts',
  /** Images plugins produce (activation maps), PNG. */
  maps: 'maps',
} as const;

/** Lays out and guards a run directory: a finished run is never silently overwritten. */
export class RunDirectory {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  get isFinished(): boolean {
    return existsSync(this.path(RUN_FILES.summary));
  }

  get hasCheckpoint(): boolean {
    return existsSync(join(this.path(RUN_FILES.checkpoints), 'latest.json'));
  }

  /** For a new run: refuses to clobber earlier results unless asked to. Touches nothing. */
  checkFresh(overwrite: boolean, pointer = '/output/dir'): void {
    if (existsSync(this.dir) && readdirSync(this.dir).length > 0 && !overwrite) {
      const hint = this.isFinished
        ? 'set output.overwrite to true or choose another directory'
        : this.hasCheckpoint
          ? `it holds an interrupted run: continue it with kd run --resume ${this.dir}`
          : 'choose another directory';
      throw new KdInputError(`${pointer}: ${this.dir} already exists and is not empty; ${hint}`);
    }
  }

  /**
   * Clears an earlier run's files (only when overwriting was allowed by `checkFresh`) and creates the directory. Only
   * what a run writes is removed (plugins write into `artifacts/` and `maps/` by convention), never a user's files.
   */
  prepareFresh(overwrite: boolean, pointer = '/output/dir'): void {
    this.checkFresh(overwrite, pointer);
    if (existsSync(this.dir)) {
      for (const f of Object.values(RUN_FILES)) {
        const p = this.path(f);
        rmSync(p, { recursive: true, force: true });
      }
    }
    mkdirSync(this.dir, { recursive: true });
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  readJson<T>(name: string): T {
    return JSON.parse(readFileSync(this.path(name), 'utf8')) as T;
  }

  appendMetrics(record: Readonly<Record<string, unknown>>): void {
    appendFileSync(this.path(RUN_FILES.metrics), `${JSON.stringify(record)}\n`);
  }

  metricsLines(): Record<string, unknown>[] {
    const p = this.path(RUN_FILES.metrics);
    if (!existsSync(p)) return [];
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** On resume: drop metric lines written after the checkpoint (they will be recomputed identically). */
  truncateMetrics(lines: number): void {
    const kept = this.metricsLines().slice(0, lines);
    writeFileAtomic(this.path(RUN_FILES.metrics), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

export function gitSha(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}
