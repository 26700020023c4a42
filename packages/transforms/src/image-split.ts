import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchOptions, DatasetSplit } from '@kd/core';
import { imageFromBytes, type Image, type ImageTransform } from './image.js';

/** Images held as bytes (N × H × W × C, 0..255) with int labels. */
export interface ByteImages {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly pixels: Uint8Array;
  readonly labels: ArrayLike<number>;
}

/**
 * A split over the images at `indices` of an in-memory byte set. Batches are built on the CPU, each image through
 * `transform` (drawing from the batch rng after the shuffle), and become exactly two tensors, x and y.
 */
export class ByteImageSplit implements DatasetSplit {
  constructor(
    readonly images: ByteImages,
    readonly indices: Int32Array,
    readonly transform: ImageTransform,
    /** [height, width, channels] every transformed image must have. */
    readonly outputShape: readonly [number, number, number],
    /** How an image's bytes become the transform's input (default: x/255). */
    readonly toImage: (bytes: Uint8Array, height: number, width: number, channels: number, offset: number) => Image = imageFromBytes,
  ) {}

  get size(): number {
    return this.indices.length;
  }

  private labelCache: Int32Array | undefined;

  /** The class of each position (`indices` mapped through the images' labels). */
  get labels(): Int32Array {
    this.labelCache ??= Int32Array.from(this.indices, (i) => this.images.labels[i]!);
    return this.labelCache;
  }

  /** Order: `rng.permutation(size)` when an rng is given, else file order; then per image in batch order the transform's draws. */
  async *batches(options: BatchOptions): AsyncGenerator<Batch> {
    const { batchSize, rng, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const n = this.indices.length;
    const order = rng ? rng.permutation(n) : undefined;
    const { height, width, channels, pixels, labels } = this.images;
    const stride = height * width * channels;
    const [oh, ow, oc] = this.outputShape;
    const outStride = oh * ow * oc;
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      if (b < batchSize && dropLast) break;
      const x = new Float32Array(b * outStride);
      const y = new Int32Array(b);
      const at = new Int32Array(b);
      for (let k = 0; k < b; k++) {
        at[k] = order ? order[start + k]! : start + k;
        const index = this.indices[at[k]!]!;
        y[k] = labels[index]!;
        const out = this.transform.apply(this.toImage(pixels, height, width, channels, index * stride), rng);
        if (out.height !== oh || out.width !== ow || out.channels !== oc) {
          throw new RangeError(`transforms produced a ${out.height}×${out.width}×${out.channels} image, expected ${oh}×${ow}×${oc}`);
        }
        x.set(out.data, k * outStride);
      }
      yield { x: tf.tensor4d(x, [b, oh, ow, oc], 'float32'), y: tf.tensor1d(y, 'int32'), index: at };
    }
  }
}
