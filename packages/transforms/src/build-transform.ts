import type { Rng } from '@kd/core';
import { CenterCrop } from './center-crop.js';
import { HorizontalFlip } from './horizontal-flip.js';
import type { Image, ImageTransform } from './image.js';
import { Normalize, NORMALIZATION_PRESETS, type Normalization } from './normalize.js';
import { RandomCrop } from './random-crop.js';
import { RandomResizedCrop } from './random-resized-crop.js';
import { Resize } from './resize.js';
import type { TransformSpec } from './transform-spec.js';

/** Transforms applied in order; each random one draws from the same rng, in list order, per image. */
export class ComposedTransform implements ImageTransform {
  constructor(readonly transforms: readonly ImageTransform[]) {}

  apply(image: Image, rng: Rng | undefined): Image {
    let out = image;
    for (const t of this.transforms) out = t.apply(out, rng);
    return out;
  }
}

function buildOne(spec: TransformSpec, index: number): ImageTransform {
  switch (spec.type) {
    case 'randomCrop':
      return new RandomCrop(spec);
    case 'horizontalFlip':
      return new HorizontalFlip(spec.p ?? 0.5);
    case 'normalize': {
      const n: Normalization | undefined = spec.preset
        ? NORMALIZATION_PRESETS[spec.preset]
        : spec.mean && spec.std
          ? { mean: spec.mean, std: spec.std }
          : undefined;
      if (!n)
        throw new RangeError(
          `transforms[${index}]: normalize needs a preset or mean and std (dataset plugins fill in their defaults first)`,
        );
      return new Normalize(n);
    }
    case 'randomResizedCrop':
      return new RandomResizedCrop(spec);
    case 'resize':
      return new Resize(spec.size);
    case 'centerCrop':
      return new CenterCrop(spec.size);
    default:
      throw new RangeError(`transforms[${index}]: unknown transform type ${JSON.stringify((spec as { type?: unknown }).type)}`);
  }
}

/** Composes a validated transform list (see `transformListSchema`). */
export function buildTransform(specs: readonly TransformSpec[]): ImageTransform {
  return new ComposedTransform(specs.map(buildOne));
}

/** Gives every `normalize` entry without preset or mean/std the dataset's statistics. */
export function withDefaultNormalization(specs: readonly TransformSpec[], defaults: Normalization): TransformSpec[] {
  return specs.map((s) => (s.type === 'normalize' && !s.preset && !s.mean ? { ...s, mean: defaults.mean, std: defaults.std } : s));
}

/** The output [height, width] of a list for an input of height × width (a dataset's batch shape). */
export function outputSize(specs: readonly TransformSpec[], height: number, width: number): [number, number] {
  let h = height;
  let w = width;
  for (const s of specs) {
    if (s.type === 'randomCrop' && s.size !== undefined) [h, w] = typeof s.size === 'number' ? [s.size, s.size] : [s.size[0], s.size[1]];
    else if (s.type === 'randomResizedCrop' || s.type === 'centerCrop')
      [h, w] = typeof s.size === 'number' ? [s.size, s.size] : [s.size[0], s.size[1]];
    else if (s.type === 'resize') [h, w] = new Resize(s.size).outputSize(h, w);
  }
  return [h, w];
}

/**
 * Runs `transform` once, without an rng, on a black image of the given shape and returns the output's
 * [height, width, channels]; throws what the transform throws (e.g. a 3-value normalize on greyscale images), so a
 * dataset can reject a bad list when it loads instead of at its first batch.
 */
export function probeTransform(transform: ImageTransform, height: number, width: number, channels: number): [number, number, number] {
  const out = transform.apply({ data: new Float32Array(height * width * channels), height, width, channels }, undefined);
  return [out.height, out.width, out.channels];
}
