import { NORMALIZATION_PRESETS, type NormalizationPreset } from './normalize.js';
import { PADDING_MODES, type PaddingMode } from './pad.js';
import type { Size } from './size.js';

/** One entry of a transform list in a config. Defaults are those of torchvision. */
export type TransformSpec =
  | { readonly type: 'randomCrop'; readonly size?: Size; readonly padding?: number; readonly paddingMode?: PaddingMode }
  | { readonly type: 'horizontalFlip'; readonly p?: number }
  | {
      readonly type: 'normalize';
      readonly preset?: NormalizationPreset;
      readonly mean?: readonly number[];
      readonly std?: readonly number[];
    }
  | {
      readonly type: 'randomResizedCrop';
      readonly size: Size;
      readonly scale?: readonly [number, number];
      readonly ratio?: readonly [number, number];
      readonly attempts?: number;
    }
  | { readonly type: 'resize'; readonly size: Size }
  | { readonly type: 'centerCrop'; readonly size: Size };

const size = {
  description: 'One number for a square, or [height, width].',
  oneOf: [
    { type: 'integer', minimum: 1 },
    { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
  ],
} as const;

const range = (what: string) =>
  ({
    type: 'array',
    items: { type: 'number', exclusiveMinimum: 0 },
    minItems: 2,
    maxItems: 2,
    description: what,
  }) as const;

const channelValues = (what: string) => ({ type: 'array', items: { type: 'number' }, minItems: 1, description: what }) as const;

/** One object schema per transform type. */
const branches = [
  {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    description: 'Pad, then crop a random window (torchvision RandomCrop). Without a random generator: the centre window.',
    properties: {
      type: { const: 'randomCrop', description: 'Random crop with padding.' },
      size: { ...size, description: 'Output size; default the input size.' },
      padding: { type: 'integer', minimum: 0, description: 'Pixels added on each side before cropping; default 0.' },
      paddingMode: {
        enum: [...PADDING_MODES],
        description:
          'zero (black before normalisation, torchvision default), reflect (mirror without repeating the edge), edge; default zero.',
      },
    },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    description: 'Random horizontal flip (one draw per image).',
    properties: {
      type: { const: 'horizontalFlip', description: 'Random horizontal flip.' },
      p: { type: 'number', minimum: 0, maximum: 1, description: 'Flip probability; default 0.5.' },
    },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    description:
      '(x - mean) / std per channel. Give a preset, or mean and std; with neither, the dataset plugin fills in its own statistics.',
    properties: {
      type: { const: 'normalize', description: 'Per-channel normalisation.' },
      preset: { enum: Object.keys(NORMALIZATION_PRESETS), description: 'Mean and std of a known data set.' },
      mean: channelValues('Per-channel mean of x in 0..1 (one value: all channels).'),
      std: {
        ...channelValues('Per-channel standard deviation (one value: all channels).'),
        items: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    dependentRequired: { mean: ['std'], std: ['mean'] },
    // Properties repeated here because ajv's strictRequired checks `required` against the same schema object.
    not: { properties: { preset: true, mean: true }, required: ['preset', 'mean'] },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'size'],
    description: 'torchvision RandomResizedCrop: random area and aspect ratio, resized bilinearly (no antialiasing).',
    properties: {
      type: { const: 'randomResizedCrop', description: 'Random resized crop.' },
      size: { ...size, description: 'Output size.' },
      scale: range('Area fraction range; default [0.08, 1].'),
      ratio: range('Aspect ratio (width/height) range, sampled log-uniformly; default [0.75, 1.3333].'),
      attempts: { type: 'integer', minimum: 0, description: 'Draws before the centre fallback; default 10.' },
    },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'size'],
    description: 'torchvision Resize, bilinear without antialiasing.',
    properties: {
      type: { const: 'resize', description: 'Resize.' },
      size: { ...size, description: 'A number: the shorter side (aspect kept, longer side truncated); [h, w]: exact.' },
    },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'size'],
    description: 'torchvision CenterCrop (zero-pads when larger than the image).',
    properties: {
      type: { const: 'centerCrop', description: 'Centre crop.' },
      size: { ...size, description: 'Output size.' },
    },
  },
] as const;

const TRANSFORM_TYPES = branches.map((b) => b.properties.type.const);

/**
 * JSON Schema (2020-12) of a transform list. Entries are selected by `type` with if/then rather than `oneOf`, so a
 * mistake reports the errors of its own type only (and an unknown type lists the known ones) under any ajv
 * configuration. Defaults are stated in the descriptions and applied by `buildTransform`.
 */
export const transformListSchema = {
  type: 'array',
  description: 'Per-image transforms applied in order to HWC images with values in 0..1 (normalise last).',
  items: {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: TRANSFORM_TYPES, description: 'Which transform.' } },
    allOf: branches.map((branch) => ({
      if: { properties: { type: { const: branch.properties.type.const } }, required: ['type'] },
      then: branch,
    })),
  },
} as const;

/**
 * The transform list of validated options, typed. ajv checks each entry against its type's branch, but the options
 * types derived from a schema (`OptionsOf`) do not read if/then, so they see an entry as `{ type, …unknown }`; the
 * branches above are what `TransformSpec` spells out.
 */
export function transformSpecs(list: readonly { readonly type: (typeof TRANSFORM_TYPES)[number] }[]): readonly TransformSpec[];
export function transformSpecs(
  list: readonly { readonly type: (typeof TRANSFORM_TYPES)[number] }[] | undefined,
): readonly TransformSpec[] | undefined;
export function transformSpecs(
  list: readonly { readonly type: (typeof TRANSFORM_TYPES)[number] }[] | undefined,
): readonly TransformSpec[] | undefined {
  return list as readonly TransformSpec[] | undefined;
}
