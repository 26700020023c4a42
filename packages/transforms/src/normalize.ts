import type { Image, ImageTransform } from './image.js';

export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Per-channel mean and std of pixel/255 used by the literature for each data set. */
export const NORMALIZATION_PRESETS = {
  // KD literature (RepDistiller, mdistiller) values.
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  mnist: { mean: [0.1307], std: [0.3081] },
} as const satisfies Record<string, Normalization>;
export type NormalizationPreset = keyof typeof NORMALIZATION_PRESETS;

/** (x − mean[c]) / std[c] per channel. A single mean/std value applies to every channel. */
export class Normalize implements ImageTransform {
  constructor(readonly normalization: Normalization) {
    const { mean, std } = normalization;
    if (mean.length === 0 || mean.length !== std.length)
      throw new RangeError(`normalize: mean (${mean.length} values) and std (${std.length}) must have the same, non-zero length`);
    if (std.some((s) => !(s > 0))) throw new RangeError(`normalize: every std must be > 0, got [${std.join(', ')}]`);
  }

  apply(image: Image): Image {
    const { mean, std } = this.normalization;
    const c = image.channels;
    if (mean.length !== 1 && mean.length !== c) {
      throw new RangeError(
        `normalize: ${mean.length} mean/std values for an image with ${c} channel${c === 1 ? '' : 's'} (expected ${c === 1 ? '1' : `1 or ${c}`})`,
      );
    }
    const m = Float32Array.from({ length: c }, (_, k) => mean[mean.length === 1 ? 0 : k]!);
    const inv = Float32Array.from({ length: c }, (_, k) => 1 / std[std.length === 1 ? 0 : k]!);
    const src = image.data;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i += c) {
      for (let k = 0; k < c; k++) out[i + k] = (src[i + k]! - m[k]!) * inv[k]!;
    }
    return { ...image, data: out };
  }
}
