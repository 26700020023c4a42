import type { Batch, BatchOptions, Dataset, DatasetInfo, DatasetSplit, SplitName } from '@kd/core';
import { KdInputError } from '@kd/core';
import { isAbsolute, resolve } from 'node:path';
import {
  buildTransform,
  ByteImageSplit,
  ComposedTransform,
  datasetOptions,
  holdOutValidation,
  probeTransform,
  selectSubset,
  transformSpecs,
  withDefaultNormalization,
  withExplicitNormalization,
  type ImageTransform,
  type TransformSpec,
} from '@kd/transforms';
import { inOrder, readIdxSplit, type IdxSplitData } from './idx-reader.js';
import {
  bundledFashionMnistDir,
  findIdxFiles,
  requireIdxFiles,
  SYSTEM_FASHION_MNIST_DIR,
  SYSTEM_FASHION_MNIST_DIR_ENV,
  systemFashionMnistDir,
  type IdxFiles,
} from './locate.js';
import { idxOptionsSchema, type IdxAugmentOptions, type IdxConfig, type IdxOptions, type IdxPreset } from './schema.js';
import { AugmentTransform, augments } from './augment-transform.js';
import { imageOfBytes, PixelTable } from './pixel-table.js';

export const NUM_CLASSES = 10;

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Per-channel statistics of pixel/255 over the training set. */
export interface Normalization {
  readonly mean: number;
  readonly std: number;
}

export const PRESET_NORMALIZATION: Readonly<Record<Exclude<IdxPreset, 'custom'>, Normalization>> = {
  'fashion-mnist': { mean: 0.286, std: 0.353 },
  mnist: { mean: 0.1307, std: 0.3081 },
};

/** The training split's `augment` settings. */
export type Augmentation = IdxAugmentOptions;

/** Mean and standard deviation of pixel/255 over all pixels. */
export function pixelStatistics(pixels: Uint8Array): Normalization {
  const hist = new Float64Array(256);
  for (let i = 0; i < pixels.length; i++) hist[pixels[i]!]++;
  let sum = 0;
  let sumSq = 0;
  for (let v = 0; v < 256; v++) {
    const x = v / 255;
    sum += hist[v]! * x;
    sumSq += hist[v]! * x * x;
  }
  const n = Math.max(1, pixels.length);
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  return { mean, std: std > 0 ? std : 1 };
}

/**
 * One split held in memory as bytes, batched by @kd/transforms' ByteImageSplit: either through a configured transform
 * list (pixels reach it as x/255), or through `augment` (when the batches get an rng) and the normalisation table.
 */
export class IdxSplit implements DatasetSplit {
  private readonly split: ByteImageSplit;

  constructor(
    readonly data: IdxSplitData,
    readonly normalization: Normalization | undefined,
    /** Applied only when `batches` gets an rng; undefined for evaluation splits. */
    readonly augmentation: Augmentation | undefined,
    /**
     * A transform list from @kd/transforms replacing augmentation and normalisation (pixels reach it as x/255),
     * with the [h, w, c] it produces.
     */
    readonly transform?: { readonly transform: ImageTransform; readonly outputShape: readonly [number, number, number] },
  ) {
    const images = { height: data.rows, width: data.cols, channels: 1, pixels: data.pixels, labels: data.labels };
    const positions = Int32Array.from({ length: data.count }, (_, i) => i);
    if (transform) {
      this.split = new ByteImageSplit(images, positions, transform.transform, transform.outputShape);
      return;
    }
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = normalization ? (v / 255 - normalization.mean) / normalization.std : v / 255;
    const steps =
      augmentation && augments(augmentation) ? [new AugmentTransform(augmentation), new PixelTable(table)] : [new PixelTable(table)];
    this.split = new ByteImageSplit(images, positions, new ComposedTransform(steps), [data.rows, data.cols, 1], imageOfBytes);
  }

  get size(): number {
    return this.data.count;
  }

  /** The class of each position, in file order (the positions `Batch.index` gives). */
  get labels(): Int32Array {
    return this.split.labels;
  }

  /**
   * Batches in file order, or in the order `rng.permutation(size)` when an rng is given. With an rng,
   * augmentation draws per image, in batch order: the flip (`rng.next() < 0.5`, when enabled), then
   * the crop's row and column offsets (`rng.int(2*pad+1)` each, when pad > 0).
   */
  batches(options: BatchOptions): AsyncGenerator<Batch> {
    return this.split.batches(options);
  }
}

export class IdxDataset implements Dataset {
  constructor(
    readonly info: DatasetInfo,
    readonly train: IdxSplit,
    readonly test: IdxSplit,
    /** Held out from the training images (`valFraction` / `valCount`). */
    readonly val?: IdxSplit,
  ) {}

  split(name: SplitName): DatasetSplit | undefined {
    if (name === 'train') return this.train;
    if (name === 'test') return this.test;
    if (name === 'val') return this.val;
    return undefined;
  }
}

