import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Batch, type BatchOptions, type DatasetSplit } from '@kd/core';
import { imageFromBytes, type ImageTransform } from '@kd/transforms';
import type { ImageReader } from './image-reader.js';
import { prefetch, prefetchStats, type PrefetchStats } from './prefetch.js';

/** Counters of one split's reading, for tests and diagnostics. */
export interface ReaderStats extends PrefetchStats {
  /** Images decoded so far. */
  decoded: number;
}

export interface ImageFolderSplitInit {
  readonly paths: readonly string[];
  readonly labels: Int32Array;
  readonly reader: () => ImageReader;
  /** Applied when `batches` gets an rng. */
  readonly trainTransform: ImageTransform | undefined;
  /** Applied without an rng: evaluation, and ordered reading of any split. */
  readonly evalTransform: ImageTransform;
  /** [height, width, channels] every transformed image must have. */
  readonly outputShape: readonly [number, number, number];
  readonly prefetch: number;
  /** Names the transform lists in shape errors. */
  readonly transformLabel: { readonly train: string; readonly eval: string };
}

interface Prepared {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly index: Int32Array;
}

/**
 * One split streamed from disk: only the file list and labels are held; each batch is read, decoded and transformed
 * when the prefetcher asks for it, into one Float32Array that becomes the batch tensor when yielded.
 */
export class ImageFolderSplit implements DatasetSplit {
  readonly stats: ReaderStats = { ...prefetchStats(), decoded: 0 };

  constructor(private readonly init: ImageFolderSplitInit) {}

  get size(): number {
    return this.init.paths.length;
  }

  get paths(): readonly string[] {
    return this.init.paths;
  }

  get labels(): Int32Array {
    return this.init.labels;
  }

  /**
   * Order: `rng.permutation(size)` when an rng is given, else file order. Then, when the split augments, per batch in
   * order and per image in batch order, one `rng.nextUint32()` seeds that image's own Rng, from which its transforms
   * draw; so the batches depend only on the rng, never on which decode finished first.
   */
  async *batches(options: BatchOptions): AsyncGenerator<Batch> {
    const { batchSize, rng, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const { paths, labels, outputShape } = this.init;
    const n = paths.length;
    const order = rng ? rng.permutation(n) : undefined;
    const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    const reader = this.init.reader();
    // Evaluation transforms never see an rng: a shuffled val split is still evaluated deterministically.
    const augment = rng !== undefined && this.init.trainTransform !== undefined;
    const transform = augment ? this.init.trainTransform! : this.init.evalTransform;
    const label = augment ? this.init.transformLabel.train : this.init.transformLabel.eval;
    const [oh, ow, oc] = outputShape;
    const stride = oh * ow * oc;

    const prepare = async (b: number): Promise<Prepared> => {
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      const x = new Float32Array(size * stride);
      const y = new Int32Array(size);
      const at = new Int32Array(size);
      const seeds = augment ? Array.from({ length: size }, () => rng!.nextUint32()) : undefined;
      await Promise.all(
        Array.from({ length: size }, async (_, k) => {
          const index = order ? order[start + k]! : start + k;
          y[k] = labels[index]!;
          at[k] = index;
          const rgb = await reader.read(paths[index]!);
          this.stats.decoded++;
          const out = transform.apply(imageFromBytes(rgb.data, rgb.height, rgb.width, 3), seeds ? new Rng(seeds[k]!) : undefined);
          if (out.height !== oh || out.width !== ow || out.channels !== oc) {
            throw new RangeError(
              `${paths[index]}: ${label} made a ${out.height}×${out.width}×${out.channels} image of this ${rgb.height}×${rgb.width} one, ` +
                `expected ${oh}×${ow}×${oc} (end the list with a crop or resize to imageSize)`,
            );
          }
          x.set(out.data, k * stride);
        }),
      );
      return { x, y, index: at };
    };

    for await (const { x, y, index } of prefetch(count, this.init.prefetch, prepare, this.stats)) {
      yield { x: tf.tensor4d(x, [y.length, oh, ow, oc], 'float32'), y: tf.tensor1d(y, 'int32'), index };
    }
  }
}
