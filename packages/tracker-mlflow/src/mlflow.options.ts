import type { OptionsOf } from '@kd/core';

export const mlflowOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'mlflow tracker options',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      const: 'mlflow',
      description:
        "Records the run in an MLflow tracking server through its REST API (2.0): the resolved config as params, step losses and learning rate and epoch metrics as metrics (sent in batches), and the run's end status.",
    },
    trackingUri: {
      type: 'string',
      pattern: '^https?://',
      default: 'http://127.0.0.1:5000',
      description:
        'Base URL of the tracking server (`mlflow server` listens on http://127.0.0.1:5000 by default). A token in MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, are sent as MLflow’s own client sends them.',
    },
    experimentName: {
      type: 'string',
      minLength: 1,
      default: 'Default',
      description: 'Experiment the run is recorded in; created when the server has none of this name ("Default" always exists).',
    },
    runName: {
      type: 'string',
      default: '',
      description: "Name of the MLflow run; empty uses the run directory's name.",
    },
    steps: {
      type: 'boolean',
      default: true,
      description: 'Log the loss terms (`loss/<term>`) and learning rate (`lr`) of every step; false keeps only the epoch metrics.',
    },
    timeoutMs: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description: 'Time limit of each request; a request that fails or times out becomes a warning and the run goes on.',
    },
  },
} as const;

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type MlflowOptions = OptionsOf<typeof mlflowOptionsSchema>;
