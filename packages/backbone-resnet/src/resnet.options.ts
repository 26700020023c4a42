/** The CIFAR ResNets of the RepDistiller / mdistiller model zoo: depth and stem/stage widths. */
export const RESNET_VARIANTS = {
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

export type ResnetVariant = keyof typeof RESNET_VARIANTS;

export const resnetOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'resnet backbone options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      const: 'resnet',
      description:
        'CIFAR ResNet of the RepDistiller / mdistiller model zoo: 3×3 stem, three stages of BasicBlocks (strides 1, 2, 2), global average pooling, linear classifier.',
    },
    variant: {
      enum: Object.keys(RESNET_VARIANTS) as ResnetVariant[],
      default: 'resnet20',
      description:
        'Depth and width: resnet8/14/20/32/44/56/110 have widths [16, 16, 32, 64] and (depth − 2)/6 blocks per stage; resnet8x4 and resnet32x4 have widths [32, 64, 128, 256].',
    },
  },
} as const;

export interface ResnetOptions {
  readonly name: 'resnet';
  readonly variant: ResnetVariant;
}
