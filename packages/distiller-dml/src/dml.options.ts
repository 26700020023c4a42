import type { OptionsOf } from '@kd/core';

/** JSON Schema (draft 2020-12) of the `dml` distiller's options. */
export const dmlOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Deep mutual learning (Zhang et al. 2018): the student and a peer network train together from scratch; each minimises CE + klWeight·τ²·KL(other ‖ self) with the other’s prediction as a fixed target.',
  properties: {
    name: { const: 'dml', description: 'Selects the deep mutual learning (DML) distiller.' },
    klWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description: 'Weight of the mimicry term KL(p_other ‖ p_self) (paper and reference: 1).',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 1,
      description: 'Softmax temperature τ of both distributions in the KL term, which is multiplied by τ². The paper uses none (τ = 1).',
    },
    peer: {
      type: 'object',
      default: {},
      description:
        'Backbone of the peer network, like student.backbone (e.g. {"name": "cnn", "channels": [8, 16]}); validated against that backbone’s schema. {}: the same backbone and options as the student (initialised from its own RNG stream).',
      properties: { name: { type: 'string', minLength: 1, description: 'Backbone plugin name.' } },
    },
    update: {
      enum: ['alternating', 'simultaneous'],
      default: 'alternating',
      description:
        '"alternating" (paper Algorithm 1): update the student against the peer’s prediction, recompute the student’s prediction, then update the peer; two optimiser steps per batch. "simultaneous": both losses from one forward each and one optimiser step (as most PyTorch re-implementations).',
    },
  },
} as const;

/** Options of the `dml` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type DmlOptions = OptionsOf<typeof dmlOptionsSchema>;

export type DmlUpdate = DmlOptions['update'];
