import { escapeHtml, formatNumber } from './html.js';
import { linear, niceTicks, PALETTE, tickLabel } from './scale.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Half-length of the error bar (e.g. one standard deviation); 0 or absent draws none. */
  readonly error?: number;
}

export interface BarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly yLabel?: string;
  /** A horizontal reference line (e.g. the teacher's accuracy). */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

const M = { top: 28, right: 16, bottom: 48, left: 56 };

/**
 * Vertical bars with optional error bars. The y axis does not start at zero: accuracy differences between
 * distillers are a few points, which bars from zero would hide.
 */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? Math.max(320, 80 + o.bars.length * 70);
  const height = o.height ?? 280;
  const lows = o.bars.map((b) => b.value - (b.error ?? 0));
  const highs = o.bars.map((b) => b.value + (b.error ?? 0));
  if (o.reference) {
    lows.push(o.reference.value);
    highs.push(o.reference.value);
  }
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  const lo = Math.min(...finite(lows), Infinity);
  const hi = Math.max(...finite(highs), -Infinity);
  const pad = Number.isFinite(lo) ? (hi - lo) * 0.15 || Math.abs(hi) * 0.05 || 1 : 1;
  const ticks = niceTicks(Number.isFinite(lo) ? lo - pad : 0, Number.isFinite(hi) ? hi + pad / 3 : 1, 5);
  const domain: [number, number] = [ticks[0]!, ticks[ticks.length - 1]!];
  const sy = linear(domain, [height - M.bottom, M.top]);
  const slot = (width - M.left - M.right) / Math.max(1, o.bars.length);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const parts: string[] = [`<text class="title" x="${M.left}" y="16">${escapeHtml(o.title)}</text>`];
  for (const t of ticks) {
    const y = sy(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${width - M.right}" y1="${y}" y2="${y}"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(tickLabel(t, step))}</text>`,
    );
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${width - M.right}" y1="${height - M.bottom}" y2="${height - M.bottom}"/>`);
  if (o.yLabel)
    parts.push(
      `<text transform="translate(12 ${(M.top + height - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`,
    );
  o.bars.forEach((b, i) => {
    const x = M.left + i * slot + slot * 0.2;
    const w = slot * 0.6;
    const base = height - M.bottom;
    const top = Number.isFinite(b.value) ? sy(Math.max(domain[0], b.value)) : base;
    parts.push(
      `<g class="bar" data-label="${escapeHtml(b.label)}" data-value="${b.value}" data-error="${b.error ?? 0}">` +
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(2)}" width="${w.toFixed(1)}" height="${Math.max(0, base - top).toFixed(2)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeHtml(`${b.label}: ${formatNumber(b.value)}${b.error ? ` ± ${formatNumber(b.error)}` : ''}`)}</title></rect>`,
    );
    if (b.error && Number.isFinite(b.error)) {
      const cx = (x + w / 2).toFixed(1);
      const y0 = sy(b.value - b.error).toFixed(2);
      const y1 = sy(b.value + b.error).toFixed(2);
      parts.push(
        `<path class="error" d="M${cx},${y0} L${cx},${y1} M${(x + w * 0.3).toFixed(1)},${y0} L${(x + w * 0.7).toFixed(1)},${y0} M${(x + w * 0.3).toFixed(1)},${y1} L${(x + w * 0.7).toFixed(1)},${y1}" stroke="#222" fill="none"/>`,
      );
    }
    parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${base + 14}" text-anchor="middle">${escapeHtml(b.label)}</text>`);
    parts.push(
      `<text x="${(x + w / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${escapeHtml(formatNumber(b.value))}</text></g>`,
    );
  });
  if (o.reference && Number.isFinite(o.reference.value)) {
    const y = sy(o.reference.value).toFixed(2);
    parts.push(
      `<g class="reference" data-value="${o.reference.value}"><line x1="${M.left}" x2="${width - M.right}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="5 3"/><text x="${width - M.right}" y="${(Number(y) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">${escapeHtml(o.reference.label)}</text></g>`,
    );
  }
  return `<svg class="chart" data-chart="${escapeHtml(o.id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`;
}
