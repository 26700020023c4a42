import type { CellTask } from '@kd/sweep';

/** A cell as a BullMQ job's payload: everything a worker on another machine needs, paths on the shared output root. */
export interface CellJobData {
  readonly name: string;
  readonly hash: string;
  /** The cell's config, absolute, on storage every worker sees. */
  readonly config: string;
  readonly runDir: string;
  readonly log: string;
  /** KD_WASM_THREADS of the run: fixed by the study, so the result does not depend on the worker's machine. */
  readonly threads: number;
  /** The `@kd/core` version that hashed the cell; a worker of another version refuses the job. */
  readonly kdVersion: string;
}

/** What a completed job returns (the job's return value). */
export interface CellJobResult {
  readonly status: 'finished';
  /** `run`, `resume` (from the run's checkpoint), or `skipped` (the run directory already held the finished run). */
  readonly action: 'run' | 'resume' | 'skipped';
  readonly seconds: number;
  readonly worker: string;
}

/** Progress a worker reports: when the child started, then each epoch line the run printed. */
export interface CellJobProgress {
  readonly startedAt: number;
  readonly action: 'run' | 'resume';
  readonly worker: string;
  readonly epoch?: number;
  readonly epochs?: number;
  readonly line?: string;
}

export function jobData(task: CellTask, kdVersion: string): CellJobData {
  return {
    name: task.name,
    hash: task.hash,
    config: task.config,
    runDir: task.runDir,
    log: task.log,
    threads: task.threads,
    kdVersion,
  };
}
