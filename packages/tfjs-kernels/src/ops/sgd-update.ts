import * as tf from '@tensorflow/tfjs-core';
import { SGD_UPDATE, type SgdUpdateAttrs } from '../kernels/sgd-update.js';

/**
 * One SGD update (PyTorch's: coupled weight decay, momentum buffer, optional Nesterov) of a parameter as one kernel:
 * the new parameter and the new buffer (when momentum > 0). Not differentiable (an optimiser step). Needs
 * {@link hasSgdUpdate} for the active backend.
 */
export function sgdUpdate(
  variable: tf.Tensor,
  gradient: tf.Tensor,
  buffer: tf.Tensor | undefined,
  attrs: SgdUpdateAttrs,
): { variable: tf.Tensor; buffer?: tf.Tensor } {
  const inputs: tf.NamedTensorMap = buffer === undefined ? { variable, gradient } : { variable, gradient, buffer };
  const out = tf.engine().runKernel(SGD_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return out.length === 2 ? { variable: out[0]!, buffer: out[1]! } : { variable: out[0]! };
}

/** Whether the active backend runs {@link sgdUpdate} (registered with `registerTrainingKernels`). */
export function hasSgdUpdate(): boolean {
  return tf.getKernel(SGD_UPDATE, tf.getBackend()) !== undefined;
}
