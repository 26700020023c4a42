import type { OptionsOf } from '@kd/core';

export const agreementOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'agreement evaluator options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'agreement', description: 'How closely the student follows the teacher: top-1 agreement and KL(teacher ‖ student).' },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 1,
      description: 'Both logit vectors are divided by this before the softmax of the KL divergence (1: the networks’ own predictions).',
    },
    klScale: {
      enum: ['none', 'temperatureSquared'],
      default: 'none',
      description: 'Report the plain KL of the softened distributions (none) or multiplied by τ², the scale of the KD loss term.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type AgreementOptions = OptionsOf<typeof agreementOptionsSchema>;
