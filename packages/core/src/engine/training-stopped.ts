import { KdRunError } from '../errors/errors.js';
import type { RunFailure } from '../io/run-files.js';

/** Exit codes of a run stopped by a signal, as shells report them (128 + the signal's number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * Asked by the host (the CLI's signal handlers) to stop a run: the trainer checks it between steps, writes a
 * checkpoint of exactly where it stands, and stops with `TrainingStopped`.
 */
export interface StopRequest {
  signal: StopSignal | null;
}

/** Training stopped for a reason recorded in summary.json: a divergence, non-finite state, or an interruption. */
export class TrainingStopped extends KdRunError {
  constructor(
    readonly failure: RunFailure,
    exitCode = 1,
  ) {
    super(failure.message, exitCode);
  }
}
