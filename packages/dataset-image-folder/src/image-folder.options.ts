import type { ConfigOf, OptionsOf } from '@kd/core';
import { splitOptionsConstraint, splitOptionsProperties, transformListSchema } from '@kd/transforms';

/** Extensions this package can decode; files with any other extension are skipped. */
export const SUPPORTED_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;

/** ImageNet statistics of pixel/255, used by the default `normalize` entries. */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/** 100 megapixels, as jpeg-js's own default (PIL warns above 89 and refuses above 179). */
export const DEFAULT_MAX_MEGAPIXELS = 100;

/** JSON Schema (draft 2020-12) of the `image-folder` dataset's options: their types and defaults are derived from it. */
export const imageFolderOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'image-folder dataset',
  description:
    'Images in one folder per class (ImageNet layout: <root>/train/<class>/*.JPEG, <root>/val/<class>/*), JPEG or PNG, ' +
    'decoded and augmented while training, a few batches ahead; never the whole data set in memory.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'root'],
  properties: {
    name: { const: 'image-folder', default: 'image-folder', description: 'The dataset plugin: a class-per-folder image tree.' },
    root: { type: 'string', minLength: 1, description: 'The data set directory, relative to the config file. No default: required.' },
    trainFolder: {
      type: 'string',
      minLength: 1,
      default: 'train',
      description: 'Sub-folder of root holding the training classes; "." when root itself holds the class folders.',
    },
    testFolder: {
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }],
      default: 'val',
      description:
        'Sub-folder of root evaluated as the "test" split (ImageNet\'s "val"); null for none, then evaluation uses the held-out "val" split.',
    },
    classes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      uniqueItems: true,
      description:
        'Explicit class list: only these folders are read, and class index = position in this list. ' +
        'No default: every sub-folder, indexed in sorted (code-point) order as torchvision ImageFolder.',
    },
    extensions: {
      type: 'array',
      items: { enum: [...SUPPORTED_EXTENSIONS, '.JPG', '.JPEG', '.PNG'] },
      minItems: 1,
      uniqueItems: true,
      default: [...SUPPORTED_EXTENSIONS],
      description:
        'Files whose extension (compared case-insensitively) is in this list are images; every other file is skipped and counted in the source line. ' +
        "The decoder is chosen from the file's first bytes, not its extension.",
    },
    imageSize: {
      type: 'integer',
      minimum: 1,
      default: 224,
      description: "Side of the square network input; sets the default transforms' crop size.",
    },
    resizeSize: {
      type: 'integer',
      minimum: 1,
      description:
        'Shorter side the default evaluation transforms resize to before the centre crop. No default: round(imageSize·256/224) (256 for 224).',
    },
    trainTransforms: {
      ...transformListSchema,
      description:
        "Transforms of training images (with the run's rng). No default: randomResizedCrop(imageSize), horizontalFlip, normalize(ImageNet mean/std). " +
        'A normalize entry without preset or mean/std gets the ImageNet statistics.',
    },
    testTransforms: {
      ...transformListSchema,
      description:
        'Transforms of evaluation images (the test and val splits, and any split read without an rng). ' +
        'No default: resize(resizeSize), centerCrop(imageSize), normalize(ImageNet mean/std).',
    },
    ...splitOptionsProperties,
    prefetch: {
      type: 'integer',
      minimum: 0,
      maximum: 64,
      default: 2,
      description:
        'Batches decoded ahead of the one being trained on (the most decoded batches the reader holds); 0 decodes each batch only when asked for it.',
    },
    workers: {
      type: 'integer',
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        'worker_threads that read and decode images in parallel with training; 0 decodes on the main thread (see README for when workers pay).',
    },
    maxMegapixels: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_MAX_MEGAPIXELS,
      description:
        'Refuse images that declare more than this many million pixels (width × height in the PNG or JPEG header), when the dataset is set up ' +
        'and again before each decode: a small file declaring a huge image (a decompression bomb) cannot exhaust memory.',
    },
  },
  allOf: [splitOptionsConstraint],
} as const;

/** Options of the `image-folder` dataset as its factory receives them: validated, with the schema's defaults applied. */
export type ImageFolderOptions = OptionsOf<typeof imageFolderOptionsSchema>;
/** The same options as a config writes them (defaulted properties may be left out). */
export type ImageFolderConfig = ConfigOf<typeof imageFolderOptionsSchema>;
