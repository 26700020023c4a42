import type { Dataset, DatasetInfo, DatasetSplit, SplitName } from '@kd/core';
import { KdInputError } from '@kd/core';
import {
  buildTransform,
  ByteImageSplit,
  datasetOptions,
  holdOutValidation,
  NORMALIZATION_PRESETS,
  probeTransform,
  selectSubset,
  transformSpecs,
  withDefaultNormalization,
  withExplicitNormalization,
  type TransformSpec,
} from '@kd/transforms';
import { CIFAR_FORMATS, CIFAR_SIDE, type CifarFormat } from './cifar.format.js';
import { concatCifar, parseCifarBatch, parseLabelNames, type CifarImages, type CifarLabelKind } from './cifar-reader.js';
import { locateCifar, type CifarFiles } from './cifar-source.js';
import { cifarOptionsSchema, type CifarConfig, type CifarOptions } from './schema.js';

export class CifarDataset implements Dataset {
  constructor(
    readonly info: DatasetInfo,
    readonly splits: Readonly<Partial<Record<SplitName, ByteImageSplit>>>,
  ) {}

  split(name: SplitName): DatasetSplit | undefined {
    return this.splits[name];
  }
}

export interface LoadContext {
  /** Directory relative paths resolve against. */
  readonly baseDir: string;
  /** The run seed: the val hold-out and random subsets derive from it. */
  readonly seed: number;
  /** Download progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

function readSet(files: CifarFiles, names: readonly string[], format: CifarFormat, labels: CifarLabelKind): CifarImages {
  return concatCifar(
    names.map((name) => {
      const bytes = files.get(name);
      if (!bytes) throw new KdInputError(`${files.label(name)}: missing (${format.variant} binary version, from ${files.description})`);
      return parseCifarBatch(bytes, files.label(name), format, labels);
    }),
  );
}

function readNames(files: CifarFiles, name: string | undefined, expected: number): string[] | undefined {
  const bytes = name ? files.get(name) : undefined;
  return bytes ? parseLabelNames(Buffer.from(bytes).toString('utf8'), files.label(name!), expected) : undefined;
}

/** Loads the dataset a `cifar` config describes (validated against the schema, defaults applied, as in a run). */
export async function loadCifarDataset(config: CifarConfig, context: LoadContext): Promise<CifarDataset> {
  return createCifarDataset(datasetOptions<CifarOptions>(cifarOptionsSchema, config, 'cifar'), context);
}

/** The dataset of validated options, as the plugin factory receives them. */
export async function createCifarDataset(options: CifarOptions, context: LoadContext): Promise<CifarDataset> {
  const format = CIFAR_FORMATS[options.variant];
  const { labels } = options;
  if (labels === 'coarse' && format.variant !== 'cifar100') {
    throw new KdInputError(`dataset "cifar": labels "coarse" exists only for variant "cifar100", not "${format.variant}"`);
  }
  const files = await locateCifar(options, format, context.baseDir, context.log);
  const train = readSet(files, format.trainFiles, format, labels);
  const test = readSet(files, format.testFiles, format, labels);
  const numClasses = labels === 'coarse' ? format.numCoarseClasses! : format.numClasses;
  const classNames = readNames(files, labels === 'coarse' ? format.coarseNamesFile : format.namesFile, numClasses);

  const stats = NORMALIZATION_PRESETS[format.variant];
  const trainSpecs = withDefaultNormalization(transformSpecs(options.transforms), stats);
  const testSpecs = withDefaultNormalization(transformSpecs(options.testTransforms), stats);
  const build = (specs: readonly TransformSpec[], pointer: string) => {
    try {
      const transform = buildTransform(specs);
      return { transform, shape: probeTransform(transform, CIFAR_SIDE, CIFAR_SIDE, 3) };
    } catch (e) {
      throw new KdInputError(`dataset "cifar" ${pointer}: ${(e as Error).message}`);
    }
  };
  const { transform: trainTransform, shape: trainShape } = build(trainSpecs, 'transforms');
  const { transform: testTransform, shape: testShape } = build(testSpecs, 'testTransforms');
  if (trainShape.join() !== testShape.join()) {
    throw new KdInputError(
      `dataset "cifar": transforms give ${trainShape.join('×')} images but testTransforms give ${testShape.join('×')}; expected the same input shape`,
    );
  }

  let held: ReturnType<typeof holdOutValidation>;
  try {
    held = holdOutValidation(train.count, options, context.seed);
  } catch (e) {
    throw new KdInputError(`dataset "cifar": ${(e as Error).message}`);
  }
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const splits: Partial<Record<SplitName, ByteImageSplit>> = {
    train: new ByteImageSplit(
      train,
      selectSubset(held.train, train.labels, options.trainSubset, context.seed, 'train'),
      trainTransform,
      trainShape,
    ),
    test: new ByteImageSplit(
      test,
      selectSubset(all(test.count), test.labels, options.testSubset, context.seed, 'test'),
      testTransform,
      testShape,
    ),
  };
  if (held.val)
    splits.val = new ByteImageSplit(
      train,
      selectSubset(held.val, train.labels, options.valSubset, context.seed, 'val'),
      testTransform,
      testShape,
    );

  const sizes = (Object.entries(splits) as [string, ByteImageSplit][]).map(([k, s]) => `${k} ${s.size}`).join(', ');
  const info: DatasetInfo = {
    numClasses,
    inputShape: trainShape,
    ...(classNames ? { classNames } : {}),
    evalTransforms: withExplicitNormalization(testSpecs),
    source: `${format.variant} (${labels === 'coarse' ? '20 coarse' : `${numClasses}`} classes) from ${files.description}: ${sizes} images`,
  };
  return new CifarDataset(info, splits);
}
