import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

/** Anchors of a perceptual dark-to-bright ramp (close to matplotlib's "inferno"): 0 → black, 1 → pale yellow. */
export const RAMP: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

function colour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}

/** A map of one image: `height × width` values, row-major. */
export interface MapTile {
  readonly values: Float32Array | number[];
  readonly height: number;
  readonly width: number;
}

/** The columns of a grid row: the input image, then the teacher's and the student's map of it, then the overlays. */
export const HEAT_MAP_COLUMNS = ['input', 'teacher', 'student', 'teacher on input', 'student on input'] as const;

/** How much of an overlay pixel is the map's colour (the rest is the grey input under it). */
export const OVERLAY_ALPHA = 0.5;

/** The PNG text chunk's keyword under which the grid describes itself (see `HeatMapGridInfo`). */
export const HEAT_MAP_KEYWORD = 'kd:heat-map-grid';

/**
 * What a grid PNG says about itself in a `tEXt` chunk (keyword `HEAT_MAP_KEYWORD`), so that a viewer (kd's report)
 * can label its columns and write each row's colour scale: a PNG alone cannot say which tile is which or what its
 * colours mean.
 */
export interface HeatMapGridInfo {
  readonly format: 'kd-heat-map-grid';
  readonly version: 1;
  /** Tile side and gap in pixels; tile (r, c) starts at x = gap + c·(tile + gap), y = gap + r·(tile + gap). */
  readonly tile: number;
  readonly gap: number;
  readonly columns: readonly string[];
  /** Per row, the range [lo, hi] of the teacher's and student's maps, which share the colour scale. */
  readonly rows: readonly { readonly lo: number; readonly hi: number }[];
  /** The colour ramp from lo to hi, evenly spaced anchors. */
  readonly ramp: readonly (readonly [number, number, number])[];
}

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return [lo, hi];
}

/** The tile's value under pixel (x, y) of a `tile`-pixel square (nearest neighbour). */
const sample = (t: MapTile, x: number, y: number, tile: number) =>
  t.values[Math.floor((y * t.height) / tile) * t.width + Math.floor((x * t.width) / tile)]!;

/** Inserts a tEXt chunk right after IHDR (a PNG's first chunk: 8-byte signature, then 25 bytes). */
function withText(png: Buffer, keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write('tEXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([png.subarray(0, 33), head, data, crc, png.subarray(33)]);
}

/**
 * A PNG grid for LAKD's maps: one row per image with the columns of `HEAT_MAP_COLUMNS`. Each row's teacher and
 * student maps share one colour scale (their joint min–max), so a brighter student tile means a larger activation
 * than the teacher's, not just a different normalisation; the input is grey on its own min–max, and the overlays put
 * each map's colour over it so one sees where on the image the network looks. The PNG carries `HeatMapGridInfo`
 * (column names, each row's range) in a text chunk for the report.
 */
export function heatMapGrid(rows: readonly (readonly MapTile[])[], tile = 48, gap = 2): Uint8Array {
  const cols = HEAT_MAP_COLUMNS.length;
  const width = cols * tile + (cols + 1) * gap;
  const height = rows.length * tile + (rows.length + 1) * gap;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const put = (r: number, c: number, x: number, y: number, rgb: readonly number[]) => {
    const px = ((gap + r * (tile + gap) + y) * width + gap + c * (tile + gap) + x) * 4;
    png.data[px] = rgb[0]!;
    png.data[px + 1] = rgb[1]!;
    png.data[px + 2] = rgb[2]!;
    png.data[px + 3] = 255;
  };
  const info: { lo: number; hi: number }[] = [];
  rows.forEach((row, r) => {
    const [input, teacher, student] = row as [MapTile, MapTile, MapTile];
    const [ilo, ihi] = range(input.values);
    const [tlo, thi] = range(teacher.values);
    const [slo, shi] = range(student.values);
    const lo = Math.min(tlo, slo);
    const hi = Math.max(thi, shi);
    info.push({ lo, hi });
    const norm = (v: number, a: number, b: number) => (b > a ? (v - a) / (b - a) : 0);
    for (let y = 0; y < tile; y++)
      for (let x = 0; x < tile; x++) {
        const g = Math.round(255 * norm(sample(input, x, y, tile), ilo, ihi));
        put(r, 0, x, y, [g, g, g]);
        const maps = [teacher, student].map((t) => colour(norm(sample(t, x, y, tile), lo, hi)));
        maps.forEach((rgb, k) => {
          put(r, 1 + k, x, y, rgb);
          put(
            r,
            3 + k,
            x,
            y,
            rgb.map((v) => Math.round(OVERLAY_ALPHA * v + (1 - OVERLAY_ALPHA) * g)),
          );
        });
      }
  });
  const meta: HeatMapGridInfo = { format: 'kd-heat-map-grid', version: 1, tile, gap, columns: HEAT_MAP_COLUMNS, rows: info, ramp: RAMP };
  return withText(PNG.sync.write(png), HEAT_MAP_KEYWORD, JSON.stringify(meta));
}
