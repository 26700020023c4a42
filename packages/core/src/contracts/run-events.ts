import type { Metrics } from './evaluator.js';

export interface RunStartEvent {
  readonly runDir: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly resumedFromEpoch: number | null;
}
export interface StageEvent {
  readonly stage: string;
  readonly epochs: number;
}
export interface EpochStartEvent {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly steps: number;
}
export interface StepEndEvent {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Loss terms of this step, read back to numbers. */
  readonly losses: Readonly<Record<string, number>>;
  /** Extra scalars the distiller logged for this step (`LossTerms.scalars`); absent when it logged none. */
  readonly scalars?: Readonly<Record<string, number>>;
  /** This batch's training accuracy; absent for a `trainStep` distiller that returns no student logits. */
  readonly trainTop1?: number;
}
export interface EpochEndEvent {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  /** Everything written to metrics.jsonl for this epoch. */
  readonly record: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
}
/** Something the user should see now although the run goes on (a loss spike). */
export interface WarningEvent {
  readonly message: string;
}
export interface RunEndEvent {
  readonly runDir: string;
  readonly final: Readonly<Record<string, unknown>>;
}

export interface RunEventMap {
  runStart: RunStartEvent;
  stageStart: StageEvent;
  epochStart: EpochStartEvent;
  stepEnd: StepEndEvent;
  epochEnd: EpochEndEvent;
  stageEnd: StageEvent;
  runEnd: RunEndEvent;
  warning: WarningEvent;
}

export type RunEventListener<E> = (event: E) => void | Promise<void>;

/**
 * What plugins see of a run's events: they subscribe (evaluators for per-step statistics, distillers to write
 * artefacts at epoch or run end); only the engine emits. Returns a function that unsubscribes.
 */
export interface RunEventSource {
  on<K extends keyof RunEventMap>(name: K, listener: RunEventListener<RunEventMap[K]>): () => void;
}
