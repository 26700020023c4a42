import { backboneOptionsSchema, variantOption, type OptionsOf } from '@kd/core';

/**
 * The CIFAR MobileNetV2s of the RepDistiller / mdistiller model zoo (`mobilenetv2_T_w(T, W)`): expansion ratio T of
 * the inverted residual blocks and width multiplier W. `mobile_half` = `mobilenetv2_T_w(6, 0.5)` is the
 * "MobileNetV2" student of the KD tables.
 */
export const MOBILENETV2_VARIANTS = {
  mobilenetv2: { expansion: 6, widthMult: 1 },
  mobilenetv2_half: { expansion: 6, widthMult: 0.5 },
} as const satisfies Record<string, { expansion: number; widthMult: number }>;

/**
 * MobileNetV1 for ImageNet (Howard et al. 2017; the "MobileNetV1" student of the ResNet50 → MobileNetV1 ImageNet KD
 * tables, mdistiller `models/imagenet/mobilenetv1.py`): 3×3/2 conv 32 + BN + ReLU, 13 depthwise-separable blocks.
 */
export const MOBILENETV1_VARIANTS = {
  mobilenetv1: { v1: true },
} as const;

/** Every variant: the CIFAR MobileNetV2s, then MobileNetV1. */
export const MOBILENET_VARIANTS = { ...MOBILENETV2_VARIANTS, ...MOBILENETV1_VARIANTS } as const;

/**
 * MobileNetV1's depthwise-separable blocks in groups, as in MOBILENET_BLOCK_SETTING: output channels of the pointwise
 * conv, number of blocks, stride of the first block's depthwise conv (the others' is 1). Stage features are taken
 * after each group but the first: after blocks 3, 5, 11 and 13 (128, 256, 512, 1024 channels).
 */
export const MOBILENETV1_BLOCK_SETTING = [
  { c: 64, n: 1, s: 1 },
  { c: 128, n: 2, s: 2 },
  { c: 256, n: 2, s: 2 },
  { c: 512, n: 6, s: 2 },
  { c: 1024, n: 2, s: 2 },
] as const satisfies readonly { c: number; n: number; s: 1 | 2 }[];

export type MobilenetVariant = keyof typeof MOBILENET_VARIANTS;

/**
 * The reference's inverted-residual setting, one row per block group: expansion ratio (`'T'` = the variant's),
 * output channels before the width multiplier, number of blocks, stride of the first block.
 */
export const MOBILENET_BLOCK_SETTING = [
  { t: 1, c: 16, n: 1, s: 1 },
  { t: 'T', c: 24, n: 2, s: 1 },
  { t: 'T', c: 32, n: 3, s: 2 },
  { t: 'T', c: 64, n: 4, s: 2 },
  { t: 'T', c: 96, n: 3, s: 1 },
  { t: 'T', c: 160, n: 3, s: 2 },
  { t: 'T', c: 320, n: 1, s: 1 },
] as const satisfies readonly { t: number | 'T'; c: number; n: number; s: 1 | 2 }[];

export const mobilenetOptionsSchema = backboneOptionsSchema(
  'mobilenet',
  'CIFAR MobileNetV2 of the RepDistiller / mdistiller model zoo: stride-2 3×3 stem, 17 inverted residual blocks (ReLU), 1×1 conv to 1280 channels, average pooling, linear classifier; or the ImageNet MobileNetV1: stride-2 3×3 stem, 13 depthwise-separable blocks, average pooling, linear classifier.',
  {
    variant: variantOption(
      MOBILENET_VARIANTS,
      'mobilenetv2_half',
      'mobilenetv2_half: expansion 6, width multiplier 0.5 (the reference\'s mobile_half, the "MobileNetV2" student of the KD tables); mobilenetv2: expansion 6, width multiplier 1; mobilenetv1: ImageNet MobileNetV1 (32-channel stride-2 stem, 13 depthwise-separable blocks to 1024 channels; the ResNet50 → MobileNetV1 student).',
    ),
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type MobilenetOptions = OptionsOf<typeof mobilenetOptionsSchema>;
