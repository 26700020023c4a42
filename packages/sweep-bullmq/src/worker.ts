import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { coreVersion } from '@kd/core/host';
import { cellCommand, cellState, cellSummary, failureReason, isFinalFailure, type CellState } from '@kd/sweep';
import { DEFAULT_QUEUE } from './connection.js';
import type { CellJobData, CellJobProgress, CellJobResult } from './job-data.js';

export interface WorkerOptions {
  readonly connection: RedisOptions;
  readonly queue?: string;
  /** Cells run at once on this worker, each one kd child process. */
  readonly concurrency?: number;
  /** How to start kd: the executable and the arguments before kd's own. */
  readonly kd: readonly [string, ...string[]];
  /**
   * Recomputes a cell's hash from its config file as this worker's kd resolves it (schema defaults, plugins): a
   * config edited since submission, or plugins of other versions, change it. Without it only the version is checked.
   */
  readonly verify?: (job: CellJobData) => Promise<string>;
  /**
   * How long a job's lock lasts without renewal, in ms. The worker renews it every half of this while a child trains,
   * so this bounds only how long a dead worker's cell waits before another worker takes it over (default 60 s).
   */
  readonly lockDuration?: number;
  /** How often this worker looks for jobs whose lock expired (default 30 s). */
  readonly stalledInterval?: number;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Every cell's `kd run` gets `--allow-local-plugins`. Decided by whoever starts the worker, never by a job: a queue
   * must not be able to make a machine import a module it names.
   */
  readonly allowLocalPlugins?: boolean;
  /** Progress lines (a cell started, ended, was refused). */
  readonly log?: (line: string) => void;
  readonly version?: string;
}

export interface RunningWorker {
  readonly worker: Worker<CellJobData, CellJobResult>;
  /**
   * Stops taking jobs and closes once the running cells ended. `term`: the children get SIGTERM (kd checkpoints at the
   * next step and exits 143); `drain`: they are not signalled (Ctrl-C in a terminal already reached them). A cell
   * stopped so goes back to the queue without using up a try, and its next worker resumes it.
   */
  stop(mode: 'term' | 'drain'): Promise<void>;
}

/**
 * A BullMQ worker for kd cells. The training runs in a child process, never in this one: the worker's event loop stays
 * free to renew each job's lock (every lockDuration / 2) however long and CPU-bound a run is, so a live run is never
 * taken for stalled; a worker that dies stops renewing, and after lockDuration the stalled check hands its cells to
 * another worker, which resumes them from their last checkpoint (`cellState` → `kd run --resume`).
 */
