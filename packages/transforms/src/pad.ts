import type { Image } from './image.js';

/** `zero`: constant 0 (black before normalisation); `reflect`: mirror without repeating the edge (numpy/PyTorch "reflect"); `edge`: repeat the edge pixel. */
export type PaddingMode = 'zero' | 'reflect' | 'edge';
export const PADDING_MODES: readonly PaddingMode[] = ['zero', 'reflect', 'edge'];

function sourceIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'zero') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (n === 1) return 0;
  // Reflection with period 2(n-1), so pads wider than the image keep mirroring.
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/** Pads each side by `padding` pixels. */
export function pad(image: Image, padding: number, mode: PaddingMode): Image {
  if (padding === 0) return image;
  const { data, height: h, width: w, channels: c } = image;
  const H = h + 2 * padding;
  const W = w + 2 * padding;
  const out = new Float32Array(H * W * c);
  for (let r = 0; r < H; r++) {
    const sr = sourceIndex(r - padding, h, mode);
    if (sr < 0) continue;
    for (let col = 0; col < W; col++) {
      const sc = sourceIndex(col - padding, w, mode);
      if (sc < 0) continue;
      const src = (sr * w + sc) * c;
      const dst = (r * W + col) * c;
      for (let k = 0; k < c; k++) out[dst + k] = data[src + k]!;
    }
  }
  return { data: out, height: H, width: W, channels: c };
}
