import { escapeHtml, formatNumber } from './html.js';
import { linear, niceTicks, PALETTE, tickLabel } from './scale.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Half-length of a symmetric error bar (e.g. one standard deviation); 0 or absent draws none. */
  readonly error?: number;
  /** An explicit interval [low, high] (e.g. a 95 % confidence interval); drawn instead of `error`. */
  readonly interval?: readonly [number, number];
}

export interface BarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly yLabel?: string;
  /** A horizontal reference line (e.g. the teacher's accuracy). */
  readonly reference?: { readonly value: number; readonly label: string };
  /**
   * `zero` (default for differences): the value axis always runs through zero and bars grow from it.
   * `auto`: through zero too, unless the bars' spread would be under `BREAK_BELOW` of the axis: then the axis is
   * explicitly broken (a mark on the axis and a note giving the scale) and starts near the smallest value.
   */
  readonly baseline?: 'zero' | 'auto';
  /** What the error bars mean, written under the chart (e.g. `95 % CI over 3 seeds`). */
  readonly errorLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

const M = { top: 28, right: 16, bottom: 62, left: 56 };

/**
 * When the bars' spread (lowest to highest, error bars included) covers less than this share of an axis from zero,
 * their differences would be a few pixels: the axis is broken instead (with `baseline: 'auto'`).
 */
export const BREAK_BELOW = 0.15;

/** The value axis: its ticks and whether (and where) it is broken. */
export function barAxis(values: readonly number[], baseline: 'zero' | 'auto'): { ticks: number[]; broken: boolean; base: number } {
  const xs = values.filter(Number.isFinite);
  if (!xs.length) return { ticks: [0, 1], broken: false, base: 0 };
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const sameSign = lo > 0 || hi < 0;
  const span = Math.max(Math.abs(lo), Math.abs(hi));
  if (baseline === 'auto' && sameSign && hi - lo < BREAK_BELOW * span) {
    const pad = (hi - lo) * 0.25 || span * 0.02;
    const ticks = niceTicks(lo - pad, hi + pad, 5);
    // A broken axis never crosses zero: if the padding reached it, zero is in reach and the axis is not broken.
    if ((lo > 0 && ticks[0]! > 0) || (hi < 0 && ticks[ticks.length - 1]! < 0))
      return { ticks, broken: true, base: lo > 0 ? ticks[0]! : ticks[ticks.length - 1]! };
  }
  const ticks = niceTicks(Math.min(0, lo), Math.max(0, hi), 5);
  return { ticks, broken: false, base: 0 };
}

