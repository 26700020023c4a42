import type { Rng } from '@kd/core';

/** One image, HWC row-major float32; values in 0..1 before normalisation. */
export interface Image {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * A per-image transform. Random transforms draw only from `rng`; with `rng` undefined (evaluation) they are
 * deterministic: no flip, centre crop, centre-fallback resized crop.
 */
export interface ImageTransform {
  apply(image: Image, rng: Rng | undefined): Image;
}

/** A float image from bytes (0..255, HWC), scaled to 0..1. */
export function imageFromBytes(bytes: Uint8Array, height: number, width: number, channels: number, offset = 0): Image {
  const n = height * width * channels;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = bytes[offset + i]! / 255;
  return { data, height, width, channels };
}

/** Python 3's round(): halves go to the even neighbour, as torchvision's crop arithmetic does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A uniform integer in [low, high), as torch.randint(low, high). */
export function randomInt(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low);
}
