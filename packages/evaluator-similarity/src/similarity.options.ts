import type { OptionsOf } from '@kd/core';

const featureRef = {
  type: 'string',
  minLength: 1,
  description:
    'A feature of the network: "last" (its last stage), "embedding" (pooled, before the classifier), "logits", or a stage feature name such as "stage2" or "stage2_preact".',
} as const;

export const similarityOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'similarity evaluator options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      const: 'similarity',
      description: 'Linear CKA between teacher and student features on a fixed subset of the evaluation split.',
    },
    pairs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['teacher', 'student'],
        properties: { teacher: featureRef, student: featureRef },
      },
      default: [{ teacher: 'last', student: 'last' }],
      description: 'Teacher/student feature pairs to compare; each gives the metric similarity.cka.<teacher>-<student>.',
    },
    maxExamples: {
      type: 'integer',
      minimum: 2,
      default: 512,
      description: 'CKA uses the first maxExamples images of the split, in order (the same subset every epoch).',
    },
    reduce: {
      enum: ['flatten', 'spatialMean'],
      default: 'flatten',
      description: 'How a feature map [H, W, C] becomes one row: all H·W·C values (Kornblith et al.), or the C channel means.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type SimilarityOptions = OptionsOf<typeof similarityOptionsSchema>;

export type FeaturePair = SimilarityOptions['pairs'][number];
