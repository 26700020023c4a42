import type { ConfigOf, OptionsOf } from '@kd/core';
import { splitOptionsConstraint, splitOptionsProperties, transformListSchema, type TransformSpec } from '@kd/transforms';
import { CIFAR_VARIANTS } from './cifar.format.js';

/** 512 MiB: the official binary archives inflate to about 184 MB each. */
export const DEFAULT_MAX_INFLATED_BYTES = 512 * 1024 * 1024;

/** The usual CIFAR training augmentation of the KD literature (RepDistiller, mdistiller). */
export const DEFAULT_TRAIN_TRANSFORMS: readonly TransformSpec[] = [
  { type: 'randomCrop', padding: 4, paddingMode: 'zero' },
  { type: 'horizontalFlip', p: 0.5 },
  { type: 'normalize' },
];
export const DEFAULT_TEST_TRANSFORMS: readonly TransformSpec[] = [{ type: 'normalize' }];

/** JSON Schema (draft 2020-12) of the `cifar` dataset's options: their types and defaults are derived from it. */
export const cifarOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'cifar dataset',
  description: 'CIFAR-10 or CIFAR-100, binary version: an extracted directory, the official .tar.gz, or a verified download.',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'cifar', default: 'cifar', description: 'The dataset plugin: CIFAR binary files.' },
    variant: {
      enum: [...CIFAR_VARIANTS],
      default: 'cifar100',
      description: 'cifar10 (10 classes) or cifar100 (100 fine / 20 coarse classes).',
    },
    dir: {
      type: 'string',
      minLength: 1,
      description:
        'Directory, relative to the config file, holding the batch files (data_batch_1..5.bin and test_batch.bin, or train.bin and test.bin), ' +
        "or the official archive's folder (cifar-10-batches-bin / cifar-100-binary), or the archive itself. No default: see `archive` and `download`.",
    },
    archive: {
      type: 'string',
      minLength: 1,
      description:
        'Path of cifar-10-binary.tar.gz / cifar-100-binary.tar.gz, relative to the config file, read without extracting. No default.',
    },
    download: {
      type: 'boolean',
      default: false,
      description:
        'Without `dir` and `archive`: download the official archive into `cacheDir` (MD5-checked, resumable) when it is not there yet.',
    },
    cacheDir: {
      type: 'string',
      minLength: 1,
      description: 'Where downloaded archives live. No default here: $KD_CACHE_DIR/datasets, else ~/.cache/kd/datasets.',
    },
    url: {
      type: 'string',
      minLength: 1,
      description: 'Download from this mirror instead of the official URL. No default: the official URL.',
    },
    md5: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{32}$',
      description: 'Expected MD5 of the archive (with `url`, for a mirror serving other bytes). No default: the official checksum.',
    },
    labels: {
      enum: ['fine', 'coarse'],
      default: 'fine',
      description: 'CIFAR-100 only: the 100 fine classes or the 20 coarse superclasses.',
    },
    transforms: {
      ...transformListSchema,
      default: DEFAULT_TRAIN_TRANSFORMS,
      description:
        'Training-split transforms (applied with the batch rng; see @kd/transforms). A bare {"type": "normalize"} uses the variant\'s mean/std.',
    },
    testTransforms: {
      ...transformListSchema,
      default: DEFAULT_TEST_TRANSFORMS,
      description: 'Transforms of the test and val splits. A bare {"type": "normalize"} uses the variant\'s mean/std.',
    },
    maxInflatedBytes: {
      type: 'integer',
      minimum: 1024,
      default: DEFAULT_MAX_INFLATED_BYTES,
      description:
        'The most bytes a .tar.gz archive may inflate to (512 MiB = 536870912; the official archives need 184 MB): inflation stops with an error ' +
        'at the limit, so a small archive that inflates to gigabytes (a decompression bomb) cannot exhaust memory; peak memory stays below twice the limit.',
    },
    ...splitOptionsProperties,
  },
  // Each rule is a `not` with a description: kd's validator prints that description at the pointer, one line.
  allOf: [
    splitOptionsConstraint,
    {
      description: '"dir" and "archive" exclude each other: set one of them (or neither, with "download": true)',
      not: { properties: { dir: true, archive: true }, required: ['dir', 'archive'] },
    },
    {
      description: '"md5" needs "url": it is the checksum of a mirror\'s archive (without "url" the official MD5 is used)',
      not: { properties: { md5: true }, required: ['md5'], not: { properties: { url: true }, required: ['url'] } },
    },
    {
      description: '"labels": "coarse" needs "variant": "cifar100" (CIFAR-10 has no superclasses); allowed with "cifar10": "fine"',
      not: { properties: { variant: { const: 'cifar10' }, labels: { const: 'coarse' } }, required: ['variant', 'labels'] },
    },
  ],
} as const;

/** Options of the `cifar` dataset as its factory receives them: validated, with the schema's defaults applied. */
export type CifarOptions = OptionsOf<typeof cifarOptionsSchema>;
/** The same options as a config writes them (defaulted properties may be left out). */
export type CifarConfig = ConfigOf<typeof cifarOptionsSchema>;
