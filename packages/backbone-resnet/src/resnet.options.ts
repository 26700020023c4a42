import { backboneOptionsSchema, variantOption, type OptionsOf } from '@kd/core';

/** The CIFAR ResNets of the RepDistiller / mdistiller model zoo: depth and stem/stage widths. */
export const CIFAR_RESNET_VARIANTS = {
  resnet8: { depth: 8, widths: [16, 16, 32, 64] },
  resnet14: { depth: 14, widths: [16, 16, 32, 64] },
  resnet20: { depth: 20, widths: [16, 16, 32, 64] },
  resnet32: { depth: 32, widths: [16, 16, 32, 64] },
  resnet44: { depth: 44, widths: [16, 16, 32, 64] },
  resnet56: { depth: 56, widths: [16, 16, 32, 64] },
  resnet110: { depth: 110, widths: [16, 16, 32, 64] },
  resnet8x4: { depth: 8, widths: [32, 64, 128, 256] },
  resnet32x4: { depth: 32, widths: [32, 64, 128, 256] },
} as const satisfies Record<string, { depth: number; widths: readonly [number, number, number, number] }>;

/**
 * Four-stage ResNets (stage widths 64, 128, 256, 512 × the block's expansion, strides 1, 2, 2, 2): the ImageNet
 * ResNets of torchvision (`stem: 'imagenet'`: 7×7/2 conv + BN + ReLU + 3×3/2 max-pool) and the CIFAR ResNet18/50 of
 * RepDistiller / mdistiller `models/cifar/resnetv2.py` (`stem: 'cifar'`: 3×3/1 conv + BN + ReLU, no max-pool).
 */
export const FOUR_STAGE_RESNET_VARIANTS = {
  resnet18: { stem: 'imagenet', block: 'basic', blocks: [2, 2, 2, 2] },
  resnet34: { stem: 'imagenet', block: 'basic', blocks: [3, 4, 6, 3] },
  resnet50: { stem: 'imagenet', block: 'bottleneck', blocks: [3, 4, 6, 3] },
  cifar_resnet18: { stem: 'cifar', block: 'basic', blocks: [2, 2, 2, 2] },
  cifar_resnet50: { stem: 'cifar', block: 'bottleneck', blocks: [3, 4, 6, 3] },
} as const satisfies Record<
  string,
  { stem: 'imagenet' | 'cifar'; block: 'basic' | 'bottleneck'; blocks: readonly [number, number, number, number] }
>;

/** Every variant: the three-stage CIFAR ResNets, then the four-stage ones. */
export const RESNET_VARIANTS = { ...CIFAR_RESNET_VARIANTS, ...FOUR_STAGE_RESNET_VARIANTS } as const;

export type ResnetVariant = keyof typeof RESNET_VARIANTS;

export const resnetOptionsSchema = backboneOptionsSchema(
  'resnet',
  'ResNet: the CIFAR ResNets of the RepDistiller / mdistiller model zoo (3×3 stem, three stages of BasicBlocks, strides 1, 2, 2), the torchvision ImageNet ResNets (7×7/2 stem + 3×3/2 max-pool, four stages) and the CIFAR ResNet18/50 of resnetv2.py (3×3/1 stem, four stages); global average pooling, linear classifier.',
  {
    variant: variantOption(
      RESNET_VARIANTS,
      'resnet20',
      'Depth and width: resnet8/14/20/32/44/56/110 have widths [16, 16, 32, 64] and (depth − 2)/6 blocks per stage; resnet8x4 and resnet32x4 have widths [32, 64, 128, 256]. resnet18/34/50: torchvision ImageNet ResNets (BasicBlock [2,2,2,2] / [3,4,6,3], Bottleneck [3,4,6,3]); cifar_resnet18/50: the same stages behind a 3×3 stride-1 stem without max-pool (mdistiller resnetv2.py ResNet18/ResNet50).',
    ),
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type ResnetOptions = OptionsOf<typeof resnetOptionsSchema>;
