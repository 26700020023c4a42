import type { PluginKind, TemplateVariables } from './plugin-package.generator.js';

/** The plugin API the templates are written against (`API_VERSION` of @kd/core; the spec checks they agree). */
export const KD_API_VERSION = 1;

/** What the docs renderer (tools/docs/render.mjs) reads of a plugin: its manifest without the factory. */
export interface ScaffoldManifest {
  readonly kind: PluginKind;
  readonly name: string;
  readonly version: string;
  readonly apiVersion: number;
  readonly title: string;
  readonly description: string;
  readonly paper?: { readonly title: string; readonly authors: string; readonly year: number; readonly url: string };
  readonly optionsSchema: Readonly<Record<string, unknown>>;
}

/**
 * The options schema of each kind's template, as a value. The generated sources spell the same schema in
 * TypeScript (its distiller defaults come from the loss module's constants); the generator renders the README's
 * options table and the docs/config page from this copy, and the generator spec imports the generated plugin and
 * checks that its manifest equals this one, so the two cannot drift apart unnoticed.
 */
function optionsSchema(kind: PluginKind, name: string, description: string): Record<string, unknown> {
  const head = { type: 'object', additionalProperties: false, required: ['name'], description };
  const select = { const: name, description: `Selects the ${name} ${kind}.` };
  switch (kind) {
    case 'distiller':
      return {
        ...head,
        properties: {
          name: select,
          temperature: {
            type: 'number',
            exclusiveMinimum: 0,
            default: 4,
            description: 'Softmax temperature τ shared by teacher and student.',
          },
          ceWeight: {
            type: 'number',
            minimum: 0,
            default: 0.1,
            description: 'Weight of the cross-entropy with the hard labels (at τ = 1).',
          },
          kdWeight: { type: 'number', minimum: 0, default: 0.9, description: 'Weight of the KL divergence to the teacher.' },
          scaleByTemperatureSquared: {
            type: 'boolean',
            default: true,
            description: 'Multiply the KL term by τ² (Hinton et al.) so that its gradient does not shrink as 1/τ² when τ grows.',
          },
        },
      };
    case 'dataset':
      return {
        ...head,
        properties: {
          name: select,
          numClasses: {
            type: 'integer',
            minimum: 2,
            maximum: 256,
            default: 4,
            description: 'Number of classes K (one row band each); at most imageSize.',
          },
          imageSize: { type: 'integer', minimum: 2, maximum: 256, default: 16, description: 'Height and width of the square images.' },
          channels: {
            type: 'integer',
            enum: [1, 3],
            default: 1,
            description: 'Channels per pixel (1 greyscale, 3 RGB; every channel gets the same band).',
          },
          trainSize: { type: 'integer', minimum: 1, default: 1024, description: 'Images in the train split (labels i mod K: balanced).' },
          testSize: { type: 'integer', minimum: 1, default: 256, description: 'Images in the test split (evaluation).' },
          noise: {
            type: 'number',
            minimum: 0,
            default: 0.5,
            description: 'Standard deviation of the Gaussian noise added to every pixel.',
          },
          dataSeed: {
            type: 'integer',
            minimum: 0,
            default: 0,
            description: 'Seed of the generated images, kept apart from training.seed so that every run sees the same data.',
          },
        },
      };
    case 'backbone':
      return {
        ...head,
        properties: {
          name: select,
          hidden: {
            type: 'array',
            items: { type: 'integer', minimum: 1 },
            minItems: 1,
            default: [128],
            description: 'Units of each hidden dense layer, in order; each is a stage (`stage1`, …) and the last is the embedding.',
          },
          activation: { type: 'string', enum: ['relu', 'tanh'], default: 'relu', description: 'Activation after each hidden layer.' },
        },
      };
    case 'evaluator':
      return {
        ...head,
        properties: {
          name: select,
          teacher: {
            type: 'boolean',
            default: false,
            description: 'Also report teacher.nll (computed once: the teacher does not change) when the run has a teacher.',
          },
        },
      };
  }
}

/** The manifest of the plugin the templates write for these variables. */
export function scaffoldManifest(vars: TemplateVariables): ScaffoldManifest {
  return {
    kind: vars.kind,
    name: vars.name,
    version: '0.1.0',
    apiVersion: KD_API_VERSION,
    title: vars.title,
    description: vars.description,
    ...(vars.kind === 'distiller'
      ? {
          paper: {
            title: 'Distilling the Knowledge in a Neural Network',
            authors: 'Hinton, Vinyals, Dean',
            year: 2015,
            url: 'https://arxiv.org/abs/1503.02531',
          },
        }
      : {}),
    optionsSchema: optionsSchema(vars.kind, vars.name, vars.description),
  };
}
