import type { RunEventListener, RunEventMap, RunEventSource } from '../contracts/run-events.js';

export type {
  RunStartEvent,
  StageEvent,
  EpochStartEvent,
  StepEndEvent,
  EpochEndEvent,
  WarningEvent,
  RunEndEvent,
  RunEventMap,
} from '../contracts/run-events.js';

type Listener<E> = RunEventListener<E>;

/** Hooks that evaluators, loggers and progress bars subscribe to. Listeners run in subscription order. */
export class RunEvents implements RunEventSource {
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
