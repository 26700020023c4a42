import type { OptionsOf } from '@kd/core';

export const calibrationOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'calibration evaluator options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'calibration', description: 'Expected and maximum calibration error, and reliability-diagram data.' },
    bins: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 15,
      description: 'Number of equal-width confidence bins over [0, 1], right-closed: (k/M, (k+1)/M] (Guo et al. use 15).',
    },
    teacher: { type: 'boolean', default: true, description: 'Also measure the teacher (computed once: it is frozen).' },
    artefactFile: {
      type: 'string',
      pattern: '^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\\.json$',
      default: 'artifacts/calibration.json',
      description:
        'Path inside the run directory (by convention under artifacts/; no `..`) that receives the reliability-diagram data of the latest evaluation.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type CalibrationOptions = OptionsOf<typeof calibrationOptionsSchema>;
