/**
 * The seam between a study and whatever runs it. A task is self-contained: a config file and a run directory on a
 * path every worker sees, the threads to run with, and whether to start or resume. The local executor runs tasks as
 * child processes; a queue-based one (BullMQ) would enqueue them with `hash` as the job id, and its workers would run
 * the same `kd run` / `kd run --resume` command (`cellCommand`).
 */
export interface CellTask {
  readonly name: string;
  readonly hash: string;
  /** The cell's config file, absolute. */
  readonly config: string;
  /** The cell's run directory, absolute. */
  readonly runDir: string;
  /** Where the run's stderr goes (appended). */
  readonly log: string;
  /** `run`: kd run <config>; `resume`: kd run --resume <runDir> (an interrupted run with a checkpoint). */
  readonly action: 'run' | 'resume';
  /** KD_WASM_THREADS of the run. */
  readonly threads: number;
}

/** How a task ended, as the run directory's summary.json says (or the process, when it wrote none). */
export interface CellResult {
  readonly name: string;
  readonly hash: string;
  readonly runDir: string;
  /** `error`: the process ended without a summary saying why (killed, or refused its input). */
  readonly status: 'finished' | 'failed' | 'interrupted' | 'error';
  /** Why it did not finish: the summary's failure, else the end of its stderr. */
  readonly reason?: string;
  /** The process's exit code, or its signal. */
  readonly exit: number | string | null;
  readonly seconds: number;
}

export interface Executor {
  /**
   * Runs the tasks; yields each result as it ends (in any order). Aborting `signal` starts no further task and stops
   * the running ones (they checkpoint, and resume on the next run); aborted with the reason `'drain'`, the running
   * ones are left to finish or to stop by themselves.
   */
  run(tasks: readonly CellTask[], signal?: AbortSignal): AsyncIterable<CellResult>;
}

export interface CellCommandOptions {
  /**
   * Pass `--allow-local-plugins` on: a cell whose config lists a local plugin module must be allowed to import it in
   * the process that trains it, and that is the user's decision where the command runs (`kd sweep` or `kd worker`),
   * never the study's or the queue's.
   */
  readonly allowLocalPlugins?: boolean;
}

/** The kd arguments that run a task: what every executor's worker executes. */
export function cellCommand(task: Pick<CellTask, 'action' | 'config' | 'runDir'>, options: CellCommandOptions = {}): string[] {
  const run = task.action === 'resume' ? ['run', '--resume', task.runDir, '--json'] : ['run', task.config, '--json'];
  return options.allowLocalPlugins ? [...run, '--allow-local-plugins'] : run;
}
