import type { Rng } from '@kd/core';
import { crop } from './crop.js';
import { randomInt, type Image, type ImageTransform } from './image.js';
import { pad, type PaddingMode } from './pad.js';
import { sizePair, type Size } from './size.js';

export interface RandomCropOptions {
  /** Output size; default the input's size (the usual CIFAR "pad 4, crop 32"). */
  readonly size?: Size;
  readonly padding?: number;
  readonly paddingMode?: PaddingMode;
}

/**
 * torchvision's RandomCrop: pad each side, then take a window at top = randint(0, H-h+1), left = randint(0, W-w+1)
 * (top drawn first). Without an rng the centre window.
 */
export class RandomCrop implements ImageTransform {
  constructor(readonly options: RandomCropOptions = {}) {}

  apply(image: Image, rng: Rng | undefined): Image {
    const [h, w] = this.options.size === undefined ? [image.height, image.width] : sizePair(this.options.size);
    const padded = pad(image, this.options.padding ?? 0, this.options.paddingMode ?? 'zero');
    if (padded.height < h || padded.width < w) {
      throw new RangeError(`randomCrop: ${h}×${w} does not fit in the padded ${padded.height}×${padded.width} image`);
    }
    const top = rng ? randomInt(rng, 0, padded.height - h + 1) : Math.floor((padded.height - h) / 2);
    const left = rng ? randomInt(rng, 0, padded.width - w + 1) : Math.floor((padded.width - w) / 2);
    return crop(padded, top, left, h, w);
  }
}
