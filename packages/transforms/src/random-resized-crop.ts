import type { Rng } from '@kd/core';
import { resizeBilinear } from './bilinear.js';
import { crop } from './crop.js';
import { randomInt, roundHalfEven, type Image, type ImageTransform } from './image.js';
import { sizePair, type Size } from './size.js';

export interface RandomResizedCropOptions {
  readonly size: Size;
  /** Range of the crop's area as a fraction of the image's. */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (width/height), sampled log-uniformly. */
  readonly ratio?: readonly [number, number];
  readonly attempts?: number;
}

export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * torchvision's RandomResizedCrop.get_params: up to `attempts` draws of (area fraction, log aspect ratio), each
 * accepted when the box fits, then top and left; otherwise the centre crop with the ratio clamped to `ratio`.
 * Per attempt the draws are: scale (uniform), log-ratio (uniform), and on success top, then left.
 */
export function randomResizedCropBox(
  height: number,
  width: number,
  rng: Rng | undefined,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
  attempts = 10,
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  if (rng) {
    for (let i = 0; i < attempts; i++) {
      const target = area * (scale[0] + rng.next() * (scale[1] - scale[0]));
      const aspect = Math.exp(logLo + rng.next() * (logHi - logLo));
      const w = roundHalfEven(Math.sqrt(target * aspect));
      const h = roundHalfEven(Math.sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const top = randomInt(rng, 0, height - h + 1);
        const left = randomInt(rng, 0, width - w + 1);
        return { top, left, height: h, width: w };
      }
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    w = width;
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    h = height;
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** Random box (see `randomResizedCropBox`), resized bilinearly to `size`. Without an rng, the centre fallback box. */
export class RandomResizedCrop implements ImageTransform {
  constructor(readonly options: RandomResizedCropOptions) {}

  apply(image: Image, rng: Rng | undefined): Image {
    const { scale, ratio, attempts } = this.options;
    const box = randomResizedCropBox(image.height, image.width, rng, scale, ratio, attempts);
    const [h, w] = sizePair(this.options.size);
    return resizeBilinear(crop(image, box.top, box.left, box.height, box.width), h, w);
  }
}
