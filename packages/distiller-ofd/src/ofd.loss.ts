import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, crossEntropy, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';

/**
 * OFD's partial L2 distance of one stage, summed over channels and positions and averaged over the batch:
 * with T = max(F_T, m) (the margin per channel), Σ (S − T)² over the elements where S > T or T > 0. Below the
 * margin the teacher says only "negative", so a student that is at least as negative is not penalised.
 *
 * One gradient node with the closed-form gradient 2·(S − T)·mask / N, and only S as its input: the teacher's side
 * takes no gradient, and the mask's (a step function's) is zero. Differentiated op by op, tfjs would push the
 * gradient through the mask's comparisons and the broadcasts of the sum and the division anyway, about a dozen
 * passes over a map as large as the teacher's for nothing.
 */
export function partialL2(source: tf.Tensor4D, target: tf.Tensor4D, margin: tf.Tensor1D): tf.Scalar {
  if (source.rank !== 4 || target.rank !== 4 || source.shape.some((d, i) => d !== target.shape[i]))
    throw new Error(
      `ofd loss: the connected student feature and the teacher feature must have one NHWC shape, got ${JSON.stringify(source.shape)} and ${JSON.stringify(target.shape)}`,
    );
  const n = source.shape[0];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    // max(F_T, m) as F_T + relu(m − F_T), and the mask [S > T or T > 0] as a + b − a·b of the two steps: on the wasm
    // backend these passes run in the oneDNN addon, while tfjs-wasm's Maximum (scalar, with NaN checks) took longer
    // on a [64, 28, 28, 32] map than the rest of the loss together. Equal to the maximum where m ≤ F_T, within
    // rounding of m elsewhere.
    const t = tf.add(target, tf.relu(tf.sub(margin, target)));
    const diff = tf.sub(s, t);
    const above = tf.step(diff);
    const positive = tf.step(t);
    // multiplying by 0 or 1 is exact, so Σ (diff·mask)·diff is Σ diff²·mask bit for bit
    const masked = tf.mul(diff, tf.sub(tf.add(above, positive), tf.mul(above, positive)));
    save([masked]);
    return {
      value: tf.div(tf.sum(tf.mul(masked, diff)), n) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [m]: tf.Tensor[]) => tf.tidy(() => tf.mul(m!, tf.mul(dy, 2 / n))),
    };
  });
  return op(source) as tf.Scalar;
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
