import * as tf from '@tensorflow/tfjs-core';

/**
 * ABF's attention fusion of a level's map `a` with the resized residual `r` (both `[B, H, W, M]`):
 *
 *   w = sigmoid(conv1×1([a, r], weight) + bias)          two maps, weight `[1, 1, 2M, 2]`
 *   out = a · w[0] + r · w[1]
 *
 * as one gradient node that keeps `a`, `r` and the small `w` for the backward pass. Differentiated op by op, the
 * concatenation (twice the map) and both products stayed on the tape, with a gradient for each until the backward
 * pass ended: four more map-sized tensors per level.
 *
 * The gradient, with P = B·H·W positions and z the pre-sigmoid logits:
 * da = dy·w[0] + (dz ⋅ weightᵀ)[:M], dr = dy·w[1] + (dz ⋅ weightᵀ)[M:],
 * dz = [Σ_c dy·a, Σ_c dy·r] · w·(1 − w), dweight[c, k] = Σ_P [a, r][c] · dz[k], dbias = Σ_P dz.
 */
export function attentionFuse(a: tf.Tensor4D, r: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const [batch, height, width, mid] = a.shape;
  const positions = batch * height * width;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, res, k, b] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const w = tf.sigmoid(tf.add(tf.conv2d(tf.concat([x, res], 3), k, 1, 'valid'), b));
    const [wa, wr] = tf.split(w, 2, 3);
    save([x, res, w, k]);
    return {
      value: tf.add(tf.mul(x, wa!), tf.mul(res, wr!)) as tf.Tensor4D,
      // Each term in its own scope: the backward pass of a tape runs outside any, so temporaries would otherwise live
      // until it ends, and every map-sized one counts against the heap at its peak.
      gradFunc: (dy: tf.Tensor4D, [xs, rs, ws, ks]: tf.Tensor[]) =>
        tf.tidy(() => {
          const dz = tf.tidy(() =>
            tf.mul(
              tf.concat([tf.tidy(() => tf.sum(tf.mul(dy, xs!), 3, true)), tf.tidy(() => tf.sum(tf.mul(dy, rs!), 3, true))], 3),
              tf.mul(ws!, tf.sub(1, ws!)),
            ),
          );
          const dzFlat = tf.reshape(dz, [positions, 2]) as tf.Tensor2D;
          const kernel = tf.reshape(ks!, [2 * mid, 2]) as tf.Tensor2D;
          // The 1×1 convolution is a [P, 2M] × [2M, 2] product: one half of the kernel per input.
          const half = (x: tf.Tensor, gate: number, offset: number) =>
            tf.tidy(() => {
              const fromGate = tf.mul(dy, tf.slice(ws!, [0, 0, 0, gate], [-1, -1, -1, 1]));
              const fromConv = tf.matMul(dzFlat, tf.slice(kernel, [offset, 0], [mid, 2]), false, true);
              const dx = tf.add(fromGate, tf.reshape(fromConv, [batch, height, width, mid]));
              const dk = tf.matMul(tf.reshape(x, [positions, mid]) as tf.Tensor2D, dzFlat, true, false);
              return [dx, dk];
            });
          const [da, dka] = half(xs!, 0, 0);
          const [dr, dkr] = half(rs!, 1, mid);
          const dWeight = tf.reshape(tf.concat([dka!, dkr!], 0), [1, 1, 2 * mid, 2]);
          const dBias = tf.sum(dz, [0, 1, 2]);
          return [da!, dr!, dWeight, dBias];
        }),
    };
  });
  return op(a, r, weight, bias) as tf.Tensor4D;
}
