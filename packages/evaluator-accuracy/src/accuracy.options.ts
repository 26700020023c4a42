import type { OptionsOf } from '@kd/core';

export const accuracyOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'accuracy evaluator options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'accuracy', description: 'Top-k accuracy of the student and, when present, the teacher.' },
    topK: {
      type: 'array',
      items: { type: 'integer', minimum: 1, maximum: 1000 },
      minItems: 1,
      uniqueItems: true,
      default: [1, 5],
      description: 'Which top-k accuracies to report (k larger than the class count is reported as 1).',
    },
    teacher: { type: 'boolean', default: true, description: 'Also evaluate the teacher (computed once: it is frozen).' },
    perClass: {
      type: 'boolean',
      default: true,
      description: 'Also compute per-class accuracy and the confusion matrix: adds <network>.meanClassTop1 and writes artefactFile.',
    },
    artefactFile: {
      type: 'string',
      pattern: '^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\\.json$',
      default: 'artifacts/accuracy.json',
      description:
        'Path inside the run directory (by convention under artifacts/; no `..`) that receives the per-class report of the latest evaluation.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type AccuracyOptions = OptionsOf<typeof accuracyOptionsSchema>;
