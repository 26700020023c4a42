import type { Image } from './image.js';

/** Per output index: the two source indices and the weight of the second (PyTorch's align_corners=False mapping). */
function axisWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    // Half-pixel centres; PyTorch clamps negative source coordinates to 0 rather than extrapolating.
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    t[o] = src - lo;
  }
  return { i0, i1, t };
}

/**
 * Bilinear resize with PyTorch's `interpolate(mode='bilinear', align_corners=False, antialias=False)` semantics.
 * Without antialiasing, strong downscaling aliases (as torchvision's tensor Resize did before 0.17).
 */
export function resizeBilinear(image: Image, outHeight: number, outWidth: number): Image {
  const { data, height: h, width: w, channels: c } = image;
  if (outHeight === h && outWidth === w) return image;
  const ry = axisWeights(h, outHeight);
  const rx = axisWeights(w, outWidth);
  const out = new Float32Array(outHeight * outWidth * c);
  for (let y = 0; y < outHeight; y++) {
    const y0 = ry.i0[y]! * w;
    const y1 = ry.i1[y]! * w;
    const ty = ry.t[y]!;
    for (let x = 0; x < outWidth; x++) {
      const x0 = rx.i0[x]!;
      const x1 = rx.i1[x]!;
      const tx = rx.t[x]!;
      const a = (y0 + x0) * c;
      const b = (y0 + x1) * c;
      const d = (y1 + x0) * c;
      const e = (y1 + x1) * c;
      const dst = (y * outWidth + x) * c;
      for (let k = 0; k < c; k++) {
        const top = data[a + k]! * (1 - tx) + data[b + k]! * tx;
        const bottom = data[d + k]! * (1 - tx) + data[e + k]! * tx;
        out[dst + k] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return { data: out, height: outHeight, width: outWidth, channels: c };
}
