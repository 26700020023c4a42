import * as tf from '@tensorflow/tfjs-core';
import { labelRank } from './logit-rows.js';

/**
 * Number of samples whose label is among the k classes a stable descending sort of the logits puts first (ties by
 * lower index; see `logit-rows.ts`). A row with a non-finite logit never counts.
 */
export function countTopK(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): number {
  const [n, width] = logits.shape;
  const values = logits.dataSync();
  const ys = labels.dataSync();
  let hits = 0;
  for (let i = 0; i < n; i++) if (labelRank(values, i, width, ys[i]!) < k) hits++;
  return hits;
}
