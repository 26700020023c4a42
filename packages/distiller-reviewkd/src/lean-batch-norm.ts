import * as tf from '@tensorflow/tfjs-core';
import { TORCH_BN_EPSILON } from '@kd/core';

/**
 * Training-mode batch norm of an NHWC map (PyTorch's BatchNorm2d with batch statistics: mean and biased variance over
 * N, H and W, ε 1e-5), with the same forward arithmetic as core's `trainModeBatchNorm`, but one gradient node that
 * keeps a single map-sized tensor (x̂) for the backward pass.
 *
 * Why: differentiated op by op, the moments, the centring, the division, γ and β each leave a copy of the map on
 * the gradient tape (tfjs saves the inputs of `Sub`, `Div`, `Mul`, `Add` and `Square` even where only their shapes
 * are needed), five maps per batch norm, and the tape's gradients of each of them stay alive until the backward
 * pass ends. At ReviewKD's 256 mid channels on 32×32 maps that alone was most of the wasm heap at batch 64.
 *
 * The gradient is the closed form of the same function (n = N·H·W values per channel, s = √(σ² + ε)):
 * dβ = Σ dy, dγ = Σ dy·x̂, dx = (γ / s)·(dy − dβ/n − x̂·dγ/n).
 */
export function leanBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const std = tf.sqrt(tf.add(variance, TORCH_BN_EPSILON));
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
