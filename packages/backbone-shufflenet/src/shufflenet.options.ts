import { backboneOptionsSchema, variantOption, type OptionsOf } from '@kd/core';

/**
 * The CIFAR ShuffleNets of the RepDistiller / mdistiller model zoo (`models/cifar/ShuffleNetv1.py` `ShuffleV1`,
 * `models/cifar/ShuffleNetv2.py` `ShuffleV2`), the "ShuffleNetV1" / "ShuffleNetV2" students of the KD tables.
 */
export const SHUFFLENET_VARIANTS = {
  /** ShuffleV1: stage widths 240, 480, 960; 4, 8, 4 units; 3 groups. */
  shufflenetv1: { widths: [240, 480, 960], units: [4, 8, 4], groups: 3 },
  /** ShuffleV2 (net_size 1): stage widths 116, 232, 464; a down-sampling unit then 3, 7, 3 basic units; head 1024. */
  shufflenetv2: { widths: [116, 232, 464], units: [3, 7, 3], last: 1024 },
} as const;

export type ShufflenetVariant = keyof typeof SHUFFLENET_VARIANTS;

/** Stem width of both references (a 1×1 conv from the input, no stride). */
export const SHUFFLENET_STEM_CHANNELS = 24;

export const shufflenetOptionsSchema = backboneOptionsSchema(
  'shufflenet',
  'CIFAR ShuffleNet of the RepDistiller / mdistiller model zoo: 1×1 stem to 24 channels (no stride), three stages of shuffle units (stride 2 at the start of each), average pooling, linear classifier.',
  {
    variant: variantOption(
      SHUFFLENET_VARIANTS,
      'shufflenetv2',
      'shufflenetv2: the reference\'s ShuffleV2 (net_size 1: widths 116, 232, 464, 1×1 head to 1024; the "ShuffleNetV2" student of the KD tables); shufflenetv1: ShuffleV1 (widths 240, 480, 960, 3 groups; the "ShuffleNetV1" student).',
    ),
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type ShufflenetOptions = OptionsOf<typeof shufflenetOptionsSchema>;
