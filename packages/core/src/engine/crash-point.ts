const passed = new Map<string, number>();

/**
 * Fault injection for the kill tests: with `KD_CRASH_AT=<point>[:<n>[:<signal>]]` the process sends itself SIGKILL
 * (or the named signal, e.g. SIGINT) the n-th time (default: the first) it passes `<point>`, so a test can stop a
 * run exactly between two writes, or mid-epoch, where no timed kill lands reliably. Without the variable this is
 * one environment lookup.
 */
export function crashPoint(name: string): void {
  const spec = process.env['KD_CRASH_AT'];
  if (!spec) return;
  const [point, nth = '1', signal = 'SIGKILL'] = spec.split(':');
  if (point !== name) return;
  const count = (passed.get(name) ?? 0) + 1;
  passed.set(name, count);
  if (count === Number(nth)) process.kill(process.pid, signal as NodeJS.Signals);
}
