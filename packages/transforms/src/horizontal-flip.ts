import type { Rng } from '@kd/core';
import type { Image, ImageTransform } from './image.js';

/** Mirror left-right. */
export function flipHorizontal(image: Image): Image {
  const { data, height, width, channels: c } = image;
  const out = new Float32Array(data.length);
  for (let r = 0; r < height; r++) {
    for (let col = 0; col < width; col++) {
      const src = (r * width + col) * c;
      const dst = (r * width + width - 1 - col) * c;
      for (let k = 0; k < c; k++) out[dst + k] = data[src + k]!;
    }
  }
  return { data: out, height, width, channels: c };
}

/** Flips when `rng.next() < p` (one draw per image, drawn even when p is 0 or 1 so streams stay aligned); never without an rng. */
export class HorizontalFlip implements ImageTransform {
  constructor(readonly p = 0.5) {}

  apply(image: Image, rng: Rng | undefined): Image {
    if (!rng) return image;
    return rng.next() < this.p ? flipHorizontal(image) : image;
  }
}
