import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's BatchNorm2d ε. */
export const TORCH_BN_EPSILON = 1e-5;

/**
 * Batch norm of an NHWC map as PyTorch's BatchNorm2d in train mode: the batch's mean and biased variance over N, H
 * and W, then γ and β, one per channel ([C]). For a method's helper modules that only ever run inside training
 * steps (FitNet's regressor, OFD's connector, ReviewKD's fusion), so that running averages would never be read and need
 * not be kept.
 *
 * One gradient node that keeps a single map-sized tensor (x̂) for the backward pass. Differentiated op by op, the
 * moments, the centring, the division, γ and β would each leave a copy of the map on the gradient tape (tfjs saves the
 * inputs of `Sub`, `Div`, `Mul`, `Add` and `Square` even where only their shapes are needed), and the tape's gradients
 * of each stay alive until the backward pass ends: at ReviewKD's 256 mid channels on 32×32 maps that was most of the
 * wasm heap at batch 64. The forward arithmetic is the op-by-op one; the gradient is its closed form (n = N·H·W values
 * per channel, s = √(σ² + ε)): dβ = Σ dy, dγ = Σ dy·x̂, dx = (γ / s)·(dy − dβ/n − x̂·dγ/n).
 */
export function trainModeBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon = TORCH_BN_EPSILON): tf.Tensor4D {
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const std = tf.sqrt(tf.add(variance, epsilon));
    const normalized = tf.div(tf.sub(input, mean), std);
    save([normalized, std, g]);
    return {
      value: tf.add(tf.mul(normalized, g), b) as tf.Tensor4D,
      // The backward pass of a tape runs outside any scope: each map-sized temporary is freed as soon as it is used.
      gradFunc: (dy: tf.Tensor4D, [xhat, s, gm]: tf.Tensor[]) =>
        tf.tidy(() => {
          const dBeta = tf.sum(dy, [0, 1, 2]);
          const dGamma = tf.tidy(() => tf.sum(tf.mul(dy, xhat!), [0, 1, 2]));
          const centred = tf.tidy(() => tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xhat!, tf.div(dGamma, n))));
          return [tf.mul(centred, tf.div(gm!, s!)), dGamma, dBeta];
        }),
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