/**
 * Vertical bars, with error bars. The value axis runs through zero and bars grow from it, so a bar's length is its
 * value; where that would hide the differences (accuracies of 0.85 to 0.87), `baseline: 'auto'` breaks the axis
 * visibly — a zig-zag on the axis and the scale written under the chart — rather than silently starting elsewhere.
 */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? Math.max(320, 80 + o.bars.length * 70);
  const height = o.height ?? 300;
  const values: number[] = [];
  for (const b of o.bars) {
    values.push(b.value);
    const [l, h] = extent(b);
    values.push(l, h);
  }
  if (o.reference) values.push(o.reference.value);
  const { ticks, broken, base } = barAxis(values, o.baseline ?? 'zero');
  const domain: [number, number] = [ticks[0]!, ticks[ticks.length - 1]!];
  const bottom = height - M.bottom;
  const sy = linear(domain, [bottom, M.top]);
  const slot = (width - M.left - M.right) / Math.max(1, o.bars.length);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const parts: string[] = [`<text class="title" x="${M.left}" y="16">${escapeHtml(o.title)}</text>`];
  for (const t of ticks) {
    const y = sy(t).toFixed(2);
    parts.push(
      `<g class="tick" data-value="${t}"><line class="${t === 0 ? 'axis zero' : 'grid'}" x1="${M.left}" x2="${width - M.right}" y1="${y}" y2="${y}"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(tickLabel(t, step))}</text></g>`,
    );
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${bottom}"/>`);
  if (broken) {
    // The zig-zag sits on the axis just above the plot's bottom edge: the axis below it is cut away.
    const y = bottom - 6;
    parts.push(
      `<g class="axis-break" data-base="${base}"><path d="M${M.left - 7},${y + 4} L${M.left - 2},${y - 2} L${M.left + 2},${y + 4} L${M.left + 7},${y - 2}" stroke="#57606a" stroke-width="1.5" fill="none"/>` +
        `<text class="break-note" x="${M.left}" y="${height - 8}" font-size="10">${escapeHtml(`⚡ broken axis: starts at ${tickLabel(base, step)}, not 0 — bar lengths are differences from ${tickLabel(base, step)}`)}</text></g>`,
    );
  }
  if (o.yLabel)
    parts.push(`<text transform="translate(12 ${(M.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  const from = sy(base);
  o.bars.forEach((b, i) => {
    const x = M.left + i * slot + slot * 0.2;
    const w = slot * 0.6;
    const to = Number.isFinite(b.value) ? sy(b.value) : from;
    const top = Math.min(from, to);
    const [lo, hi] = extent(b);
    const hasError = hi > lo;
    const text = `${b.label}: ${formatNumber(b.value)}${b.interval ? ` [${formatNumber(lo)}, ${formatNumber(hi)}]` : b.error ? ` ± ${formatNumber(b.error)}` : ''}`;
    parts.push(
      `<g class="bar" data-label="${escapeHtml(b.label)}" data-value="${b.value}" data-error="${b.error ?? 0}"${hasError ? ` data-lo="${lo}" data-hi="${hi}"` : ''}>` +
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(2)}" width="${w.toFixed(1)}" height="${Math.abs(to - from).toFixed(2)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeHtml(text)}</title></rect>`,
    );
    if (hasError) {
      const cx = (x + w / 2).toFixed(1);
      const y0 = sy(lo).toFixed(2);
      const y1 = sy(hi).toFixed(2);
      parts.push(
        `<path class="error" data-lo="${lo}" data-hi="${hi}" d="M${cx},${y0} L${cx},${y1} M${(x + w * 0.3).toFixed(1)},${y0} L${(x + w * 0.7).toFixed(1)},${y0} M${(x + w * 0.3).toFixed(1)},${y1} L${(x + w * 0.7).toFixed(1)},${y1}" stroke="#222" fill="none"/>`,
      );
    }
    parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${escapeHtml(b.label)}</text>`);
    const labelY = b.value < base ? Math.max(from, to) + 12 : top - 4;
    parts.push(
      `<text x="${(x + w / 2).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10">${escapeHtml(formatNumber(b.value))}</text></g>`,
    );
  });
  if (o.reference && Number.isFinite(o.reference.value)) {
    const y = sy(o.reference.value).toFixed(2);
    parts.push(
      `<g class="reference" data-value="${o.reference.value}"><line x1="${M.left}" x2="${width - M.right}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="5 3"/><text x="${width - M.right}" y="${(Number(y) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">${escapeHtml(o.reference.label)}</text></g>`,
    );
  }
  if (o.errorLabel)
    parts.push(
      `<text class="error-note" x="${width - M.right}" y="${height - (broken ? 22 : 8)}" text-anchor="end" font-size="10">${escapeHtml(`error bars: ${o.errorLabel}`)}</text>`,
    );
  return `<svg class="chart" data-chart="${escapeHtml(o.id)}" data-broken="${broken}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`;
}

/** The error bar's ends in data units ([value, value] without one). */
function extent(b: Bar): [number, number] {
  if (b.interval && b.interval.every(Number.isFinite)) return [Math.min(...b.interval), Math.max(...b.interval)];
  if (b.error && Number.isFinite(b.error)) return [b.value - b.error, b.value + b.error];
  return [b.value, b.value];
}
