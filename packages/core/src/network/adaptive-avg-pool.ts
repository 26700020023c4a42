import * as tf from '@tensorflow/tfjs-core';

/**
 * Averaging weights of PyTorch's `adaptive_avg_pool` along one axis: output cell o averages the inputs
 * [floor(o·n/m), ceil((o+1)·n/m)), so bins overlap when n is not a multiple of m (7 → 4 averages 2 or 3 inputs).
 * Row o holds the weights of output o: an `m × n` matrix.
 */
export function adaptivePoolMatrix(n: number, m: number): number[][] {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1 || m > n) {
    throw new RangeError(`adaptive average pooling: cannot pool ${n} cells to ${m} (expected integers 1 ≤ m ≤ n)`);
  }
  return Array.from({ length: m }, (_, o) => {
    const start = Math.floor((o * n) / m);
    const end = Math.ceil(((o + 1) * n) / m);
    return Array.from({ length: n }, (_, i) => (i >= start && i < end ? 1 / (end - start) : 0));
  });
}

/** Pools axis 1 of `[a, b, c, d]` from b to m cells with one matrix product (differentiable, any b ≥ m). */
function poolAxis1(x: tf.Tensor4D, m: number): tf.Tensor4D {
  const [a, b, c, d] = x.shape;
  if (b === m) return x;
  const w = tf.tensor2d(adaptivePoolMatrix(b, m), [m, b], 'float32');
  const flat = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [b, a * c * d]) as tf.Tensor2D;
  return tf.transpose(tf.reshape(tf.matMul(w, flat), [m, a, c, d]), [1, 0, 2, 3]) as tf.Tensor4D;
}

/**
 * PyTorch's `F.adaptive_avg_pool2d` for NHWC tensors: `[N, H, W, C]` → `[N, h, w, C]` with h ≤ H, w ≤ W.
 * A size already equal is left alone (the identity, as in PyTorch).
 */
export function adaptiveAvgPool2d(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`adaptiveAvgPool2d: expected an NHWC tensor, got shape ${JSON.stringify(x.shape)}`);
  const [h, w] = size;
  return tf.tidy(() => {
    const rows = poolAxis1(x, h);
    // pool W by swapping it into axis 1 and back
    return tf.transpose(poolAxis1(tf.transpose(rows, [0, 2, 1, 3]) as tf.Tensor4D, w), [0, 2, 1, 3]) as tf.Tensor4D;
  });
}