export function runWorker(options: WorkerOptions): RunningWorker {
  const say = options.log ?? (() => {});
  const version = options.version ?? coreVersion();
  const me = `${hostname()}:${process.pid}`;
  const children = new Set<ChildProcess>();
  let stopping = false;

  const process_ = async (job: Job<CellJobData, CellJobResult>, token?: string): Promise<CellJobResult> => {
    const d = job.data;
    const refuse = (why: string): never => {
      say(`${d.name}: refused — ${why}`);
      // Unrecoverable: every worker of this version would refuse it the same way; --status shows the reason.
      throw new UnrecoverableError(why);
    };
    if (d.kdVersion !== version)
      refuse(
        `kd version skew: cell ${d.name} was hashed by @kd/core ${d.kdVersion}, this worker (${me}) runs @kd/core ${version}; run workers of the submitting kd's version, or submit the study again with this one`,
      );
    if (options.verify) {
      let hash: string;
      try {
        hash = await options.verify(d);
      } catch (e) {
        return refuse(`cell ${d.name}: ${d.config} cannot be checked on this worker (${me}): ${(e as Error).message}`);
      }
      if (hash !== d.hash)
        refuse(
          `cell hash skew: ${d.config} hashes to ${hash.slice(0, 12)} on this worker (${me}), the job was submitted as ${d.hash.slice(0, 12)}: the cell config or the plugins changed since it was submitted`,
        );
    }
    let state: CellState;
    try {
      state = cellState(d.runDir, d.hash, d.name);
    } catch (e) {
      return refuse((e as Error).message);
    }
    if (state.kind === 'done') {
      say(`${d.name}: already finished in ${d.runDir}`);
      return { status: 'finished', action: 'skipped', seconds: 0, worker: me };
    }
    if (state.kind === 'failed') refuse(failureReason(state.summary) ?? 'failed');
    const action = state.kind === 'resume' ? 'resume' : 'run';
    say(`${d.name}: ${action === 'resume' ? 'resuming' : 'starting'} (attempt ${job.attemptsStarted}, log ${d.log})`);
    const t0 = performance.now();
    const exit = await runChild(job, action);
    const seconds = (performance.now() - t0) / 1000;
    const summary = cellSummary(d.runDir);
    if (exit === 0 && summary?.status === 'finished') {
      say(`${d.name}: finished in ${seconds.toFixed(1)} s`);
      return { status: 'finished', action, seconds, worker: me };
    }
    if (stopping && summary?.status === 'interrupted') {
      // Stopped by this worker's shutdown: back to the queue without spending a try; the next worker resumes it.
      say(`${d.name}: checkpointed and returned to the queue`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const reason = (summary && summary.status !== 'finished' ? failureReason(summary) : undefined) ?? `exit ${exit}`;
    say(`${d.name}: ${reason}`);
    if (isFinalFailure(summary)) refuse(reason);
    throw new Error(`cell ${d.name} on ${me}: ${reason} (log ${d.log})`);
  };

  const runChild = (job: Job<CellJobData, CellJobResult>, action: 'run' | 'resume') =>
    new Promise<number | string | null>((resolve) => {
      const d = job.data;
      mkdirSync(dirname(d.log), { recursive: true });
      const log = createWriteStream(d.log, { flags: 'a' });
      const [exe, ...pre] = options.kd;
      const args = cellCommand({ action, config: d.config, runDir: d.runDir }, { allowLocalPlugins: options.allowLocalPlugins === true });
      const child = spawn(exe, [...pre, ...args], {
        env: { ...(options.env ?? process.env), KD_WASM_THREADS: String(d.threads), KD_PROGRESS_LABEL: d.name },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.add(child);
      const base: CellJobProgress = { startedAt: Date.now(), action, worker: me };
      void job.updateProgress(base as unknown as object).catch(() => {});
      let pending = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          const m = / epoch (\d+)\/(\d+) /.exec(line);
          // A lost progress update (Redis restarting) is harmless: the next epoch sends another.
          if (m) void job.updateProgress({ ...base, epoch: Number(m[1]), epochs: Number(m[2]), line: line.trim() }).catch(() => {});
        }
      });
      let ended = false;
      const end = (exit: number | string | null) => {
        if (ended) return;
        ended = true;
        children.delete(child);
        log.end(() => resolve(exit));
      };
      child.on('error', (e) => end(`spawn failed: ${e.message}`));
      child.on('close', (code, sig) => end(code ?? sig));
    });

  // A worker outlives Redis restarts: its commands wait for the reconnection instead of failing (BullMQ requires it).
  const client = new Redis({ ...options.connection, maxRetriesPerRequest: null });
  const worker = new Worker<CellJobData, CellJobResult>(options.queue ?? DEFAULT_QUEUE, process_, {
    connection: client,
    concurrency: options.concurrency ?? 1,
    // The lock is renewed every lockDuration / 2 by this process, which never trains itself, so a long run keeps it.
    // lockDuration only decides how soon a dead worker's cell is taken over: a minute costs little against runs of
    // hours, and tolerates a worker's event loop pausing (GC, a loaded machine) for well over the renewal period.
    lockDuration: options.lockDuration ?? 60_000,
    stalledInterval: options.stalledInterval ?? 30_000,
    // A stalled job is a worker lost (a machine, an OOM kill), not a bad cell: resuming it is cheap, so it may stall a
    // few times before it counts as failed.
    maxStalledCount: 5,
  });
  worker.on('error', (e) => say(`queue: ${e.message}`));

  return {
    worker,
    async stop(mode) {
      stopping = true;
      const closing = worker.close();
      if (mode === 'term') for (const c of children) c.kill('SIGTERM');
      await closing;
      client.disconnect();
    },
  };
}
