import { appendFileSync } from 'node:fs';

/** `KD_CRASH_AT=<point>[:<n>[:<signal>]]`, read once: a check on the training step's path costs a comparison. */
const spec = (() => {
  const v = process.env['KD_CRASH_AT'];
  if (!v) return undefined;
  const [point = '', nth = '1', signal = 'SIGKILL'] = v.split(':');
  return { point, nth: Number(nth), signal: signal as NodeJS.Signals };
})();
let passed = 0;

/**
 * Fault injection for the kill tests: with `KD_CRASH_AT=<point>[:<n>[:<signal>]]` the process sends itself SIGKILL
 * (or the named signal, e.g. SIGINT) the n-th time (default: the first) it passes `<point>`, so a test can stop a
 * run exactly between two writes, or mid-epoch, where no timed kill lands reliably.
 */
export function crashPoint(name: string): void {
  if (spec?.point !== name) return;
  if (++passed === spec.nth) process.kill(process.pid, spec.signal);
}

/**
 * Appends `text` to `file`; at the crash point `metrics-torn` it writes the first half, then crashes: what a kill in
 * the middle of an append leaves.
 */
export function appendWithCrashPoint(file: string, text: string): void {
  if (spec?.point !== 'metrics-torn') {
    appendFileSync(file, text);
    return;
  }
  appendFileSync(file, text.slice(0, text.length >> 1));
  crashPoint('metrics-torn');
  appendFileSync(file, text.slice(text.length >> 1));
}
