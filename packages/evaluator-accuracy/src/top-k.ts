import * as tf from '@tensorflow/tfjs-core';

/**
 * Number of samples whose label is among the k highest logits. Ties count against the label (a label whose
 * logit equals others' is only counted when fewer than k logits are strictly greater), the usual convention.
 */
export function countTopK(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): number {
  return tf.tidy(() => {
    const idx = tf.cast(labels, 'int32');
    const labelLogit = tf.sum(tf.mul(logits, tf.oneHot(idx, logits.shape[1])), 1, true);
    const greater = tf.sum(tf.cast(tf.greater(logits, labelLogit), 'int32'), 1);
    return tf.sum(tf.cast(tf.less(greater, k), 'int32')).dataSync()[0]!;
  });
}
