import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, stopGradient, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';
import { similarityMatrix } from './similarity-matrix.js';

/** The loss weights; the plugin passes them from the validated options (defaults live in the schema). */
export interface SpLossOptions {
  /** Weight of the cross-entropy with the labels. */
  readonly ceWeight: number;
  /** Weight β of the summed similarity term. */
  readonly beta: number;
}

/**
 * One stage's similarity-preserving loss: ‖G_S − G_T‖²_F / B². Student and teacher features may differ in channels
 * and spatial size (each is compared only through its B × B matrix); the batch sizes must agree.
 */
export function spStageLoss(studentFeature: tf.Tensor, teacherFeature: tf.Tensor): tf.Scalar {
  const b = studentFeature.shape[0];
  if (studentFeature.rank < 2 || teacherFeature.rank < 2 || teacherFeature.shape[0] !== b)
    throw new Error(
      `sp loss: expected [batch, …] features with one batch size, got student ${JSON.stringify(studentFeature.shape)} and teacher ${JSON.stringify(teacherFeature.shape)}`,
    );
  return tf.tidy(() => {
    const diff = tf.sub(similarityMatrix(teacherFeature), similarityMatrix(studentFeature));
    return tf.div(tf.sum(tf.square(diff)), b * b) as tf.Scalar;
  });
}

/** Any `[batch, …]` features: SP compares them only through their B × B similarity matrices. */
export type SpLossInputs = StagePairLossInputs<tf.Tensor>;

/** `sp`: Σ_stages ‖G_S − G_T‖²_F / B². */
export type SpLossResult = CeLossResult<'sp'>;

/** total = ceWeight·CE + β·Σ_stages SP. The teacher's features are constants (zero gradient). */
export function spLossTerms(inputs: SpLossInputs, options: SpLossOptions): SpLossResult {
  const { studentFeatures, teacherFeatures, studentLogits, labels } = inputs;
  if (studentFeatures.length !== teacherFeatures.length || studentFeatures.length === 0)
    throw new Error(
      `sp loss: expected as many student as teacher features (≥ 1), got ${studentFeatures.length} and ${teacherFeatures.length}`,
    );
  return tf.tidy(() => {
    const sp = tf.addN(studentFeatures.map((s, i) => spStageLoss(s, stopGradient(teacherFeatures[i]!)))) as tf.Scalar;
    const ce = crossEntropy(studentLogits, labels);
    const total = weightedSum([
      [ce, options.ceWeight],
      [sp, options.beta],
    ]);
    return { total, ce, sp };
  });
}
