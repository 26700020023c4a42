import * as tf from '@tensorflow/tfjs-core';

/**
 * Σ weight·term, added left to right: how a method's total combines its unweighted, logged terms. Sequential adds
 * (not addN) keep the float32 rounding of the hand-written sums this replaced, so totals stay bit-identical.
 */
export function weightedSum(terms: readonly (readonly [tf.Scalar, number])[]): tf.Scalar {
  return tf.tidy(() => terms.map(([term, weight]) => tf.mul(term, weight)).reduce((sum, t) => tf.add(sum, t)) as tf.Scalar);
}
