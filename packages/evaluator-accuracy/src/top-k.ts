import * as tf from '@tensorflow/tfjs-core';

/**
 * Number of samples whose label is among the k highest logits: a sample counts when fewer than k logits are strictly
 * greater than its label's, so a label tied with others counts as a hit (an arg-max would pick one of them arbitrarily).
 */
export function countTopK(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): number {
  return tf.tidy(() => {
    const idx = tf.cast(labels, 'int32');
    const labelLogit = tf.sum(tf.mul(logits, tf.oneHot(idx, logits.shape[1])), 1, true);
    const greater = tf.sum(tf.cast(tf.greater(logits, labelLogit), 'int32'), 1);
    return tf.sum(tf.cast(tf.less(greater, k), 'int32')).dataSync()[0]!;
  });
}
