import { escapeHtml, formatNumber } from './html.js';

/** The PNG text chunk's keyword under which a grid of maps describes itself (written by LAKD's heatMapGrid). */
export const HEAT_MAP_KEYWORD = 'kd:heat-map-grid';

/** What a grid PNG says about its layout: column names, tile geometry, and each row's shared colour scale. */
export interface HeatMapGrid {
  readonly tile: number;
  readonly gap: number;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly lo: number; readonly hi: number }[];
  readonly ramp: readonly (readonly [number, number, number])[];
}

/** Text chunks bigger than this are not read: a grid's description is a few hundred bytes. */
const MAX_TEXT = 64 * 1024;

/**
 * The `tEXt` chunk `keyword` of a PNG, or undefined. PNGs in a run directory are data: the walk checks every length
 * against the buffer and stops at IDAT (where kd's writer puts nothing after it that matters) or at IEND.
 */
export function pngText(png: Buffer, keyword: string): string | undefined {
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) return undefined;
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > png.length || type === 'IDAT' || type === 'IEND') return undefined;
    if (type === 'tEXt' && length <= MAX_TEXT) {
      const data = png.subarray(at + 8, at + 8 + length);
      const nul = data.indexOf(0);
      if (nul > 0 && data.toString('latin1', 0, nul) === keyword) return data.toString('latin1', nul + 1);
    }
    at += 12 + length;
  }
  return undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The grid description of a PNG, when it carries a well-formed one; anything else is an ordinary image. */
export function readHeatMapGrid(png: Buffer): HeatMapGrid | undefined {
  const text = pngText(png, HEAT_MAP_KEYWORD);
  if (text === undefined) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { tile, gap, columns, rows, ramp } = v;
  if (v['format'] !== 'kd-heat-map-grid' || !isNum(tile) || !isNum(gap) || tile < 1 || tile > 1024 || gap < 0 || gap > 64) return undefined;
  if (!Array.isArray(columns) || !columns.length || columns.length > 32 || !columns.every((c) => typeof c === 'string')) return undefined;
  if (!Array.isArray(rows) || rows.length > 1024 || !rows.every((r) => r && typeof r === 'object')) return undefined;
  if (!Array.isArray(ramp) || ramp.length < 2 || !ramp.every((c) => Array.isArray(c) && c.length === 3 && c.every(isNum))) return undefined;
  return {
    tile,
    gap,
    columns: columns as string[],
    rows: (rows as Record<string, unknown>[]).map((r) => ({ lo: Number(r['lo']), hi: Number(r['hi']) })),
    ramp: ramp as [number, number, number][],
  };
}

/**
 * A grid of maps with what the PNG cannot show by itself: a label over each column and, beside each row, the range
 * of the colour scale its maps share, with the ramp as a colour bar. Drawn at the PNG's own size so that labels
 * and rows line up with the tiles.
 */
export function heatMapFigure(path: string, data: Buffer, g: HeatMapGrid): string {
  const width = g.columns.length * g.tile + (g.columns.length + 1) * g.gap;
  const height = g.rows.length * g.tile + (g.rows.length + 1) * g.gap;
  const track = (n: number) => `padding:0 ${g.gap}px;display:grid;grid-template-columns:repeat(${n},${g.tile}px);column-gap:${g.gap}px`;
  const gradient = g.ramp.map((c, i) => `rgb(${c.join(',')}) ${((100 * i) / (g.ramp.length - 1)).toFixed(1)}%`).join(',');
  const head = g.columns
    .map(
      (c, i) =>
        `<span class="hm-column" data-column="${i}" style="font-size:10px;text-align:center;overflow-wrap:anywhere">${escapeHtml(c)}</span>`,
    )
    .join('');
  const scales = g.rows
    .map(
      (r, i) =>
        `<span class="hm-scale" data-row="${i}" data-lo="${r.lo}" data-hi="${r.hi}" style="height:${g.tile}px;display:flex;align-items:center;gap:4px;font-size:11px;white-space:nowrap"><span style="display:inline-block;width:48px;height:10px;background:linear-gradient(to right,${gradient})"></span>${escapeHtml(`scale ${formatNumber(r.lo)} – ${formatNumber(r.hi)}`)}</span>`,
    )
    .join('');
  return (
    `<figure class="heat-map" data-path="${escapeHtml(path)}"><div class="hm-head" style="${track(g.columns.length)}">${head}</div>` +
    `<div style="display:flex;gap:8px;align-items:flex-start"><img src="data:image/png;base64,${data.toString('base64')}" alt="${escapeHtml(path)}" data-path="${escapeHtml(path)}" style="width:${width}px;height:${height}px;max-width:none">` +
    `<div class="hm-scales" style="display:grid;row-gap:${g.gap}px;padding-top:${g.gap}px">${scales}</div></div>` +
    `<figcaption>${escapeHtml(path)} — each row’s maps share one colour scale (dark: low, bright: high) over the range written beside it</figcaption></figure>`
  );
}
