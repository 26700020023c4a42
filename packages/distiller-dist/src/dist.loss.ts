import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, stopGradient } from '@kd/core';
import { pearsonRows } from './pearson.js';

/** The loss weights and form; the plugin passes them from the validated options (defaults live in the schema). */
export interface DistLossOptions {
  readonly ceWeight: number;
  readonly beta: number;
  readonly gamma: number;
  readonly temperature: number;
  readonly scaleByTemperatureSquared: boolean;
}

export interface DistLossResult {
  readonly total: tf.Scalar;
  /** Cross-entropy with the labels, unweighted. */
  readonly ce: tf.Scalar;
  /** 1 − mean over samples of Pearson(y_S[b], y_T[b]), unweighted and without τ². */
  readonly inter: tf.Scalar;
  /** 1 − mean over classes of Pearson(y_S[:, c], y_T[:, c]), unweighted and without τ². */
  readonly intra: tf.Scalar;
}

/**
 * total = ceWeight·CE + s·(β·inter + γ·intra), s = τ² (or 1), with y = softmax(z/τ) for both networks. The teacher's
 * logits are constants (zero gradient).
 */
export function distLossTerms(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: DistLossOptions,
): DistLossResult {
  if (studentLogits.rank !== 2 || teacherLogits.rank !== 2 || studentLogits.shape.join() !== teacherLogits.shape.join())
    throw new Error(
      `dist loss: student and teacher logits must have one shape [batch, classes], got ${JSON.stringify(studentLogits.shape)} and ${JSON.stringify(teacherLogits.shape)}`,
    );
  const { ceWeight, beta, gamma, temperature: t, scaleByTemperatureSquared } = options;
  return tf.tidy(() => {
    const ys = tf.softmax(tf.div(studentLogits, t)) as tf.Tensor2D;
    const yt = tf.softmax(tf.div(stopGradient(teacherLogits), t)) as tf.Tensor2D;
    const inter = tf.sub(1, tf.mean(pearsonRows(ys, yt))) as tf.Scalar;
    const intra = tf.sub(1, tf.mean(pearsonRows(tf.transpose(ys), tf.transpose(yt)))) as tf.Scalar;
    const ce = crossEntropy(studentLogits, labels);
    const s = scaleByTemperatureSquared ? t * t : 1;
    const relations = tf.mul(tf.add(tf.mul(inter, beta), tf.mul(intra, gamma)), s);
    const total = tf.add(tf.mul(ce, ceWeight), relations) as tf.Scalar;
    return { total, ce, inter, intra };
  });
}
