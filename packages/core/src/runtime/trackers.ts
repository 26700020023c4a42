import type { RunEventListener, RunEventMap, RunEventSource } from '../contracts/run-events.js';
import type { Tracker, TrackerOutcome } from '../contracts/tracker.js';
import type { RunEvents } from '../engine/events.js';
import type { Logger } from '../plugin/tokens.js';

export interface NamedTracker {
  readonly name: string;
  readonly tracker: Tracker;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Connects a run's trackers to its events. Trackers only observe the run, so none of their failures may end it: a
 * listener or `close` that throws is reported as a `warning` event (printed by the CLI) and the run continues. A
 * tracker failing on the `warning` event itself is only logged, so that a broken tracker cannot warn in a loop.
 */
export class TrackerHub {
  constructor(
    private readonly trackers: readonly NamedTracker[],
    private readonly events: RunEvents,
    private readonly logger: Logger,
  ) {}

  attach(): void {
    for (const { name, tracker } of this.trackers) {
      try {
        tracker.attach(this.guarded(name));
      } catch (e) {
        this.logger.warn(`tracker "${name}" could not subscribe to the run events and records nothing: ${messageOf(e)}`);
      }
    }
  }

  async close(outcome: TrackerOutcome): Promise<void> {
    for (const { name, tracker } of this.trackers) {
      try {
        await tracker.close?.(outcome);
      } catch (e) {
        await this.report(name, 'close', e);
      }
    }
  }

  private guarded(name: string): RunEventSource {
    return {
      on: <K extends keyof RunEventMap>(event: K, listener: RunEventListener<RunEventMap[K]>) =>
        this.events.on(event, async (payload: RunEventMap[K]) => {
          try {
            await listener(payload);
          } catch (e) {
            await this.report(name, event, e);
          }
        }),
    };
  }

  private async report(name: string, during: string, e: unknown): Promise<void> {
    const message = `tracker "${name}" failed on ${during}: ${messageOf(e)} (the run goes on)`;
    if (during === 'warning') this.logger.warn(message);
    else await this.events.emit('warning', { message });
  }
}
