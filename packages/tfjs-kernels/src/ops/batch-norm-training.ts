import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING } from '../kernels/batch-norm-training.js';

export interface BatchNormTrainingResult {
  readonly y: tf.Tensor;
  /** The batch's per-channel mean. */
  readonly mean: tf.Tensor1D;
  /** The batch's per-channel biased variance (divided by the count, as `tf.moments`). */
  readonly variance: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation over every axis but the last, as one kernel and one gradient kernel: the batch's
 * statistics, the normalised output, and their gradients (with respect to x, scale and offset, through all three
 * outputs). Needs {@link hasBatchNormTraining} for the active backend.
 */
export function batchNormTraining(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Whether the active backend runs {@link batchNormTraining} (its kernels are registered with `registerTrainingKernels`). */
export function hasBatchNormTraining(): boolean {
  return tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined && tf.getGradient(BATCH_NORM_TRAINING) !== undefined;
}
