import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cellSummary, failureReason } from './cell-state.js';
import { cellCommand, type CellResult, type CellTask, type Executor } from './executor.js';

export interface LocalExecutorOptions {
  /** Runs at once. */
  readonly jobs: number;
  /** How to start kd: the executable and the arguments before kd's own (e.g. node and the CLI's script). */
  readonly kd: readonly [string, ...string[]];
  /** Called when a task starts (progress lines). */
  readonly onStart?: (task: CellTask) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Every cell's `kd run` gets `--allow-local-plugins` (the sweep was given it). */
  readonly allowLocalPlugins?: boolean;
}

/** The last lines of a log, for a failure that left no summary. */
function tail(file: string, lines = 6): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Runs tasks as `kd` child processes, `jobs` at a time, each with its own fixed thread count, so results are the same
 * for any `jobs`. A failed task does not stop the others. On abort no new task starts and every running child gets
 * SIGTERM, which makes kd checkpoint at the next step and exit (the next sweep resumes it); with the reason 'drain'
 * the children are not signalled (Ctrl-C in a terminal already reached them: a second signal would make them exit
 * without their checkpoint).
 */
export class LocalExecutor implements Executor {
  constructor(private readonly options: LocalExecutorOptions) {}

  async *run(tasks: readonly CellTask[], signal?: AbortSignal): AsyncIterable<CellResult> {
    const queue = [...tasks];
    const running = new Map<Promise<CellResult>, () => void>();
    const stopAll = () => {
      queue.length = 0;
      if (signal?.reason !== 'drain') for (const stop of running.values()) stop();
    };
    signal?.addEventListener('abort', stopAll, { once: true });
    try {
      const start = () => {
        while (running.size < this.options.jobs && queue.length && !signal?.aborted) {
          const task = queue.shift()!;
          const { done, stop } = this.spawnTask(task);
          running.set(done, stop);
        }
      };
      start();
      while (running.size) {
        const result = await Promise.race([...running.keys()].map((p) => p.then((r) => [p, r] as const)));
        running.delete(result[0]);
        start();
        yield result[1];
      }
    } finally {
      signal?.removeEventListener('abort', stopAll);
    }
  }

  private spawnTask(task: CellTask): { done: Promise<CellResult>; stop: () => void } {
    this.options.onStart?.(task);
    mkdirSync(dirname(task.log), { recursive: true });
    const log = openSync(task.log, 'a');
    const t0 = performance.now();
    const [exe, ...pre] = this.options.kd;
    const child = spawn(exe, [...pre, ...cellCommand(task, { allowLocalPlugins: this.options.allowLocalPlugins === true })], {
      env: { ...(this.options.env ?? process.env), KD_WASM_THREADS: String(task.threads), KD_PROGRESS_LABEL: task.name },
      stdio: ['ignore', 'ignore', log],
    });
    const done = new Promise<CellResult>((resolve) => {
      let ended = false;
      const end = (exit: number | string | null) => {
        if (ended) return;
        ended = true;
        closeSync(log);
        const seconds = (performance.now() - t0) / 1000;
        const summary = cellSummary(task.runDir);
        // Exit 2 is kd refusing its input before training (a lock held, a damaged directory): any summary there is an
        // earlier attempt's, and the log says what happened now.
        const base = { name: task.name, hash: task.hash, runDir: task.runDir, exit, seconds };
        if (exit === 0 && summary?.status === 'finished') resolve({ ...base, status: 'finished' });
        else if (summary && summary.status !== 'finished' && typeof exit === 'number' && exit !== 0 && exit !== 2)
          resolve({
            ...base,
            status: summary.status,
            reason: failureReason(summary) ?? `exit ${exit}`,
          });
        else
          resolve({
            ...base,
            status: 'error',
            reason: `${typeof exit === 'string' ? `killed by ${exit}` : `exit ${exit}`}${tail(task.log) ? `; log ends:\n${tail(task.log)}` : ''}`,
          });
      };
      child.on('error', (e) => end(`spawn failed: ${e.message}`));
      child.on('close', (code, sig) => end(code ?? sig));
    });
    return { done, stop: () => void child.kill('SIGTERM') };
  }
}
