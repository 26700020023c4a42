import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a feature-matching loss reads in one step: the student's and the teacher's features of the paired stages
 * (the i-th of each form a pair, so the lists have one length) and the student's logits with the labels for the
 * cross-entropy term. `F` is the feature type: NHWC maps for most methods, any `[batch, …]` tensor for some.
 */
export interface StagePairLossInputs<F extends tf.Tensor = tf.Tensor4D> {
  readonly studentFeatures: readonly F[];
  readonly teacherFeatures: readonly F[];
  readonly studentLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

/**
 * The terms of a loss `total = ceWeight·CE + Σ weight·term`: the differentiated total, and the cross-entropy with the
 * labels and each named method term unweighted, as they are logged.
 */
export type CeLossResult<Term extends string> = { readonly total: tf.Scalar; readonly ce: tf.Scalar } & { readonly [K in Term]: tf.Scalar };
