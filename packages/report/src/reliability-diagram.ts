import { escapeHtml, formatNumber } from './html.js';
import type { CalibrationBin } from './artifact.js';
import { linear } from './scale.js';

const M = { top: 28, right: 16, bottom: 40, left: 48 };

/**
 * A reliability diagram (Guo et al. 2017, fig. 1): per confidence bin, the accuracy as a bar against the diagonal
 * of perfect calibration, the gap to the bin's mean confidence shaded. Empty bins draw nothing.
 */
export function reliabilityDiagram(id: string, title: string, bins: readonly CalibrationBin[], size = 300): string {
  const w = size + M.left + M.right - 40;
  const h = size;
  const sx = linear([0, 1], [M.left, w - M.right]);
  const sy = linear([0, 1], [h - M.bottom, M.top]);
  const parts: string[] = [`<text class="title" x="${M.left}" y="16">${escapeHtml(title)}</text>`];
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${w - M.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}"/><text x="${M.left - 6}" y="${sy(t).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${t.toFixed(1)}</text>`,
      `<text x="${sx(t).toFixed(1)}" y="${h - M.bottom + 14}" text-anchor="middle">${t.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${M.left}" x2="${w - M.right}" y1="${h - M.bottom}" y2="${h - M.bottom}"/><line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${h - M.bottom}"/>`,
    `<text x="${(M.left + w - M.right) / 2}" y="${h - 6}" text-anchor="middle">confidence</text>`,
    `<text transform="translate(12 ${(M.top + h - M.bottom) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`,
  );
  for (const b of bins) {
    if (!b.count) continue;
    const x0 = sx(b.lower);
    const x1 = sx(b.upper);
    const top = sy(b.accuracy);
    const conf = sy(b.confidence);
    parts.push(
      `<g class="bin" data-lower="${b.lower}" data-upper="${b.upper}" data-accuracy="${b.accuracy}" data-confidence="${b.confidence}" data-count="${b.count}">` +
        `<rect x="${(x0 + 0.5).toFixed(2)}" y="${top.toFixed(2)}" width="${Math.max(0, x1 - x0 - 1).toFixed(2)}" height="${(h - M.bottom - top).toFixed(2)}" fill="#1f77b4"><title>${escapeHtml(`[${formatNumber(b.lower)}, ${formatNumber(b.upper)}): accuracy ${formatNumber(b.accuracy)}, confidence ${formatNumber(b.confidence)}, n=${b.count}`)}</title></rect>` +
        `<rect class="gap" x="${(x0 + 0.5).toFixed(2)}" y="${Math.min(top, conf).toFixed(2)}" width="${Math.max(0, x1 - x0 - 1).toFixed(2)}" height="${Math.abs(conf - top).toFixed(2)}" fill="#d62728" fill-opacity="0.3"/></g>`,
    );
  }
  parts.push(`<line class="diagonal" x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#555" stroke-dasharray="4 3"/>`);
  return `<svg class="chart" data-chart="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg>`;
}
