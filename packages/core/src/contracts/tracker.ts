import type { RunEventSource } from './run-events.js';

/** How a run ended, as a tracker is told when it is closed. */
export interface TrackerOutcome {
  readonly status: 'finished' | 'failed' | 'interrupted';
  /** The error or stop reason when the run did not finish. */
  readonly message?: string;
}

/**
 * An experiment tracker mirrors a run's events to an outside sink (event files, a tracking server). It only observes:
 * core subscribes its listeners through a guarded event source, so a listener that throws (server down, disk full)
 * becomes a `warning` event and the run goes on.
 */
export interface Tracker {
  /** Subscribes to the run events the tracker records. */
  attach(events: RunEventSource): void;
  /** Called once when the run ends (finished, failed or interrupted): flush buffers and release resources. */
  close?(outcome: TrackerOutcome): void | Promise<void>;
}
