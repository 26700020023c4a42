import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../contracts/evaluator.js';
import type { TrainingPosition } from './checkpoint.js';

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
  readonly best: TrainingPosition['best'] | null;
  readonly studentParams: number | null;
  readonly teacherParams: number | null;
  readonly studentFlops: number | null;
  readonly teacherFlops: number | null;
  /** Training seconds summed over the epochs in metrics.jsonl. */
  readonly seconds: number;
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