export interface LoadContext {
  /** Directory a relative `dir` resolves against. */
  readonly baseDir: string;
  /** The run seed: the val hold-out and random subsets derive from it (default 0). */
  readonly seed?: number;
  /**
   * Where `source` "system"/"auto" looks for the full Fashion-MNIST set. Default: `$KD_SYSTEM_FASHION_MNIST_DIR`,
   * else Debian's /usr/share/datasets/fashion-mnist.
   */
  readonly systemDir?: string;
}

/** The examples at `indices`, copied. */
export function selectIdx(data: IdxSplitData, indices: Int32Array): IdxSplitData {
  if (indices.length === data.count) return data;
  const area = data.rows * data.cols;
  const pixels = new Uint8Array(indices.length * area);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, k) => {
    pixels.set(data.pixels.subarray(index * area, (index + 1) * area), k * area);
    labels[k] = data.labels[index]!;
  });
  return { count: indices.length, rows: data.rows, cols: data.cols, pixels, labels };
}

interface Located {
  readonly files: IdxFiles;
  readonly label: string;
}

function locate(options: IdxOptions, baseDir: string, systemDirOverride?: string): Located {
  const { preset, source } = options;
  if (options.files !== undefined) {
    const root = options.dir === undefined ? baseDir : isAbsolute(options.dir) ? options.dir : resolve(baseDir, options.dir);
    const at = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
    const f = options.files;
    return {
      files: {
        dir: root,
        trainImages: at(f.trainImages),
        trainLabels: at(f.trainLabels),
        testImages: at(f.testImages),
        testLabels: at(f.testLabels),
      },
      label: `${preset} from ${root}`,
    };
  }
  if (options.dir !== undefined) {
    const dir = isAbsolute(options.dir) ? options.dir : resolve(baseDir, options.dir);
    return { files: requireIdxFiles(dir, `dataset "idx" (dir ${JSON.stringify(options.dir)})`), label: `${preset} from ${dir}` };
  }
  if (preset !== 'fashion-mnist') {
    throw new KdInputError(
      `dataset "idx": preset "${preset}" has no bundled data; set "dir" to a directory holding ` +
        'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain or .gz)',
    );
  }
  const systemDir = systemFashionMnistDir(systemDirOverride);
  const systemLabel =
    systemDir === SYSTEM_FASHION_MNIST_DIR
      ? `fashion-mnist, full set of Debian package dataset-fashion-mnist (${systemDir})`
      : `fashion-mnist, full set from ${systemDir}`;
  if (source === 'system') {
    if (!findIdxFiles(systemDir)) {
      throw new KdInputError(
        `dataset "idx": source "system" needs the Debian package dataset-fashion-mnist, whose files are missing from ${systemDir} ` +
          `(install it with \`apt install dataset-fashion-mnist\`, set ${SYSTEM_FASHION_MNIST_DIR_ENV} to a directory holding the four files, ` +
          'or use source "bundled" or "auto")',
      );
    }
    return { files: requireIdxFiles(systemDir, 'dataset "idx"'), label: systemLabel };
  }
  if (source === 'auto') {
    const system = findIdxFiles(systemDir);
    if (system) return { files: system, label: systemLabel };
  }
  const bundled = bundledFashionMnistDir();
  return {
    files: requireIdxFiles(bundled, 'dataset "idx" (bundled Fashion-MNIST subset)'),
    label: `fashion-mnist, subset bundled with @kd/dataset-idx (${bundled})`,
  };
}

/** Loads the dataset an `idx` config describes (validated against the schema, defaults applied, as in a run). */
export async function loadIdxDataset(config: IdxConfig, context: LoadContext): Promise<IdxDataset> {
  return createIdxDataset(datasetOptions<IdxOptions>(idxOptionsSchema, config, 'idx'), context);
}

