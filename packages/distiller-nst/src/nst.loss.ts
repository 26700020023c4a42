import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, crossEntropy, stopGradient, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';
import type { NstOptions } from './nst.options.js';

/** The kernel's parameters: k(a, b) = (⟨a, b⟩ + c)^degree. */
export type NstKernel = Pick<NstOptions, 'degree' | 'c'>;
/** The options the loss reads (all of them required: the schema supplies the defaults). */
export type NstLossOptions = NstKernel & Pick<NstOptions, 'beta' | 'ceWeight'>;

/** PyTorch's F.normalize clamps the norm at this value. */
const NORMALIZE_EPS = 1e-12;

/**
 * Each channel of an NHWC feature as a unit vector over the H·W positions: [B, H·W, C]. NST treats a channel's
 * spatial response as a sample of its selectivity, so the positions are the coordinates and channels the points.
 */
export function channelDistributions(feature: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, w, c] = feature.shape;
    const f = tf.reshape(feature, [b, h * w, c]);
    // Clamping the squared norm gives max(‖x‖, eps) with a finite gradient for an all-zero (dead) channel.
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(f), 1, true), NORMALIZE_EPS * NORMALIZE_EPS));
    return tf.div(f, norm) as tf.Tensor3D;
  });
}

/** Mean over the batch and both channel axes of k(a_i, b_j), a [B, N, Ca] and b [B, N, Cb] (columns the points). */
function meanKernel(a: tf.Tensor3D, b: tf.Tensor3D, kernel: NstKernel): tf.Scalar {
  return tf.tidy(() => {
    let k: tf.Tensor = tf.matMul(a, b, true, false);
    if (kernel.c !== 0) k = tf.add(k, kernel.c);
    k = kernel.degree === 2 ? tf.square(k) : kernel.degree === 1 ? k : tf.pow(k, tf.scalar(kernel.degree, 'int32'));
    return tf.mean(k);
  });
}

/**
 * One stage's squared MMD between the student's and the teacher's channel distributions. When the spatial sizes
 * differ, both maps are adaptive-average-pooled to (min H, min W) first (the reference pools the larger one the same
 * way). Channel counts may differ.
 */
export function nstStageLoss(studentFeature: tf.Tensor4D, teacherFeature: tf.Tensor4D, kernel: NstKernel): tf.Scalar {
  const [bs, hs, ws] = studentFeature.shape;
  const [bt, ht, wt] = teacherFeature.shape;
  if (studentFeature.rank !== 4 || teacherFeature.rank !== 4 || bs !== bt) {
    throw new Error(
      `nst loss: expected NHWC features with one batch size, got student ${JSON.stringify(studentFeature.shape)} and teacher ${JSON.stringify(teacherFeature.shape)}`,
    );
  }
  return tf.tidy(() => {
    const size = [Math.min(hs, ht), Math.min(ws, wt)] as const;
    const s = channelDistributions(adaptiveAvgPool2d(studentFeature, size));
    const t = channelDistributions(adaptiveAvgPool2d(teacherFeature, size));
    // The teacher-only term has no gradient but is part of the reported value, as in the reference.
    return tf.sub(tf.add(meanKernel(t, t, kernel), meanKernel(s, s, kernel)), tf.mul(meanKernel(s, t, kernel), 2)) as tf.Scalar;
  });
}

export type NstLossInputs = StagePairLossInputs;

/** `nst`: Σ_stages MMD². */
export type NstLossResult = CeLossResult<'nst'>;

/** total = ceWeight·CE + β·Σ_stages MMD²; the teacher's features are constants. */
export function nstLossTerms(inputs: NstLossInputs, options: NstLossOptions): NstLossResult {
  const { studentFeatures, teacherFeatures } = inputs;
  if (studentFeatures.length !== teacherFeatures.length || studentFeatures.length === 0) {
    throw new Error(
      `nst loss: expected as many student as teacher features (≥ 1), got ${studentFeatures.length} and ${teacherFeatures.length}`,
    );
  }
  return tf.tidy(() => {
    const nst = tf.addN(studentFeatures.map((s, i) => nstStageLoss(s, stopGradient(teacherFeatures[i]!), options))) as tf.Scalar;
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const total = weightedSum([
      [ce, options.ceWeight],
      [nst, options.beta],
    ]);
    return { total, ce, nst };
  });
}
