import type { OptionsOf } from '@kd/core';

export const efficiencyOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'efficiency evaluator options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'efficiency', description: 'Parameters, FLOPs, inference latency and throughput of the student and the teacher.' },
    runs: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 10,
      description: 'Timed inference passes of one batch; the latency is their median (the mean of the middle two for an even count).',
    },
    warmupRuns: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 3,
      description: 'Untimed passes first, so kernel compilation and first-touch allocation are not measured.',
    },
    batchSize: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Images per timed batch, taken from the start of the evaluation split; 0 means the run’s evaluation batch size.',
    },
    teacher: { type: 'boolean', default: true, description: 'Also measure the teacher.' },
    repeat: {
      enum: ['once', 'everyEvaluation'],
      default: 'once',
      description:
        'once: measure at the first evaluation and report those numbers at every later one (the architecture does not change); everyEvaluation: measure again each time.',
    },
    artefactFile: {
      type: 'string',
      pattern: '^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\\.json$',
      default: 'artifacts/efficiency.json',
      description:
        'Path inside the run directory (by convention under artifacts/; no `..`) that receives the measurement: backend, batch size and every timed pass.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type EfficiencyOptions = OptionsOf<typeof efficiencyOptionsSchema>;
