import { escapeHtml, formatNumber } from './html.js';
import { linear, niceTicks, PALETTE, tickLabel } from './scale.js';

export interface Series {
  readonly name: string;
  /** [x, y] pairs; non-finite y values are left out (a gap, not a zero). */
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly series: readonly Series[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Vertical markers, e.g. stage boundaries. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const M = { top: 40, right: 16, bottom: 40, left: 56 };

/**
 * An inline SVG line chart, drawn here rather than by a browser library so the report is one static file. Every
 * point carries its value in `data-x`/`data-y`, and every series path `data-series`, so readers and tests can
 * tell what was plotted from the markup alone.
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 460;
  const height = o.height ?? 280;
  const logY = o.logY === true && o.series.every((s) => s.points.every(([, y]) => !Number.isFinite(y) || y > 0));
  const ty = (y: number) => (logY ? Math.log10(y) : y);
  const pts = o.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => ty(y));
  const xTicks = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, 6).filter(
    (t) => Number.isInteger(t) || xs.some((x) => !Number.isInteger(x)),
  );
  const xDomain: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xDomain[0] === xDomain[1]) xDomain[1] = xDomain[0] + 1;
  const yLo = ys.length ? Math.min(...ys) : 0;
  const yHi = ys.length ? Math.max(...ys) : 1;
  // On a log axis, ticks sit on whole decades: 10^0.5 = 3.162 labels help nobody.
  const yTicks = logY ? decades(yLo, yHi) : niceTicks(yLo, yHi, 5);
  const yDomain: [number, number] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const sx = linear(xDomain, [M.left, width - M.right]);
  const sy = linear(yDomain, [height - M.bottom, M.top]);
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const parts: string[] = [];
  parts.push(`<text class="title" x="${M.left}" y="16">${escapeHtml(o.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    const label = logY ? formatNumber(10 ** t) : tickLabel(t, yStep);
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${width - M.right}" y1="${y}" y2="${y}"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(label)}</text>`,
    );
  }
  for (const t of xTicks) {
    if (t < xDomain[0] || t > xDomain[1]) continue;
    const x = sx(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${M.top}" y2="${height - M.bottom}"/><text x="${x}" y="${height - M.bottom + 14}" text-anchor="middle">${escapeHtml(tickLabel(t, 1))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${M.left}" x2="${width - M.right}" y1="${height - M.bottom}" y2="${height - M.bottom}"/>`,
    `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${height - M.bottom}"/>`,
  );
  if (o.xLabel)
    parts.push(`<text x="${(M.left + width - M.right) / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  if (o.yLabel)
    parts.push(
      `<text transform="translate(12 ${(M.top + height - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel + (logY ? ' (log)' : ''))}</text>`,
    );
  for (const m of o.markers ?? []) {
    const x = sx(m.x).toFixed(1);
    parts.push(
      `<line class="marker" x1="${x}" x2="${x}" y1="${M.top}" y2="${height - M.bottom}" stroke="#888" stroke-dasharray="4 3"/><text x="${x}" y="${M.top - 2}" text-anchor="middle" font-size="10">${escapeHtml(m.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const valid = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const d = valid.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(2)},${sy(ty(y)).toFixed(2)}`).join(' ');
    parts.push(`<g class="series" data-series="${escapeHtml(s.name)}">`);
    if (d) parts.push(`<path class="line" d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of valid)
      parts.push(
        `<circle class="point" cx="${sx(x).toFixed(2)}" cy="${sy(ty(y)).toFixed(2)}" r="2.5" fill="${color}" data-x="${x}" data-y="${y}"><title>${escapeHtml(`${s.name} @ ${formatNumber(x)}: ${formatNumber(y)}`)}</title></circle>`,
      );
    parts.push('</g>');
  });
  // Legend in one row between the title and the plot, so it never hides a line.
  let lx = M.left;
  for (const [i, s] of o.series.entries()) {
    parts.push(
      `<g class="legend"><rect x="${lx}" y="${M.top - 15}" width="8" height="8" fill="${PALETTE[i % PALETTE.length]}"/><text x="${lx + 11}" y="${M.top - 8}">${escapeHtml(s.name)}</text></g>`,
    );
    lx += 24 + 6.5 * s.name.length;
  }
  return `<svg class="chart" data-chart="${escapeHtml(o.id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`;
}

function decades(lo: number, hi: number): number[] {
  const a = Math.floor(lo);
  const b = Math.max(a + 1, Math.ceil(hi));
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
