export { imageFromBytes, roundHalfEven, type Image, type ImageTransform } from './image.js';
export { crop } from './crop.js';
export { pad, PADDING_MODES, type PaddingMode } from './pad.js';
export { resizeBilinear } from './bilinear.js';
export { sizePair, type Size } from './size.js';
export { RandomCrop, type RandomCropOptions } from './random-crop.js';
export { HorizontalFlip, flipHorizontal } from './horizontal-flip.js';
export { Normalize, NORMALIZATION_PRESETS, type Normalization, type NormalizationPreset } from './normalize.js';
export { Resize } from './resize.js';
export { CenterCrop } from './center-crop.js';
export { RandomResizedCrop, randomResizedCropBox, type RandomResizedCropOptions, type CropBox } from './random-resized-crop.js';
export { transformListSchema, transformSpecs, type TransformSpec } from './transform-spec.js';
export { withExplicitNormalization } from './eval-specs.js';
export { buildTransform, ComposedTransform, withDefaultNormalization, outputSize, probeTransform } from './build-transform.js';
export {
  holdOutValidation,
  selectSubset,
  splitOptionsProperties,
  splitOptionsConstraint,
  type SplitOptions,
  type SubsetOptions,
} from './subset.js';
export { ByteImageSplit, type ByteImages } from './image-split.js';
export { datasetOptions } from './dataset-options.js';
