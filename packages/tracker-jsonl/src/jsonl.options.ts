import type { OptionsOf } from '@kd/core';

export const jsonlOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'jsonl tracker options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      const: 'jsonl',
      description: 'Appends one record per step and per epoch (plus run start, warnings and run end) to files in the run directory.',
    },
    dir: {
      type: 'string',
      minLength: 1,
      default: 'tracker',
      description: 'Directory of the files, relative to the run directory.',
    },
    formats: {
      type: 'array',
      items: { enum: ['jsonl', 'csv'] },
      minItems: 1,
      uniqueItems: true,
      default: ['jsonl', 'csv'],
      description:
        'Files to write: `jsonl` writes events.jsonl, one JSON record per line (the record schema is exported as `trackerRecordSchema`); `csv` writes events.csv in long form, one row per scalar (type,stage,epoch,step,key,value), so that the header never changes.',
    },
    steps: {
      type: 'boolean',
      default: true,
      description:
        'Record every training step (losses, learning rate, the distiller’s extra scalars and the batch’s training accuracy); false keeps only the epoch records.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type JsonlOptions = OptionsOf<typeof jsonlOptionsSchema>;
