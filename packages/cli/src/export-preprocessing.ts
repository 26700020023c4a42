import type { DatasetInfo } from '@kd/core';

/** The file `kd export` writes beside model.json. */
export const PREPROCESSING_FILE = 'preprocessing.json';
/** Its JSON Schema, written beside it so that a consumer can validate the file without kd. */
export const PREPROCESSING_SCHEMA_FILE = 'preprocessing.schema.json';

const size = { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2, description: '[height, width].' } as const;
const perChannel = (what: string) => ({ type: 'array', items: { type: 'number' }, minItems: 1, description: what }) as const;

/** JSON Schema (draft 2020-12) of preprocessing.json. */
export const preprocessingSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'kd export preprocessing',
  description:
    "What an image must go through before the exported model sees it, as the run's test split prepared it, and what the output means.",
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'model', 'input', 'output', 'classNames', 'steps', 'source'],
  properties: {
    format: { const: 'kd-preprocessing', description: 'Marks the file as kd export preprocessing.' },
    version: { const: 1, description: 'Version of this format.' },
    model: { const: 'model.json', description: 'The TensorFlow.js layers model this file describes, in the same directory.' },
    input: {
      type: 'object',
      additionalProperties: false,
      required: ['height', 'width', 'channels', 'layout', 'dtype', 'color'],
      description: "The model's input tensor: [batch, height, width, channels], float32.",
      properties: {
        height: { type: 'integer', minimum: 1, description: 'Image height in pixels after the steps.' },
        width: { type: 'integer', minimum: 1, description: 'Image width in pixels after the steps.' },
        channels: { type: 'integer', minimum: 1, description: '1 (greyscale) or 3 (RGB).' },
        layout: { const: 'NHWC', description: 'Batch, height, width, channels (TensorFlow.js order; PyTorch uses NCHW).' },
        dtype: { const: 'float32', description: 'Element type of the input tensor.' },
        color: {
          enum: ['grayscale', 'rgb'],
          description: 'How a decoded image becomes channels: RGB as is, or greyscale as L = 0.299 R + 0.587 G + 0.114 B (PIL "L").',
        },
      },
    },
    output: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'numClasses'],
      description: "The model's output.",
      properties: {
        kind: { const: 'logits', description: 'Unnormalised class scores [batch, numClasses]; softmax gives probabilities.' },
        numClasses: { type: 'integer', minimum: 1, description: 'Number of classes.' },
        head: {
          type: 'string',
          description: 'The distiller head included as the last layer (AEKT "serialization"), when the run had one.',
        },
      },
    },
    classNames: {
      type: ['array', 'null'],
      items: { type: 'string' },
      description: 'Class name per output index, from the dataset; null when the dataset names none (e.g. idx preset custom).',
    },
    steps: {
      type: 'array',
      description:
        'Applied in order to the decoded image as float values pixel/255 in [0, 1], [height, width, channels]. Geometric steps follow ' +
        "torchvision: resize is bilinear without antialiasing (PyTorch's align_corners=False), centerCrop zero-pads when the image is smaller.",
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'size'],
            properties: {
              type: { const: 'resize', description: 'Resize.' },
              size: {
                oneOf: [{ type: 'integer', minimum: 1 }, size],
                description: 'A number: the shorter side (aspect kept, longer side truncated); [height, width]: exact.',
              },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'size'],
            properties: { type: { const: 'centerCrop', description: 'Centre crop: top = round((H - h)/2), left likewise.' }, size },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'padding'],
            properties: {
              type: { const: 'pad', description: 'Zero padding on every side (an evaluation randomCrop pads, then takes the centre).' },
              padding: { type: 'integer', minimum: 0, description: 'Pixels added on each side.' },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'mean', 'std'],
            properties: {
              type: { const: 'normalize', description: '(x - mean[c]) / std[c] per channel.' },
              mean: perChannel('Per-channel mean of pixel/255 (one value: every channel).'),
              std: perChannel('Per-channel standard deviation (one value: every channel).'),
            },
          },
        ],
      },
    },
    source: { type: 'string', description: 'Where the values came from: the dataset the run trained on.' },
  },
} as const;

