import { backboneOptionsSchema, variantOption, type OptionsOf } from '@kd/core';

/**
 * The CIFAR VGGs of the RepDistiller / mdistiller model zoo (all with batch norm): the conv widths of each of the
 * five blocks (configurations S, A, B, D, E).
 */
export const VGG_VARIANTS = {
  vgg8: [[64], [128], [256], [512], [512]],
  vgg11: [[64], [128], [256, 256], [512, 512], [512, 512]],
  vgg13: [
    [64, 64],
    [128, 128],
    [256, 256],
    [512, 512],
    [512, 512],
  ],
  vgg16: [
    [64, 64],
    [128, 128],
    [256, 256, 256],
    [512, 512, 512],
    [512, 512, 512],
  ],
  vgg19: [
    [64, 64],
    [128, 128],
    [256, 256, 256, 256],
    [512, 512, 512, 512],
    [512, 512, 512, 512],
  ],
} as const satisfies Record<string, readonly (readonly number[])[]>;

export type VggVariant = keyof typeof VGG_VARIANTS;

export const vggOptionsSchema = backboneOptionsSchema(
  'vgg',
  'CIFAR VGG with batch norm of the RepDistiller / mdistiller model zoo: five blocks of 3×3 conv-BN-ReLU, 2×2 max pooling between the first four, global average pooling, linear classifier.',
  {
    variant: variantOption(
      VGG_VARIANTS,
      'vgg13',
      'Number of convolutions per block: vgg8 [1, 1, 1, 1, 1], vgg11 [1, 1, 2, 2, 2], vgg13 [2, 2, 2, 2, 2], vgg16 [2, 2, 3, 3, 3], vgg19 [2, 2, 4, 4, 4]; widths 64, 128, 256, 512, 512.',
    ),
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type VggOptions = OptionsOf<typeof vggOptionsSchema>;
