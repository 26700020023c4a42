import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, crossEntropy, stopGradient, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';
import type { VidModule } from './vid.module.js';

/**
 * One pair's VID term, the Gaussian negative log-likelihood of the teacher feature under N(μ, σ²) without the
 * constant ½·log 2π: mean over batch, positions and channels of ½((μ − t)²/σ² + log σ²). `variance` is per channel.
 */
export function vidNll(mean: tf.Tensor4D, target: tf.Tensor4D, variance: tf.Tensor1D): tf.Scalar {
  if (mean.rank !== 4 || target.rank !== 4 || mean.shape.some((d, i) => d !== target.shape[i]))
    throw new Error(
      `vid loss: μ and the teacher feature must have one NHWC shape, got ${JSON.stringify(mean.shape)} and ${JSON.stringify(target.shape)}`,
    );
  return tf.tidy(() => {
    const sq = tf.div(tf.square(tf.sub(mean, target)), variance);
    return tf.mean(tf.mul(tf.add(sq, tf.log(variance)), 0.5)) as tf.Scalar;
  });
}

/**
 * The VID term of stage pair `i`: when the maps differ in size, the larger is adaptive-average-pooled to the
 * smaller first (the student before its regressor, as the reference; mdistiller compares heights only and pools to
 * a square, the same for square maps), then {@link vidNll} of μ(F_S) against F_T.
 */
export function vidStageLoss(module: VidModule, i: number, studentFeature: tf.Tensor4D, teacherFeature: tf.Tensor4D): tf.Scalar {
  const [bs, hs, ws] = studentFeature.shape;
  const [bt, ht, wt] = teacherFeature.shape;
  if (studentFeature.rank !== 4 || teacherFeature.rank !== 4 || bs !== bt)
    throw new Error(
      `vid loss: expected NHWC features with one batch size, got student ${JSON.stringify(studentFeature.shape)} and teacher ${JSON.stringify(teacherFeature.shape)}`,
    );
  return tf.tidy(() => {
    const size = [Math.min(hs, ht), Math.min(ws, wt)] as const;
    const s = hs === size[0] && ws === size[1] ? studentFeature : adaptiveAvgPool2d(studentFeature, size);
    const t = ht === size[0] && wt === size[1] ? teacherFeature : adaptiveAvgPool2d(teacherFeature, size);
    return vidNll(module.predictMean(i, s), stopGradient(t), module.variance(i));
  });
}

export type VidLossInputs = StagePairLossInputs;

/** `vid`: Σ over the stage pairs of the VID term. */
export type VidLossResult = CeLossResult<'vid'>;

/** total = ceWeight·CE + vidWeight·Σ_pairs VID. The teacher's features are constants (zero gradient). */
export function vidLossTerms(
  module: VidModule,
  inputs: VidLossInputs,
  weights: { readonly ceWeight: number; readonly vidWeight: number },
): VidLossResult {
  const n = module.pairs.length;
  if (inputs.studentFeatures.length !== n || inputs.teacherFeatures.length !== n)
    throw new Error(
      `vid loss: the module has ${n} stage pairs; got ${inputs.studentFeatures.length} student and ${inputs.teacherFeatures.length} teacher features`,
    );
  return tf.tidy(() => {
    const vid = tf.addN(inputs.studentFeatures.map((s, i) => vidStageLoss(module, i, s, inputs.teacherFeatures[i]!))) as tf.Scalar;
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const total = weightedSum([
      [ce, weights.ceWeight],
      [vid, weights.vidWeight],
    ]);
    return { total, ce, vid };
  });
}
