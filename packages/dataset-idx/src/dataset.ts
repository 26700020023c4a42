import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchOptions, Dataset, DatasetInfo, DatasetSplit, SplitName } from '@kd/core';
import { KdInputError } from '@kd/core';
import { isAbsolute, resolve } from 'node:path';
import { readIdxSplit, type IdxSplitData } from './idx-reader.js';
import {
  bundledFashionMnistDir,
  findIdxFiles,
  requireIdxFiles,
  SYSTEM_FASHION_MNIST_DIR,
  type IdxFiles,
} from './locate.js';
import type { IdxOptions, IdxPreset } from './schema.js';

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

export interface Augmentation {
  readonly flip: boolean;
  readonly pad: number;
}

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
 * One split held in memory as bytes. Batches are built on the CPU in a Float32Array (augmentation,
 * then normalisation through a 256-entry table) and become exactly two tensors, x and y.
 */
export class IdxSplit implements DatasetSplit {
  private readonly lut: Float32Array;

  constructor(
    readonly data: IdxSplitData,
    readonly normalization: Normalization | undefined,
    /** Applied only when `batches` gets an rng; undefined for evaluation splits. */
    readonly augmentation: Augmentation | undefined,
  ) {
    this.lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      this.lut[v] = normalization ? (v / 255 - normalization.mean) / normalization.std : v / 255;
    }
  }

  get size(): number {
    return this.data.count;
  }

  /**
   * Batches in file order, or in the order `rng.permutation(size)` when an rng is given. With an rng,
   * augmentation draws per image, in batch order: the flip (`rng.next() < 0.5`, when enabled), then
   * the crop's row and column offsets (`rng.int(2*pad+1) - pad` each, when pad > 0).
   */
  async *batches(options: BatchOptions): AsyncGenerator<Batch> {
    const { batchSize, rng, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const n = this.data.count;
    const order = rng ? rng.permutation(n) : undefined;
    const aug = rng && this.augmentation && (this.augmentation.flip || this.augmentation.pad > 0) ? this.augmentation : undefined;
    const { rows, cols, pixels, labels } = this.data;
    const area = rows * cols;
    const lut = this.lut;
    const black = lut[0]!;
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      if (b < batchSize && dropLast) break;
      const x = new Float32Array(b * area);
      const y = new Int32Array(b);
      for (let k = 0; k < b; k++) {
        const index = order ? order[start + k]! : start + k;
        y[k] = labels[index]!;
        const src = index * area;
        const dst = k * area;
        if (!aug) {
          for (let p = 0; p < area; p++) x[dst + p] = lut[pixels[src + p]!]!;
          continue;
        }
        const flip = aug.flip && rng!.next() < 0.5;
        const dy = aug.pad > 0 ? rng!.int(2 * aug.pad + 1) - aug.pad : 0;
        const dx = aug.pad > 0 ? rng!.int(2 * aug.pad + 1) - aug.pad : 0;
        for (let r = 0; r < rows; r++) {
          const sr = r + dy;
          for (let c = 0; c < cols; c++) {
            // Crop of the zero-padded image, then the flip of that crop.
            const sc = (flip ? cols - 1 - c : c) + dx;
            x[dst + r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols ? lut[pixels[src + sr * cols + sc]!]! : black;
          }
        }
      }
      yield { x: tf.tensor4d(x, [b, rows, cols, 1], 'float32'), y: tf.tensor1d(y, 'int32') };
    }
  }
}

export class IdxDataset implements Dataset {
  constructor(
    readonly info: DatasetInfo,
    readonly train: IdxSplit,
    readonly test: IdxSplit,
  ) {}

  split(name: SplitName): DatasetSplit | undefined {
    if (name === 'train') return this.train;
    if (name === 'test') return this.test;
    return undefined;
  }
}

export interface LoadContext {
  /** Directory a relative `dir` resolves against. */
  readonly baseDir: string;
}

interface Located {
  readonly files: IdxFiles;
  readonly label: string;
}

function locate(options: IdxOptions, baseDir: string): Located {
  const preset = options.preset ?? 'fashion-mnist';
  const source = options.source ?? 'auto';
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
  const systemLabel = `fashion-mnist, full set of Debian package dataset-fashion-mnist (${SYSTEM_FASHION_MNIST_DIR})`;
  if (source === 'system') {
    if (!findIdxFiles(SYSTEM_FASHION_MNIST_DIR)) {
      throw new KdInputError(
        `dataset "idx": source "system" needs the Debian package dataset-fashion-mnist, whose files are missing from ${SYSTEM_FASHION_MNIST_DIR} ` +
          '(install it with `apt install dataset-fashion-mnist`, or use source "bundled" or "auto")',
      );
    }
    return { files: requireIdxFiles(SYSTEM_FASHION_MNIST_DIR, 'dataset "idx"'), label: systemLabel };
  }
  if (source === 'auto') {
    const system = findIdxFiles(SYSTEM_FASHION_MNIST_DIR);
    if (system) return { files: system, label: systemLabel };
  }
  const bundled = bundledFashionMnistDir();
  return {
    files: requireIdxFiles(bundled, 'dataset "idx" (bundled Fashion-MNIST subset)'),
    label: `fashion-mnist, subset bundled with @kd/dataset-idx (${bundled})`,
  };
}

/** Loads the dataset an `idx` config describes. */
export async function loadIdxDataset(options: IdxOptions, context: LoadContext): Promise<IdxDataset> {
  const preset = options.preset ?? 'fashion-mnist';
  const { files, label } = locate(options, context.baseDir);
  const [train, test] = await Promise.all([
    readIdxSplit(files.trainImages, files.trainLabels, { numClasses: NUM_CLASSES, limit: options.trainLimit }),
    readIdxSplit(files.testImages, files.testLabels, { numClasses: NUM_CLASSES, limit: options.testLimit }),
  ]);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new KdInputError(
      `${files.testImages}: images are ${test.rows}×${test.cols} but ${files.trainImages} has ${train.rows}×${train.cols}: expected the same size`,
    );
  }
  if (preset !== 'custom' && (train.rows !== 28 || train.cols !== 28)) {
    throw new KdInputError(`${files.trainImages}: images are ${train.rows}×${train.cols}, expected 28×28 for preset "${preset}"`);
  }
  const normalization =
    options.normalize === false ? undefined : preset === 'custom' ? pixelStatistics(train.pixels) : PRESET_NORMALIZATION[preset];
  const augmentation: Augmentation = { flip: options.augment?.flip ?? false, pad: options.augment?.pad ?? 0 };
  const base = (f: string) => f.slice(files.dir.length).replace(/^[\\/]/, '');
  const source =
    `${label}: train ${train.count} images (${base(files.trainImages)}, ${base(files.trainLabels)}), ` +
    `test ${test.count} images (${base(files.testImages)}, ${base(files.testLabels)})`;
  const classNames = preset === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : preset === 'mnist' ? MNIST_CLASS_NAMES : undefined;
  const info: DatasetInfo = {
    numClasses: NUM_CLASSES,
    inputShape: [train.rows, train.cols, 1],
    ...(classNames ? { classNames } : {}),
    source,
  };
  return new IdxDataset(info, new IdxSplit(train, normalization, augmentation), new IdxSplit(test, normalization, undefined));
}
