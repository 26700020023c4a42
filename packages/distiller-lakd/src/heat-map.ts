import { PNG } from 'pngjs';

/** Anchors of a perceptual dark-to-bright ramp (close to matplotlib's "inferno"): 0 → black, 1 → pale yellow. */
const RAMP: readonly (readonly [number, number, number])[] = [
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

/**
 * A PNG grid of heat maps: one row per image, one column per map, each tile scaled (nearest neighbour) to `tile`
 * pixels and min–max normalised on its own, so the shape of attention is visible whatever the layer's scale.
 */
export function heatMapGrid(rows: readonly (readonly MapTile[])[], tile = 48, gap = 2): Uint8Array {
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * tile + (cols + 1) * gap;
  const height = rows.length * tile + (rows.length + 1) * gap;
  const png = new PNG({ width, height });
  png.data.fill(255);
  rows.forEach((row, r) =>
    row.forEach((t, c) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of t.values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const span = hi > lo ? hi - lo : 1;
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const v = t.values[Math.floor((y * t.height) / tile) * t.width + Math.floor((x * t.width) / tile)]!;
          const [R, G, B] = colour((v - lo) / span);
          const px = ((gap + r * (tile + gap) + y) * width + gap + c * (tile + gap) + x) * 4;
          png.data[px] = R;
          png.data[px + 1] = G;
          png.data[px + 2] = B;
          png.data[px + 3] = 255;
        }
      }
    }),
  );
  return PNG.sync.write(png);
}
