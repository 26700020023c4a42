import { KdInputError, type Dataset, type DatasetInfo, type SplitName } from '@kd/core';
import {
  buildTransform,
  datasetOptions,
  holdOutValidation,
  outputSize,
  selectSubset,
  transformSpecs,
  withDefaultNormalization,
  withExplicitNormalization,
  type ImageTransform,
  type SubsetOptions,
  type TransformSpec,
} from '@kd/transforms';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { listClassNames, scanClassFolder, type ClassFolder } from './class-folder.js';
import { defaultTestTransforms, defaultTrainTransforms } from './default-transforms.js';
import {
  IMAGENET_NORMALIZATION,
  imageFolderOptionsSchema,
  type ImageFolderConfig,
  type ImageFolderOptions,
} from './image-folder.options.js';
import { MainThreadReader, type ImageReader } from './image-reader.js';
import { ImageFolderSplit } from './image-folder.split.js';
import { WorkerPoolReader } from './worker-pool-reader.js';
import { scanImageHeaders } from './header-scan.js';

export interface LoadContext {
  /** Directory a relative `root` resolves against. */
  readonly baseDir: string;
  /** The run seed: the held-out val split and random subsets are drawn from it. */
  readonly seed: number;
}

export class ImageFolderDataset implements Dataset {
  constructor(
    readonly info: DatasetInfo,
    private readonly splits: Partial<Record<SplitName, ImageFolderSplit>>,
    private readonly closeReader: () => Promise<void>,
  ) {}

  split(name: SplitName): ImageFolderSplit | undefined {
    return this.splits[name];
  }

  /** Stops the decoding workers, if any. */
  dispose(): void {
    void this.closeReader();
  }

  /** As `dispose`, awaiting the workers' exit. */
  close(): Promise<void> {
    return this.closeReader();
  }
}

function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new KdInputError(`${dir}: ${what} does not exist: expected a directory`);
  if (!statSync(dir).isDirectory()) throw new KdInputError(`${dir}: ${what} is a file: expected a directory`);
}

/** Output [h, w, 3] of a transform list, which must not depend on the input size. */
function fixedShape(specs: readonly TransformSpec[], pointer: string): [number, number, number] {
  const [h, w] = outputSize(specs, Number.NaN, Number.NaN);
  if (!Number.isFinite(h) || !Number.isFinite(w)) {
    throw new KdInputError(
      `${pointer}: the transform list's output size depends on each image's size: expected a crop or resize to a fixed size in it`,
    );
  }
  for (const [i, s] of specs.entries()) {
    if (s.type === 'normalize' && s.mean && s.mean.length !== 1 && s.mean.length !== 3) {
      throw new KdInputError(`${pointer}/${i}/mean: ${s.mean.length} values for RGB images: expected 1 or 3`);
    }
  }
  return [h, w, 3];
}

/** `buildTransform`, its RangeErrors (e.g. mean and std of different lengths) as input errors at the list's pointer. */
function build(specs: readonly TransformSpec[], pointer: string): ImageTransform {
  try {
    return buildTransform(specs);
  } catch (e) {
    throw new KdInputError(`${pointer}: ${(e as Error).message}`);
  }
}

function subset(indices: Int32Array, labels: Int32Array, options: SubsetOptions | undefined, seed: number, split: string): Int32Array {
  const kept = selectSubset(indices, labels, options, seed, split);
  if (!kept.length) throw new KdInputError(`/dataset/${split}Subset: keeps no images of the ${indices.length} in the ${split} split`);
  return kept;
}

function pick(folder: ClassFolder, indices: Int32Array): { paths: string[]; labels: Int32Array } {
  return { paths: Array.from(indices, (i) => folder.paths[i]!), labels: Int32Array.from(indices, (i) => folder.labels[i]!) };
}

/**
 * Loads the dataset an `image-folder` config describes (validated against the schema, defaults applied, as in a run):
 * scans the folders; reads no image yet.
 */
export async function loadImageFolderDataset(config: ImageFolderConfig, context: LoadContext): Promise<ImageFolderDataset> {
  return createImageFolderDataset(datasetOptions<ImageFolderOptions>(imageFolderOptionsSchema, config, 'image-folder'), context);
}

