import { Queue, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { coreVersion } from '@kd/core/host';
import { cellSummary, type CellResult, type CellTask, type Executor } from '@kd/sweep';
import { DEFAULT_QUEUE } from './connection.js';
import { jobData, type CellJobData, type CellJobProgress, type CellJobResult } from './job-data.js';

export interface QueueExecutorOptions {
  readonly connection: RedisOptions;
  readonly queue?: string;
  /** Tries per cell before it is failed (a worker dying mid-run does not count: BullMQ moves a stalled job back). */
  readonly attempts?: number;
  /** How often `run` looks at the jobs it waits for, in ms. */
  readonly pollMs?: number;
  /** The version the cells were hashed with (default this process's `@kd/core`). */
  readonly kdVersion?: string;
}

/** Where a cell's job is: `queued` covers waiting, delayed and prioritized; `missing` means no job has this id. */
export type CellJobState = 'queued' | 'active' | 'completed' | 'failed' | 'missing';

export interface CellJobStatus {
  readonly hash: string;
  readonly state: CellJobState;
  readonly reason?: string;
  readonly attempts?: number;
  readonly progress?: CellJobProgress;
  readonly result?: CellJobResult;
  readonly enqueuedAt?: number;
  readonly processedAt?: number;
  readonly finishedAt?: number;
}

/** What `enqueue` did with a task: added, or left alone because a job with its hash already exists. */
export interface Enqueued {
  readonly task: CellTask;
  readonly added: boolean;
  readonly state: CellJobState;
}

function stateOf(s: string): CellJobState {
  if (s === 'active' || s === 'completed' || s === 'failed') return s;
  if (s === 'unknown') return 'missing';
  return 'queued';
}

/**
 * The distributed executor: every cell is a BullMQ job whose id is the cell's content hash, so submitting a study twice
 * (or from two machines) adds each distinct run once. Workers (`runWorker`) anywhere pull the jobs; `run` waits for
 * them and yields their results, `enqueue` only submits (what `kd sweep --queue` does).
 */
export class QueueExecutor implements Executor {
  readonly queue: Queue<CellJobData, CellJobResult>;
  private readonly version: string;
  private readonly client: Redis;

  constructor(private readonly options: QueueExecutorOptions) {
    // BullMQ loads no Redis client by itself under ESM: it is handed one.
    this.client = new Redis(options.connection);
    this.queue = new Queue(options.queue ?? DEFAULT_QUEUE, { connection: this.client });
    this.version = options.kdVersion ?? coreVersion();
  }

  /**
   * Adds one job per task. A job already there under the hash is left as it is (queued, running or failed: see
   * `retryFailed`), except a completed one whose run is no longer finished on disk (moved away), which is replaced.
   */
  async enqueue(tasks: readonly CellTask[]): Promise<Enqueued[]> {
    const out: Enqueued[] = [];
    for (const task of tasks) {
      const old = await this.queue.getJob(task.hash);
      const state = old ? stateOf(await old.getState()) : 'missing';
      if (old && state === 'completed' && cellSummary(task.runDir)?.status !== 'finished') await old.remove();
      else if (old && state !== 'missing') {
        out.push({ task, added: false, state });
        continue;
      }
      await this.queue.add(task.name, jobData(task, this.version), {
        jobId: task.hash,
        attempts: this.options.attempts ?? 3,
        backoff: { type: 'fixed', delay: 2000 },
        // Kept: `--status` reads the finished jobs, and a finished job's id keeps a re-submission from adding it again.
        removeOnComplete: false,
        removeOnFail: false,
      });
      out.push({ task, added: true, state: 'queued' });
    }
    return out;
  }

  async status(hashes: readonly string[]): Promise<CellJobStatus[]> {
    // The state first, then the job: a job read first could finish in between, and show a final state without the
    // reason or result it ended with.
    return Promise.all(
      hashes.map(async (hash) => {
        const state = stateOf(await this.queue.getJobState(hash));
        return describeJob(hash, state, state === 'missing' ? undefined : await this.queue.getJob(hash));
      }),
    );
  }

  /** Moves the failed jobs among `hashes` back to the queue, their attempts reset; returns the hashes moved. */
  async retryFailed(hashes: readonly string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const hash of hashes) {
      const job = await this.queue.getJob(hash);
      if (job && (await job.getState()) === 'failed') {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        moved.push(hash);
      }
    }
    return moved;
  }

  async *run(tasks: readonly CellTask[], signal?: AbortSignal): AsyncIterable<CellResult> {
    await this.enqueue(tasks);
    const waiting = new Map(tasks.map((t) => [t.hash, t]));
    while (waiting.size && !signal?.aborted) {
      for (const s of await this.status([...waiting.keys()])) {
        const task = waiting.get(s.hash)!;
        if (s.state !== 'completed' && s.state !== 'failed') continue;
        waiting.delete(s.hash);
        const base = { name: task.name, hash: task.hash, runDir: task.runDir, exit: null, seconds: s.result?.seconds ?? 0 };
        const summary = cellSummary(task.runDir);
        if (s.state === 'completed') yield { ...base, status: 'finished', exit: 0 };
        else yield { ...base, status: summary && summary.status !== 'finished' ? summary.status : 'error', reason: s.reason ?? 'failed' };
      }
      if (waiting.size) await new Promise((r) => setTimeout(r, this.options.pollMs ?? 500));
    }
  }

  async close(): Promise<void> {
    try {
      await this.queue.close();
    } finally {
      this.client.disconnect();
    }
  }
}

function describeJob(hash: string, state: CellJobState, job: Job<CellJobData, CellJobResult> | undefined): CellJobStatus {
  if (!job) return { hash, state: 'missing' };
  const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as CellJobProgress) : undefined;
  return {
    hash,
    state,
    attempts: job.attemptsMade,
    enqueuedAt: job.timestamp,
    ...(job.processedOn ? { processedAt: job.processedOn } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    ...(progress ? { progress } : {}),
    ...(state === 'failed' && job.failedReason ? { reason: job.failedReason } : {}),
    ...(state === 'completed' && job.returnvalue ? { result: job.returnvalue } : {}),
  };
}
