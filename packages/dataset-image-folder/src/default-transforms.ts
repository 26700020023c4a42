import type { TransformSpec } from '@kd/transforms';
import { IMAGENET_NORMALIZATION } from './image-folder.options.js';

/** The evaluation resize for a crop size: 256 for 224, the ImageNet convention's 0.875 crop ratio. */
export function defaultResizeSize(imageSize: number): number {
  return Math.round((imageSize * 256) / 224);
}

/** torchvision's ImageNet training recipe: RandomResizedCrop, horizontal flip, ImageNet normalisation. */
export function defaultTrainTransforms(imageSize: number): TransformSpec[] {
  return [
    { type: 'randomResizedCrop', size: imageSize },
    { type: 'horizontalFlip' },
    { type: 'normalize', mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] },
  ];
}

/** torchvision's ImageNet evaluation recipe: Resize(shorter side), CenterCrop, ImageNet normalisation. */
export function defaultTestTransforms(imageSize: number, resizeSize = defaultResizeSize(imageSize)): TransformSpec[] {
  return [
    { type: 'resize', size: resizeSize },
    { type: 'centerCrop', size: imageSize },
    { type: 'normalize', mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] },
  ];
}