/** The dataset of validated options, as the plugin factory receives them: scans the folders; reads no image yet. */
export async function createImageFolderDataset(options: ImageFolderOptions, context: LoadContext): Promise<ImageFolderDataset> {
  const root = isAbsolute(options.root) ? options.root : resolve(context.baseDir, options.root);
  requireDir(root, 'dataset root (/dataset/root)');
  const { extensions, testFolder } = options;
  const trainDir = join(root, options.trainFolder);
  requireDir(trainDir, 'training folder (/dataset/trainFolder)');
  const train = scanClassFolder(trainDir, { extensions, ...(options.classes ? { classes: options.classes } : {}) });

  let test: ClassFolder | undefined;
  if (testFolder !== null) {
    const testDir = join(root, testFolder);
    requireDir(testDir, 'test folder (/dataset/testFolder; null for none)');
    test = scanClassFolder(testDir, { extensions, classes: train.classNames });
    if (!options.classes) {
      const known = new Set(train.classNames);
      const extra = listClassNames(testDir).filter((c) => !known.has(c));
      if (extra.length) {
        throw new KdInputError(
          `${testDir}: class folder${extra.length > 1 ? 's' : ''} ${extra
            .slice(0, 5)
            .map((c) => JSON.stringify(c))
            .join(', ')} ` +
            `${extra.length > 1 ? 'are' : 'is'} missing from ${trainDir}: expected the same classes in both (or list them in "classes")`,
        );
      }
    }
  }

  const { imageSize } = options;
  const trainSpecs = withDefaultNormalization(
    transformSpecs(options.trainTransforms) ?? defaultTrainTransforms(imageSize),
    IMAGENET_NORMALIZATION,
  );
  const testSpecs = withDefaultNormalization(
    transformSpecs(options.testTransforms) ?? defaultTestTransforms(imageSize, options.resizeSize),
    IMAGENET_NORMALIZATION,
  );
  const shape = fixedShape(trainSpecs, '/dataset/trainTransforms');
  const testShape = fixedShape(testSpecs, '/dataset/testTransforms');
  if (shape[0] !== testShape[0] || shape[1] !== testShape[1]) {
    throw new KdInputError(
      `/dataset/testTransforms: makes ${testShape[0]}×${testShape[1]} images but /dataset/trainTransforms ${shape[0]}×${shape[1]}: expected the same size`,
    );
  }
  const trainTransform = build(trainSpecs, '/dataset/trainTransforms');
  const evalTransform = build(testSpecs, '/dataset/testTransforms');

  let held: ReturnType<typeof holdOutValidation>;
  try {
    held = holdOutValidation(train.paths.length, options, context.seed);
  } catch (e) {
    throw new KdInputError(`/dataset/${options.valCount !== undefined ? 'valCount' : 'valFraction'}: ${(e as Error).message}`);
  }
  const trainIdx = subset(held.train, train.labels, options.trainSubset, context.seed, 'train');
  const valIdx = held.val && subset(held.val, train.labels, options.valSubset, context.seed, 'val');
  const testIdx =
    test &&
    subset(
      Int32Array.from(test.paths, (_, i) => i),
      test.labels,
      options.testSubset,
      context.seed,
      'test',
    );

  // Every image the splits will read, checked now by its first bytes: a bad file fails here, before any run
  // directory exists, rather than in the middle of an epoch.
  const read = new Set<string>();
  for (const [folder, indices] of [
    [train, trainIdx],
    [train, valIdx],
    [test, testIdx],
  ] as const) {
    if (folder && indices) for (const i of indices) read.add(folder.paths[i]!);
  }
  await scanImageHeaders([...read], options.maxMegapixels);

  let reader: ImageReader | undefined;
  const limits = { maxMegapixels: options.maxMegapixels };
  const { workers, prefetch } = options;
  const getReader = () => (reader ??= workers > 0 ? new WorkerPoolReader(workers, limits) : new MainThreadReader(limits));
  const split = (folder: ClassFolder, indices: Int32Array, augment: boolean) =>
    new ImageFolderSplit({
      ...pick(folder, indices),
      reader: getReader,
      trainTransform: augment ? trainTransform : undefined,
      evalTransform,
      outputShape: shape,
      prefetch,
      transformLabel: { train: '/dataset/trainTransforms', eval: '/dataset/testTransforms' },
    });
  const splits: Partial<Record<SplitName, ImageFolderSplit>> = { train: split(train, trainIdx, true) };
  if (valIdx) splits.val = split(train, valIdx, false);
  if (test && testIdx) splits.test = split(test, testIdx, false);

  const rel = (d: string) => relative(root, d) || '.';
  const parts = [`train ${trainIdx.length} images (${rel(trainDir)}/)`];
  if (valIdx) parts.push(`val ${valIdx.length} held out of ${rel(trainDir)}/`);
  if (test && testIdx) parts.push(`test ${testIdx.length} images (${rel(test.dir)}/)`);
  const skipped = train.skipped + (test?.skipped ?? 0);
  const info: DatasetInfo = {
    numClasses: train.classNames.length,
    inputShape: shape,
    classNames: train.classNames,
    evalTransforms: withExplicitNormalization(testSpecs),
    source:
      `image folder ${root}: ${train.classNames.length} classes; ${parts.join(', ')}` +
      (skipped ? `; ${skipped} file${skipped > 1 ? 's' : ''} skipped (extension not in ${extensions.join(', ')})` : ''),
  };
  return new ImageFolderDataset(info, splits, async () => {
    const r = reader;
    reader = undefined;
    await r?.close();
  });
}
