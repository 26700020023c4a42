import type { PluginKind, PluginManifest } from '../plugin/plugin.js';
import { backendSchema, outputSchema, trainingSchema } from './training-schema.js';

export const PIPELINE_SPEC_VERSION = 1;

export function pluginSchemaId(kind: PluginKind, name: string): string {
  return `kd:${kind}/${name}`;
}

/** Marks a plugin slot's schema, so that errors can show the `{ "name": … }` form a slot expects. */
export const SLOT_COMMENT_PREFIX = 'kd plugin slot: ';

function union(manifests: readonly PluginManifest[], kind: PluginKind, description: string): Record<string, unknown> {
  const of = manifests.filter((m) => m.kind === kind);
  const $comment = `${SLOT_COMMENT_PREFIX}${kind}`;
  // ajv rejects `oneOf: []`; a slot with no installed plugin matches nothing instead.
  if (of.length === 0) return { $comment, not: {}, description: `${description} (no ${kind} plugin is installed)` };
  return {
    $comment,
    type: 'object',
    description,
    required: ['name'],
    properties: { name: { enum: of.map((m) => m.name), description: `The ${kind} plugin.` } },
    discriminator: { propertyName: 'name' },
    oneOf: of.map((m) => ({ $ref: pluginSchemaId(kind, m.name) })),
  };
}

/** The pipeline schema for the given plugins: core's sections plus one discriminated union per slot. */
export function buildPipelineSchema(manifests: readonly PluginManifest[]): Record<string, unknown> {
  const backbone = union(manifests, 'backbone', 'Backbone architecture and its options.');
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'kd:pipeline',
    title: 'kd pipeline',
    type: 'object',
    additionalProperties: false,
    required: ['specVersion', 'dataset', 'student', 'training', 'output'],
    properties: {
      $schema: { type: 'string', description: 'Path of the schema file (for editors).' },
      specVersion: { const: PIPELINE_SPEC_VERSION, description: 'Version of this config format.' },
      description: { type: 'string', description: 'Free text.' },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description: 'Extra plugin packages or module paths to load besides the discovered ones.',
      },
      backend: backendSchema,
      dataset: union(manifests, 'dataset', 'Dataset and its options.'),
      teacher: {
        type: 'object',
        additionalProperties: false,
        required: ['backbone', 'weights'],
        description: 'The frozen teacher: its architecture and trained weights.',
        properties: {
          backbone,
          weights: {
            type: 'string',
            minLength: 1,
            description: 'A run directory (its final weights are used) or a checkpoint directory, relative to the config file.',
          },
          cache: {
            type: 'object',
            additionalProperties: false,
            required: ['dir'],
            description:
              "Reuse the frozen teacher's outputs across runs: every run with the same seed feeds the teacher the same batches, so methods compared on one seed (a benchmark, a sweep) need its forward pass once. Entries are keyed by the teacher's weights and the exact input bytes and checked before use; training is bit-identical with and without the cache. Applies to distillers that take the teacher output from the trainer (not to those that run their own step, such as LAKD or DML).",
            properties: {
              dir: {
                type: 'string',
                minLength: 1,
                description: 'Cache directory, relative to the config file; share it between the runs that should reuse the outputs.',
              },
              maxBytes: {
                type: 'integer',
                minimum: 0,
                default: 4294967296,
                description:
                  'Upper bound of the cache size on disk for this teacher (default 4 GiB); past it, outputs are computed and not stored.',
              },
              features: {
                type: 'boolean',
                default: false,
                description:
                  'Also store the stage features and the embedding (for feature distillers; much larger). Without it only the logits are stored, and a distiller that reads teacher features stops with an error saying to set this.',
              },
            },
          },
        },
      },
      student: {
        type: 'object',
        additionalProperties: false,
        required: ['backbone'],
        description: 'The network being trained.',
        properties: {
          backbone,
          init: {
            type: 'object',
            additionalProperties: false,
            required: ['weights'],
            description:
              "Start the student from saved weights instead of the backbone's initialisation: the same architecture, every tensor matched by name and shape (a name or shape that does not match is an error, never a partial load). A resumed run takes its weights from the checkpoint instead.",
            properties: {
              weights: {
                type: 'string',
                minLength: 1,
                description:
                  "A kd run directory (its final weights), a directory holding network.json (kd import's output, e.g. of a PyTorch checkpoint or a Keras model), or a TensorFlow.js layers model directory with kd's layer names (kd export's output); relative to the config file.",
              },
            },
          },
        },
      },
      distiller: union(manifests, 'distiller', 'Distillation method. Omit to train the student from labels alone.'),
      evaluators: {
        type: 'array',
        items: union(manifests, 'evaluator', 'An evaluator.'),
        default: [],
        description: 'Metrics computed on the test split after each evaluated epoch.',
      },
      trackers: {
        type: 'array',
        items: union(manifests, 'tracker', 'An experiment tracker.'),
        default: [],
        description:
          "Experiment trackers that mirror the run's events (step losses and learning rate, epoch metrics, warnings) to outside sinks. A tracker that fails (server down, disk full) turns into a warning; the run goes on.",
      },
      training: trainingSchema,
      output: outputSchema,
    },
  };
}
