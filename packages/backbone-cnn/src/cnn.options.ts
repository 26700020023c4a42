import { backboneOptionsSchema, type OptionsOf } from '@kd/core';

export const cnnOptionsSchema = backboneOptionsSchema(
  'cnn',
  'A small VGG-style CNN: stages of 3×3 conv + BN + ReLU, each ending in 2×2 max-pooling.',
  {
    channels: {
      type: 'array',
      items: { type: 'integer', minimum: 1, maximum: 4096 },
      minItems: 1,
      maxItems: 6,
      default: [32, 64],
      description: 'Output channels of each stage; one stage per entry.',
    },
    convsPerStage: { type: 'integer', minimum: 1, maximum: 8, default: 1, description: '3×3 convolutions per stage.' },
    batchNorm: {
      type: 'boolean',
      default: true,
      description: 'Batch normalisation after each convolution (momentum 0.1, eps 1e-5, as PyTorch).',
    },
    hidden: {
      type: 'integer',
      minimum: 0,
      maximum: 65536,
      default: 0,
      description: 'Units of a ReLU hidden layer before the classifier (0: none).',
    },
    head: {
      enum: ['gap', 'flatten'],
      default: 'gap',
      description: 'How the last stage becomes the embedding: global average pooling or flattening.',
    },
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type CnnOptions = OptionsOf<typeof cnnOptionsSchema>;
