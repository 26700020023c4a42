import * as tf from '@tensorflow/tfjs-core';

/**
 * Moves tensors a gradient closure handed out with `tf.keep` (its loss terms, the logits) into the current tidy scope:
 * a clone of each, the kept originals freed. `tf.variableGrads` disposes everything its closure allocated, so a method
 * that owns its update keeps what it wants to report there and releases it here, after the update — the trainer's step
 * then reads every term in its one device read, instead of the method reading each term inside the closure.
 */
export function releaseKept<T extends Record<string, tf.Tensor>>(kept: T): T {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(kept)) {
    out[k] = v.clone();
    v.dispose();
  }
  return out as T;
}
