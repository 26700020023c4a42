import { SIGNAL_EXIT_CODES, type StopRequest, type StopSignal } from '@kd/core/host';

/**
 * Turns SIGINT/SIGTERM into a stop request for the run: the first asks the trainer to checkpoint at the next step
 * boundary and stop (exit 130/143); a second leaves at once — every file is written atomically, so nothing is torn,
 * and the lock of the dead process is taken over by the next run. Returns the request and a function removing the
 * handlers.
 */
export function stopOnSignals(
  say: (text: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
): { stop: StopRequest; remove: () => void } {
  const stop: StopRequest = { signal: null };
  const onSignal = (signal: StopSignal) => {
    if (stop.signal) {
      say(`\nkd: ${signal} again: exiting now; kd run --resume continues from the last checkpoint\n`);
      exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    stop.signal = signal;
    say(`\nkd: ${signal}: stopping after this step and writing a checkpoint (again to exit at once)\n`);
  };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) target.on(sig, h);
  return { stop, remove: () => handlers.forEach(([sig, h]) => target.off(sig, h)) };
}
