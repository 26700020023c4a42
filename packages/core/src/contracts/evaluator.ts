import type * as tf from '@tensorflow/tfjs-core';
import type { Network } from './network.js';
import type { DatasetSplit } from './dataset.js';
import type { RunEventSource } from './run-events.js';

export type Metrics = Readonly<Record<string, number>>;

export interface EvaluationContext {
  readonly student: Network;
  readonly teacher?: Network;
  readonly split: DatasetSplit;
  readonly splitName: string;
  readonly batchSize: number;
  readonly numClasses: number;
  /** The dataset's class names by label, when it knows them (for reports: a confusion matrix reads by name). */
  readonly classNames?: readonly string[];
  /** Epoch just finished (0-based), or -1 before training. */
  readonly epoch: number;
  /** Training stage just evaluated (epoch numbers restart with each stage). */
  readonly stage?: string;
  /**
   * The run directory, for result files an evaluator writes beside metrics.jsonl: by convention under
   * `artifacts/` (JSON) and `maps/` (images), atomically. Absent outside a run.
   */
  readonly runDir?: string;
}

/**
 * An evaluator computes metrics over a split. It may also subscribe to run events in `attach`
 * (per-step statistics, reports).
 */
export interface Evaluator {
  attach?(events: RunEventSource): void;
  evaluate(context: EvaluationContext): Promise<Metrics>;
  dispose?(): void;
}

export type { tf };
