import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../contracts/network.js';

/** Width of a network's pooled embedding, from one inference pass on a zero image (modules sized at setup need it). */
export function embeddingWidth(network: Network): number {
  return tf.tidy(() => network.apply(tf.zeros([1, ...network.inputShape]) as tf.Tensor4D, { training: false }).embedding.shape[1]);
}
