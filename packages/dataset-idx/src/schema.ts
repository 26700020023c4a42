import type { ConfigOf, OptionsOf } from '@kd/core';
import { splitOptionsConstraint, splitOptionsProperties, transformListSchema } from '@kd/transforms';

export const IDX_PRESETS = ['fashion-mnist', 'mnist', 'custom'] as const;
export type IdxPreset = (typeof IDX_PRESETS)[number];

export const IDX_SOURCES = ['auto', 'bundled', 'system'] as const;
export type IdxSource = (typeof IDX_SOURCES)[number];

/** 1 GiB: above the largest IDX file in use (EMNIST ByClass training images, 547 MB), far below a bomb's reach. */
export const DEFAULT_MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

/** JSON Schema (draft 2020-12) of the `idx` dataset's options: their types and defaults are derived from it. */
export const idxOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'idx dataset',
  description: 'Images and labels from IDX files (the MNIST format): Fashion-MNIST, MNIST or your own.',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'idx', default: 'idx', description: 'The dataset plugin: IDX files.' },
    preset: {
      enum: [...IDX_PRESETS],
      default: 'fashion-mnist',
      description:
        'Which data set the files hold; sets class names and normalisation. fashion-mnist needs no files; ' +
        'mnist and custom read the directory given by `dir` (custom normalises with statistics of its training images).',
    },
    dir: {
      type: 'string',
      minLength: 1,
      description:
        'Directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and ' +
        't10k-labels-idx1-ubyte (each plain or .gz), relative to the config file. When set, `source` is ignored. ' +
        'No default: fashion-mnist then uses `source`.',
    },
    source: {
      enum: [...IDX_SOURCES],
      default: 'auto',
      description:
        'fashion-mnist without `dir`: "system" reads the full set of the Debian package dataset-fashion-mnist ' +
        '(/usr/share/datasets/fashion-mnist), "bundled" the 10,000/2,000-image subset shipped with this package, ' +
        '"auto" the system set when installed, else the bundled subset.',
    },
    trainLimit: {
      type: 'integer',
      minimum: 1,
      description: 'Use only the first N training images (deterministic, for quick runs). No default: all images.',
    },
    testLimit: {
      type: 'integer',
      minimum: 1,
      description: 'Use only the first N test images (deterministic, for quick runs). No default: all images.',
    },
    normalize: {
      type: 'boolean',
      default: true,
      description:
        "Normalise pixels as (x/255 - mean)/std with the preset's values (Fashion-MNIST 0.2860/0.3530, MNIST 0.1307/0.3081); " +
        'false gives x/255 in [0, 1].',
    },
    augment: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Training-split augmentation, applied only when the trainer passes a random generator.',
      properties: {
        flip: { type: 'boolean', default: false, description: 'Random horizontal flip with probability 1/2.' },
        pad: {
          type: 'integer',
          minimum: 0,
          maximum: 8,
          default: 0,
          description: 'Random crop: zero-pad each side by this many pixels, then crop back to the original size (0 disables).',
        },
      },
    },
    files: {
      type: 'object',
      additionalProperties: false,
      required: ['trainImages', 'trainLabels', 'testImages', 'testLabels'],
      description:
        'Any IDX pair per split, by path (plain or .gz), relative to `dir` when set, else to the config file; replaces the official names. No default.',
      properties: {
        trainImages: { type: 'string', minLength: 1, description: 'Training images (IDX magic 0x00000803).' },
        trainLabels: { type: 'string', minLength: 1, description: 'Training labels (IDX magic 0x00000801).' },
        testImages: { type: 'string', minLength: 1, description: 'Test images.' },
        testLabels: { type: 'string', minLength: 1, description: 'Test labels.' },
      },
    },
    numClasses: {
      type: 'integer',
      minimum: 2,
      maximum: 256,
      description: 'Preset custom: the number of classes (labels must be below it). No default here: 10.',
    },
    transforms: {
      ...transformListSchema,
      description:
        'Training transforms from @kd/transforms, replacing `augment` and `normalize` for the train split; a bare {"type": "normalize"} ' +
        "uses the preset's mean/std (custom: its training statistics). No default: `augment` and `normalize` apply.",
    },
    testTransforms: {
      ...transformListSchema,
      description:
        'Transforms of the test and val splits (with `transforms`; default then [{"type": "normalize"}] when `normalize` is true, else []).',
    },
    maxInflatedBytes: {
      type: 'integer',
      minimum: 1024,
      default: DEFAULT_MAX_INFLATED_BYTES,
      description:
        'The most bytes one .gz file may inflate to (1 GiB = 1073741824; EMNIST ByClass images need 547 MB): inflation stops with an error ' +
        'at the limit, so a small file that inflates to gigabytes (a decompression bomb) cannot exhaust memory; peak memory stays below twice the limit.',
    },
    ...splitOptionsProperties,
  },
  if: { properties: { preset: { enum: ['mnist', 'custom'] } }, required: ['preset'] },
  then: {
    anyOf: [
      { properties: { dir: { type: 'string' } }, required: ['dir'] },
      { properties: { files: { type: 'object' } }, required: ['files'] },
    ],
  },
  allOf: [splitOptionsConstraint],
} as const;

/** Options of the `idx` dataset as its factory receives them: validated, with the schema's defaults applied. */
export type IdxOptions = OptionsOf<typeof idxOptionsSchema>;
/** The same options as a config writes them (defaulted properties may be left out). */
export type IdxConfig = ConfigOf<typeof idxOptionsSchema>;
export type IdxAugmentOptions = IdxOptions['augment'];
/** Explicit paths of an IDX pair per split (any file names), relative to `dir` or else to the config file. */
export type IdxFileOptions = NonNullable<IdxOptions['files']>;
