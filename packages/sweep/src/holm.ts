/**
 * Holm's step-down adjustment of p-values, in the order given. A benchmark table asks dozens of questions at once
 * (every row against scratch and against KD); at 95 % each, a couple of differences are expected to look significant
 * by chance. Holm's adjusted p-values keep the chance of any false claim in the whole family under α without
 * assuming the tests are independent (rows share their scratch and KD columns), and reject at least as much as
 * Bonferroni: sorted ascending, the i-th of m is multiplied by m − i + 1, made non-decreasing, capped at 1.
 */
export function holmAdjusted(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
