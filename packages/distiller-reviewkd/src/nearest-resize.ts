import * as tf from '@tensorflow/tfjs-core';

/** Row o picks input ⌊o·n/m⌋: PyTorch's F.interpolate(mode='nearest') along one axis, as an m × n 0/1 matrix. */
function nearestMatrix(n: number, m: number): tf.Tensor2D {
  const values = new Float32Array(m * n);
  for (let o = 0; o < m; o++) values[o * n + Math.min(n - 1, Math.floor((o * n) / m))] = 1;
  return tf.tensor2d(values, [m, n]);
}

/**
 * Axis 1 of `[a, b, c, d]` through the selection matrix S (`m × n`): S·x from n to m cells forward, Sᵀ·g from m back
 * to n cells for the gradient (each input cell receives the sum of the cells that copied it).
 */
function selectAxis1(x: tf.Tensor4D, n: number, m: number, adjoint: boolean): tf.Tensor4D {
  const [a, b, c, d] = x.shape;
  const flat = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [b, a * c * d]) as tf.Tensor2D;
  const out = tf.matMul(nearestMatrix(n, m), flat, adjoint, false);
  return tf.transpose(tf.reshape(out, [adjoint ? n : m, a, c, d]), [1, 0, 2, 3]) as tf.Tensor4D;
}

/** Along W, by swapping it into axis 1 and back. */
function selectAxis2(x: tf.Tensor4D, n: number, m: number, adjoint: boolean): tf.Tensor4D {
  const swapped = tf.transpose(x, [0, 2, 1, 3]) as tf.Tensor4D;
  return tf.transpose(selectAxis1(swapped, n, m, adjoint), [0, 2, 1, 3]) as tf.Tensor4D;
}

/**
 * PyTorch's F.interpolate(x, (size, size), mode='nearest') for NHWC maps, as one gradient node that keeps nothing for
 * the backward pass (its gradient needs only the sizes).
 *
 * Not tf.image.resizeNearestNeighbor: its forward agrees, but its gradient (ResizeNearestNeighborGrad) disagreed with
 * PyTorch's when enlarging in the fixture test; a selection matrix picks the same cells and its transpose sums the
 * gradient exactly. Written out as one node because, differentiated op by op, the transposes and products left four
 * copies of the (up to 32×32×256-channel) map and their gradients on the tape.
 */
export function nearestResize(x: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === size && w === size) return x;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    return {
      value: selectAxis2(selectAxis1(input, h, size, false), w, size, false),
      // The adjoint of each step in reverse order: the sums the op-by-op gradient formed, in the same order.
      gradFunc: (dy: tf.Tensor4D) => tf.tidy(() => selectAxis1(selectAxis2(dy, w, size, true), h, size, true)),
    };
  });
  return op(x) as tf.Tensor4D;
}
