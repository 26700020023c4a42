import type { Rng } from '@kd/core';
import { flipHorizontal, RandomCrop, type Image, type ImageTransform } from '@kd/transforms';
import type { IdxAugmentOptions } from './schema.js';

/**
 * The `augment` option as a transform. Per image, the flip is drawn first (`rng.next() < 0.5`, when enabled), then
 * the crop's row and column (@kd/transforms' RandomCrop of the zero-padded image, when pad > 0), and the flip is
 * applied to the crop. idx configs have always drawn and cropped in this order, so a seed keeps giving the same
 * batches; a `transforms` list [horizontalFlip, randomCrop] draws alike but flips before it crops, which mirrors the
 * crop window. Without an rng (evaluation) the image passes unchanged.
 */
export class AugmentTransform implements ImageTransform {
  private readonly crop: RandomCrop | undefined;

  constructor(readonly options: IdxAugmentOptions) {
    this.crop = options.pad > 0 ? new RandomCrop({ padding: options.pad, paddingMode: 'zero' }) : undefined;
  }

  apply(image: Image, rng: Rng | undefined): Image {
    if (!rng) return image;
    const flip = this.options.flip && rng.next() < 0.5;
    const cropped = this.crop ? this.crop.apply(image, rng) : image;
    return flip ? flipHorizontal(cropped) : cropped;
  }
}

/** Whether `augment` changes anything (a disabled one draws nothing from the rng). */
export function augments(options: IdxAugmentOptions): boolean {
  return options.flip || options.pad > 0;
}
