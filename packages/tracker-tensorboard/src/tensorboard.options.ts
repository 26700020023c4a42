import type { OptionsOf } from '@kd/core';

export const tensorboardOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'tensorboard tracker options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      const: 'tensorboard',
      description:
        'Writes TensorBoard event files (tfevents) with the step losses, learning rate and epoch metrics as scalars; view with `tensorboard --logdir <runDir>/<dir>`.',
    },
    dir: {
      type: 'string',
      minLength: 1,
      default: 'tensorboard',
      description: 'Directory of the event files, relative to the run directory.',
    },
    steps: {
      type: 'boolean',
      default: true,
      description:
        'Write the loss terms (`step/loss/<term>`) and learning rate (`step/lr`) of every training step; false keeps only the epoch metrics.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type TensorboardOptions = OptionsOf<typeof tensorboardOptionsSchema>;
