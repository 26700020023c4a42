import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';

/** One mini-batch. The consumer owns (and must dispose) both tensors. */
export interface Batch {
  /** Images, NHWC float32, already normalised. */
  readonly x: tf.Tensor4D;
  /** Integer class labels, int32, shape [batch]. */
  readonly y: tf.Tensor1D;
  /**
   * Each sample's position in its split (0 ≤ i < split.size), for methods that keep state per training sample
   * (CRD's memory bank). Plain numbers, not a tensor: nothing to dispose, and the positions never enter a graph.
   */
  readonly index?: Int32Array;
}

export type SplitName = 'train' | 'val' | 'test';

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle order and augmentation draw from this generator; `undefined` means ordered and no augmentation. */
  readonly rng?: Rng;
  /** Drop the last incomplete batch (training) or keep it (evaluation). */
  readonly dropLast?: boolean;
}

export interface DatasetSplit {
  readonly size: number;
  /**
   * The class of each position of the split (`labels[i]` for `Batch.index` i), for methods that sample by class
   * (CRD draws its negatives from the other classes). Optional: a split that cannot say leaves it out.
   */
  readonly labels?: Int32Array;
  /** Yields batches; each batch's tensors belong to the caller. */
  batches(options: BatchOptions): AsyncIterable<Batch>;
}

export interface DatasetInfo {
  readonly numClasses: number;
  /** [height, width, channels] of one input image. */
  readonly inputShape: readonly [number, number, number];
  readonly classNames?: readonly string[];
  /**
   * What the test split does to a decoded image (pixel/255, [h, w, c]) to make the model's input, in order: the
   * @kd/transforms specs of the evaluation pipeline with every normalize entry's mean and std filled in (e.g.
   * `[{ type: 'normalize', mean: [0.286], std: [0.353] }]`). `kd export` writes it beside the model so that a deployed
   * classifier can be fed what it was trained on. Optional: a dataset that cannot say leaves it out.
   */
  readonly evalTransforms?: readonly EvalTransformSpec[];
  /** Human-readable provenance: which files were read. */
  readonly source: string;
}

/** One entry of a dataset's evaluation transform list (structurally @kd/transforms' TransformSpec). */
export interface EvalTransformSpec {
  readonly type: string;
  readonly [option: string]: unknown;
}

export interface Dataset {
  readonly info: DatasetInfo;
  /** The splits this dataset has; `test` is used for evaluation. */
  split(name: SplitName): DatasetSplit | undefined;
  dispose?(): void;
}