/** The dataset of validated options, as the plugin factory receives them. */
export async function createIdxDataset(options: IdxOptions, context: LoadContext): Promise<IdxDataset> {
  const { preset } = options;
  if (options.numClasses !== undefined && preset !== 'custom') {
    throw new KdInputError(`dataset "idx": numClasses applies to preset "custom" only; preset "${preset}" has ${NUM_CLASSES} classes`);
  }
  const numClasses = options.numClasses ?? NUM_CLASSES;
  const seed = context.seed ?? 0;
  const { files, label } = locate(options, context.baseDir, context.systemDir);
  const [fullTrain, fullTest] = await inOrder([
    readIdxSplit(files.trainImages, files.trainLabels, {
      numClasses,
      limit: options.trainLimit,
      maxInflatedBytes: options.maxInflatedBytes,
    }),
    readIdxSplit(files.testImages, files.testLabels, { numClasses, limit: options.testLimit, maxInflatedBytes: options.maxInflatedBytes }),
  ] as const);
  let held: ReturnType<typeof holdOutValidation>;
  try {
    held = holdOutValidation(fullTrain.count, options, seed);
  } catch (e) {
    throw new KdInputError(`dataset "idx": ${(e as Error).message}`);
  }
  const train = selectIdx(fullTrain, selectSubset(held.train, fullTrain.labels, options.trainSubset, seed, 'train'));
  const val = held.val ? selectIdx(fullTrain, selectSubset(held.val, fullTrain.labels, options.valSubset, seed, 'val')) : undefined;
  const test = selectIdx(
    fullTest,
    selectSubset(
      Int32Array.from({ length: fullTest.count }, (_, i) => i),
      fullTest.labels,
      options.testSubset,
      seed,
      'test',
    ),
  );
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new KdInputError(
      `${files.testImages}: images are ${test.rows}×${test.cols} but ${files.trainImages} has ${train.rows}×${train.cols}: expected the same size`,
    );
  }
  if (preset !== 'custom' && (train.rows !== 28 || train.cols !== 28)) {
    throw new KdInputError(`${files.trainImages}: images are ${train.rows}×${train.cols}, expected 28×28 for preset "${preset}"`);
  }
  const normalization = !options.normalize ? undefined : preset === 'custom' ? pixelStatistics(train.pixels) : PRESET_NORMALIZATION[preset];
  const augmentation: Augmentation = options.augment;
  // A bare normalize entry uses the preset's statistics even with normalize: false (the list is explicit).
  const transforms = transformLists(
    options,
    normalization ?? (preset === 'custom' ? pixelStatistics(train.pixels) : PRESET_NORMALIZATION[preset]),
    augmentation,
  );
  const trainShape = transforms ? probe(transforms.trainTransform, train, 'transforms') : ([train.rows, train.cols, 1] as const);
  if (transforms) {
    const testShape = probe(transforms.testTransform, train, 'testTransforms');
    if (testShape.join() !== trainShape.join()) {
      throw new KdInputError(
        `dataset "idx": transforms give ${trainShape.join('×')} images but testTransforms give ${testShape.join('×')}; expected the same input shape`,
      );
    }
  }
  const base = (f: string) => f.slice(files.dir.length).replace(/^[\\/]/, '');
  const source =
    `${label}: train ${train.count} images (${base(files.trainImages)}, ${base(files.trainLabels)}), ` +
    (val ? `val ${val.count} held out from train, ` : '') +
    `test ${test.count} images (${base(files.testImages)}, ${base(files.testLabels)})`;
  const classNames = preset === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : preset === 'mnist' ? MNIST_CLASS_NAMES : undefined;
  const info: DatasetInfo = {
    numClasses,
    inputShape: trainShape,
    ...(classNames ? { classNames } : {}),
    evalTransforms: transforms
      ? withExplicitNormalization(transforms.testSpecs)
      : normalization
        ? [{ type: 'normalize', mean: [normalization.mean], std: [normalization.std] }]
        : [],
    source,
  };
  const evalTransform = transforms ? { transform: transforms.testTransform, outputShape: trainShape } : undefined;
  return new IdxDataset(
    info,
    new IdxSplit(
      train,
      normalization,
      augmentation,
      transforms ? { transform: transforms.trainTransform, outputShape: trainShape } : undefined,
    ),
    new IdxSplit(test, normalization, undefined, evalTransform),
    val ? new IdxSplit(val, normalization, undefined, evalTransform) : undefined,
  );
}

/** The output shape of a transform on this data's images; a list that fails on them is an input error now, not at the first batch. */
function probe(transform: ImageTransform, data: IdxSplitData, pointer: string): readonly [number, number, number] {
  try {
    return probeTransform(transform, data.rows, data.cols, 1);
  } catch (e) {
    throw new KdInputError(`dataset "idx" ${pointer}: ${(e as Error).message}`);
  }
}

/** The configured transform lists with bare normalize entries filled in, or undefined for the built-in augment path. */
function transformLists(options: IdxOptions, normalization: Normalization, augmentation: Augmentation) {
  if (options.transforms === undefined && options.testTransforms === undefined) return undefined;
  if (augments(augmentation)) {
    throw new KdInputError(
      'dataset "idx": set either "augment" or "transforms", not both (add randomCrop / horizontalFlip entries to "transforms")',
    );
  }
  const stats = { mean: [normalization.mean], std: [normalization.std] };
  const normalizeDefault: TransformSpec[] = options.normalize ? [{ type: 'normalize' }] : [];
  const train = withDefaultNormalization(transformSpecs(options.transforms) ?? normalizeDefault, stats);
  const test = withDefaultNormalization(transformSpecs(options.testTransforms) ?? normalizeDefault, stats);
  const build = (specs: readonly TransformSpec[], pointer: string) => {
    try {
      return buildTransform(specs);
    } catch (e) {
      throw new KdInputError(`dataset "idx" ${pointer}: ${(e as Error).message}`);
    }
  };
  return { trainTransform: build(train, 'transforms'), testTransform: build(test, 'testTransforms'), testSpecs: test };
}
