import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '@kd/core';

/** The ε ContrastLoss adds to every denominator (RepDistiller and mdistiller). */
export const NCE_EPSILON = 1e-7;

/**
 * x[indices] with the gradient scattered back by tf.scatterND, which sums repeated indices as the gather's gradient
 * must (a negative drawn twice counts twice). tf.gather's own gradient needs UnsortedSegmentSum, which the wasm
 * backend lacks.
 */
const pick = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, indices: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const values = x as tf.Tensor1D;
  const at = indices as tf.Tensor1D;
  (save as tf.GradSaveFunc)([at]);
  return {
    value: tf.gather(values, at),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.scatterND(tf.reshape(saved[0]!, [-1, 1]), dy, [values.shape[0]]),
      tf.zerosLike(saved[0]!),
    ],
  };
}) as (x: tf.Tensor1D, indices: tf.Tensor1D) => tf.Tensor1D;

/**
 * exp(bank[J[b, j]] · v[b] / T) for every sample b and contrast index j: [B, K+1]. The whole score matrix v·bankᵀ
 * ([B, N]) is formed and then gathered, rather than gathering B·(K+1) bank rows (with K 16384 that is 2 GiB of rows
 * per side at B 64, against 13 MB of scores on CIFAR's 50 000 samples); the values are the same dot products.
 * `contrast` holds J row by row, B·(K+1) indices into the bank. The bank is a constant here (no gradient).
 */
export function contrastScores(bank: tf.Tensor2D, v: tf.Tensor2D, contrast: Int32Array, temperature: number): tf.Tensor2D {
  const [batch] = v.shape;
  const n = bank.shape[0];
  const width = contrast.length / batch;
  if (!Number.isInteger(width) || width < 2)
    throw new Error(
      `crd: expected ${batch} rows of contrast indices (the positive and at least one negative), got ${contrast.length} indices`,
    );
  const flat = new Int32Array(contrast.length);
  for (let i = 0; i < contrast.length; i++) {
    const j = contrast[i]!;
    if (j < 0 || j >= n) throw new Error(`crd: contrast index ${j} is outside the memory bank of ${n} rows`);
    flat[i] = Math.floor(i / width) * n + j;
  }
  return tf.tidy(() => {
    const all = tf.matMul(v, bank, false, true);
    const picked = pick(tf.reshape(all, [-1]) as tf.Tensor1D, tf.tensor1d(flat, 'int32'));
    return tf.exp(tf.div(tf.reshape(picked, [batch, width]), temperature)) as tf.Tensor2D;
  });
}

/**
 * Z = mean(P) · N, the partition-function estimate the reference takes from the first batch's unnormalised scores and
 * then keeps; as a constant, it passes no gradient.
 */
export function estimateNormalizer(scores: tf.Tensor2D, trainSize: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(stopGradient(scores)), trainSize) as tf.Scalar);
}

/**
 * ContrastLoss on normalised scores P ([B, K+1], column 0 the positive), with the uniform noise distribution
 * Pn = 1/N over the N training samples:
 * −(Σ_b log(P_b0 / (P_b0 + K·Pn + ε)) + Σ_b Σ_{j≥1} log(K·Pn / (P_bj + K·Pn + ε))) / B.
 */
export function nceLoss(p: tf.Tensor2D, trainSize: number): tf.Scalar {
  const [batch, width] = p.shape;
  const mPn = (width - 1) / trainSize;
  return tf.tidy(() => {
    const pos = tf.slice(p, [0, 0], [batch, 1]);
    const neg = tf.slice(p, [0, 1], [batch, width - 1]);
    const logD1 = tf.log(tf.div(pos, tf.add(pos, mPn + NCE_EPSILON)));
    const logD0 = tf.log(tf.div(mPn, tf.add(neg, mPn + NCE_EPSILON)));
    return tf.div(tf.neg(tf.add(tf.sum(logD1), tf.sum(logD0))), batch) as tf.Scalar;
  });
}

/** Row-wise L2 normalisation without an ε, as the reference's `Normalize` and its memory update. */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.sum(tf.square(x), 1, true))) as tf.Tensor2D);
}

/** The memory update of the batch's own rows: normalize(momentum·bank[i] + (1 − momentum)·v); the rest is unchanged. */
export function updatedMemory(bank: tf.Tensor2D, v: tf.Tensor2D, index: Int32Array, momentum: number): tf.Tensor2D {
  if (new Set(index).size !== index.length)
    throw new Error(`crd: the batch's sample positions must be distinct to update the memory bank, got [${Array.from(index).join(', ')}]`);
  return tf.tidy(() => {
    const idx = tf.tensor1d(index, 'int32');
    const rows = l2Normalize(tf.add(tf.mul(tf.gather(bank, idx), momentum), tf.mul(v, 1 - momentum)) as tf.Tensor2D);
    // Not tf.tensorScatterUpdate: its cpu kernel writes into the input's buffer, which a clone of the bank (kept by the
    // gradient tape) shares. scatterND builds fresh tensors; bank·keep + scattered is exact (x·1 + 0 = x, x·0 + r = r
    // for the finite rows of a normalised bank), where a boolean row mask tiled to the bank's width cost ~290 ms a
    // side per step on wasm at N = 60 000.
    const at = tf.reshape(idx, [-1, 1]);
    const [n, d] = bank.shape;
    const keep = tf.sub(1, tf.scatterND(at, tf.ones([index.length, d]), [n, d]));
    return tf.add(tf.mul(bank, keep), tf.scatterND(at, rows, [n, d])) as tf.Tensor2D;
  });
}