export type PreprocessingStep =
  | { readonly type: 'resize'; readonly size: number | readonly [number, number] }
  | { readonly type: 'centerCrop'; readonly size: readonly [number, number] }
  | { readonly type: 'pad'; readonly padding: number }
  | { readonly type: 'normalize'; readonly mean: readonly number[]; readonly std: readonly number[] };

/** The content of preprocessing.json (see {@link preprocessingSchema}). */
export interface Preprocessing {
  readonly format: 'kd-preprocessing';
  readonly version: 1;
  readonly model: 'model.json';
  readonly input: {
    readonly height: number;
    readonly width: number;
    readonly channels: number;
    readonly layout: 'NHWC';
    readonly dtype: 'float32';
    readonly color: 'grayscale' | 'rgb';
  };
  readonly output: { readonly kind: 'logits'; readonly numClasses: number; readonly head?: string };
  readonly classNames: readonly string[] | null;
  readonly steps: readonly PreprocessingStep[];
  readonly source: string;
}

const pair = (s: unknown): [number, number] => (typeof s === 'number' ? [s, s] : [(s as number[])[0]!, (s as number[])[1]!]);

/**
 * The deployable steps of a dataset's evaluation transforms. Random transforms act as they do on the test split (no
 * random generator): randomCrop takes the centre window of the padded image, a flip never happens. A transform
 * without an evaluation meaning is an error naming it, not a silently different input.
 */
export function deployableSteps(specs: DatasetInfo['evalTransforms'], where: string): PreprocessingStep[] {
  const steps: PreprocessingStep[] = [];
  for (const [i, s] of (specs ?? []).entries()) {
    if (s.type === 'resize') steps.push({ type: 'resize', size: typeof s['size'] === 'number' ? s['size'] : pair(s['size']) });
    else if (s.type === 'centerCrop') steps.push({ type: 'centerCrop', size: pair(s['size']) });
    else if (s.type === 'normalize') {
      if (!Array.isArray(s['mean']) || !Array.isArray(s['std']))
        throw new Error(`${where}/${i}: a normalize entry without mean and std (the dataset did not resolve its statistics)`);
      steps.push({ type: 'normalize', mean: s['mean'] as number[], std: s['std'] as number[] });
    } else if (s.type === 'randomCrop') {
      // Without a size the centre window of the padded image is the image itself: nothing to do.
      if (s['size'] === undefined) continue;
      const padding = typeof s['padding'] === 'number' ? s['padding'] : 0;
      if (padding > 0) steps.push({ type: 'pad', padding });
      steps.push({ type: 'centerCrop', size: pair(s['size']) });
    } else if (s.type === 'horizontalFlip') continue;
    else throw new Error(`${where}/${i}: "${s.type}" has no deterministic evaluation form to export`);
  }
  return steps;
}

/** preprocessing.json for a model of `inputShape` trained on a dataset described by `info` (undefined: unknown dataset). */
export function preprocessingOf(
  inputShape: readonly [number, number, number],
  numClasses: number,
  info: Pick<DatasetInfo, 'classNames' | 'evalTransforms' | 'source'>,
  head: string | undefined,
  where: string,
): Preprocessing {
  const [height, width, channels] = inputShape;
  return {
    format: 'kd-preprocessing',
    version: 1,
    model: 'model.json',
    input: { height, width, channels, layout: 'NHWC', dtype: 'float32', color: channels === 1 ? 'grayscale' : 'rgb' },
    output: { kind: 'logits', numClasses, ...(head ? { head } : {}) },
    classNames: info.classNames ? [...info.classNames] : null,
    steps: deployableSteps(info.evalTransforms, where),
    source: info.source,
  };
}
