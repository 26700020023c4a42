import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, crossEntropy, stopGradient, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';

/**
 * OFD's partial L2 distance of one stage, summed over channels and positions and averaged over the batch:
 * with T = max(F_T, m) (the margin per channel), Σ (S − T)² over the elements where S > T or T > 0. Below the
 * margin the teacher says only "negative", so a student that is at least as negative is not penalised.
 */
export function partialL2(source: tf.Tensor4D, target: tf.Tensor4D, margin: tf.Tensor1D): tf.Scalar {
  if (source.rank !== 4 || target.rank !== 4 || source.shape.some((d, i) => d !== target.shape[i]))
    throw new Error(
      `ofd loss: the connected student feature and the teacher feature must have one NHWC shape, got ${JSON.stringify(source.shape)} and ${JSON.stringify(target.shape)}`,
    );
  return tf.tidy(() => {
    const t = tf.maximum(stopGradient(target), margin);
    // [S > T or T > 0] as max(step(S − T), step(T)): step has a (zero) gradient, a boolean mask would have none
    const mask = tf.maximum(tf.step(tf.sub(source, t)), tf.step(t));
    return tf.div(tf.sum(tf.mul(tf.square(tf.sub(source, t)), mask)), source.shape[0]) as tf.Scalar;
  });
}

/**
 * One stage: the teacher's pre-activation is adaptive-average-pooled to the connected student map's size (the
 * reference pools the teacher only, and always), then {@link partialL2}. A teacher map smaller than the student's
 * (which PyTorch's pooling would upsample) is refused at setup.
 */
export function ofdStageLoss(connected: tf.Tensor4D, teacherFeature: tf.Tensor4D, margin: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = connected.shape;
    const t = teacherFeature.shape[1] === h && teacherFeature.shape[2] === w ? teacherFeature : adaptiveAvgPool2d(teacherFeature, [h, w]);
    return partialL2(connected, t, margin);
  });
}

export interface OfdLossInputs extends Omit<StagePairLossInputs, 'studentFeatures'> {
  /** The student's pre-activations after the connectors, one per stage pair. */
  readonly connected: readonly tf.Tensor4D[];
  readonly margins: readonly tf.Tensor1D[];
}

/** `ofd`: Σ_i 2^−(n−1−i)·stage_i. */
export type OfdLossResult = CeLossResult<'ofd'>;

/** total = ceWeight·CE + ofdWeight·Σ_i 2^−(n−1−i)·partial L2 of stage i. */
export function ofdLossTerms(inputs: OfdLossInputs, weights: { readonly ceWeight: number; readonly ofdWeight: number }): OfdLossResult {
  const n = inputs.connected.length;
  if (n === 0 || inputs.teacherFeatures.length !== n || inputs.margins.length !== n)
    throw new Error(
      `ofd loss: expected as many (≥ 1) connected student features, teacher features and margins, got ${n}, ${inputs.teacherFeatures.length} and ${inputs.margins.length}`,
    );
  return tf.tidy(() => {
    const ofd = tf.addN(
      inputs.connected.map((s, i) => tf.div(ofdStageLoss(s, inputs.teacherFeatures[i]!, inputs.margins[i]!), 2 ** (n - 1 - i))),
    ) as tf.Scalar;
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const total = weightedSum([
      [ce, weights.ceWeight],
      [ofd, weights.ofdWeight],
    ]);
    return { total, ce, ofd };
  });
}
