import type { RunEvents } from '@kd/core';
import type { CliIo } from './io.js';
import { formatMetric } from './format-metric.js';

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * A line redrawn in place must fit the terminal: a wrapped one leaves its first row behind on every redraw (`\x1b[2K`
 * clears one row only). Cut to one column short of the width, as the cursor then stays on the row.
 */
export function fitToWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 2) return line;
  const chars = [...line];
  return chars.length < columns ? line : `${chars.slice(0, columns - 2).join('')}…`;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

/**
 * A progress bar on stderr: redrawn in place on a terminal (loss, img/s, ETA), one line per epoch otherwise,
 * so logs stay readable in CI.
 */
export function attachProgress(events: RunEvents, io: CliIo, label = ''): void {
  let start = 0;
  let images = 0;
  let lastDraw = 0;
  let lossAvg: Record<string, number> = {};
  let seen = 0;
  events.on('epochStart', () => {
    start = performance.now();
    images = 0;
    lossAvg = {};
    seen = 0;
  });
  events.on('stepEnd', (e) => {
    images += e.batchSize;
    seen++;
    for (const [k, v] of Object.entries(e.losses)) lossAvg[k] = (lossAvg[k] ?? 0) + (v - (lossAvg[k] ?? 0)) / seen;
    if (!io.interactive) return;
    const now = performance.now();
    if (now - lastDraw < 100 && e.step + 1 < e.steps) return;
    lastDraw = now;
    const elapsed = (now - start) / 1000;
    const rate = images / Math.max(elapsed, 1e-9);
    const frac = (e.step + 1) / e.steps;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const losses = Object.entries(lossAvg)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(' ');
    const eta = ((e.steps - e.step - 1) * e.batchSize) / Math.max(rate, 1e-9);
    const line = `${label}${e.stage} epoch ${e.epoch + 1}/${e.epochs} ${bar} ${Math.round(frac * 100)}% ${losses} | ${rate.toFixed(0)} img/s | ETA ${clock(eta)}`;
    io.err(`\r\x1b[2K${fitToWidth(line, io.columns)}`);
  });
  events.on('warning', (e) => {
    io.err(`${io.interactive ? '\r\x1b[2K' : ''}${label}kd: warning: ${e.message}\n`);
  });
  events.on('epochEnd', (e) => {
    const r = e.record as { loss: Record<string, number>; time: { seconds: number; imagesPerSecond: number } };
    const metrics = Object.entries(e.metrics)
      .map(([k, v]) => formatMetric(k, v))
      .join('  ');
    const losses = Object.entries(r.loss)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(' ');
    io.err(
      `${io.interactive ? '\r\x1b[2K' : ''}${label}${e.stage} epoch ${e.epoch + 1}/${e.epochs}  ${losses}  ${metrics}  ${r.time.imagesPerSecond.toFixed(0)} img/s  ${clock(r.time.seconds)}\n`,
    );
  });
}
