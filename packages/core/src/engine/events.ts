import type { Metrics } from '../contracts/evaluator.js';

export interface RunStartEvent { readonly runDir: string; readonly config: Readonly<Record<string, unknown>>; readonly resumedFromEpoch: number | null }
export interface StageEvent { readonly stage: string; readonly epochs: number }
export interface EpochStartEvent { readonly stage: string; readonly epoch: number; readonly epochs: number; readonly steps: number }
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
export interface WarningEvent { readonly message: string }
export interface RunEndEvent { readonly runDir: string; readonly final: Readonly<Record<string, unknown>> }

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

type Listener<E> = (event: E) => void | Promise<void>;

/** Hooks that evaluators, loggers and progress bars subscribe to. Listeners run in subscription order. */
export class RunEvents {
  private readonly listeners = new Map<keyof RunEventMap, Listener<never>[]>();

  on<K extends keyof RunEventMap>(name: K, listener: Listener<RunEventMap[K]>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(name, list);
    return () => {
      const i = list.indexOf(listener as Listener<never>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  async emit<K extends keyof RunEventMap>(name: K, event: RunEventMap[K]): Promise<void> {
    for (const l of this.listeners.get(name) ?? []) await (l as Listener<RunEventMap[K]>)(event);
  }
}
