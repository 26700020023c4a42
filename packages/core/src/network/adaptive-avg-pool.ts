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
 * The window of pooling n cells to m when PyTorch's bins are then the equal, non-overlapping windows of plain average
 * pooling (n a multiple of m), else undefined.
 */
function evenWindow(n: number, m: number): number | undefined {
  return Number.isInteger(m) && m >= 1 && n % m === 0 ? n / m : undefined;
}

/**
 * The adjoint of average pooling with equal kh × kw windows: each pooled cell's value / (kh·kw) copied over its
 * window, as a nearest-neighbour resize. With half-pixel centres, output row r reads row ⌊(r + ½)/kh⌋, at least
 * ½/kh from a rounding boundary, so it is exactly r's window. tfjs-wasm's own AvgPoolGrad visits every window
 * position of every input cell (~160 ms for 28 × 28 windows on a [64, 28, 28, 32] map), and its Tile and broadcasting
 * products index every element in general-rank loops.
 */
function spreadEven(g: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = g.shape;
    return tf.image.resizeNearestNeighbor(tf.div(g, kh * kw) as tf.Tensor4D, [h * kh, w * kw], false, true);
  });
}

/** Average pooling with equal kh × kw windows, differentiated by {@link spreadEven}. */
function poolEven(x: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.avgPool(args[0] as tf.Tensor4D, [kh, kw], [kh, kw], 'valid'),
    gradFunc: (dy: tf.Tensor4D) => spreadEven(dy, kh, kw),
  }));
  return op(x) as tf.Tensor4D;
}

/**
 * PyTorch's `F.adaptive_avg_pool2d` for NHWC tensors: `[N, H, W, C]` → `[N, h, w, C]` with h ≤ H, w ≤ W.
 * A size already equal is left alone (the identity, as in PyTorch).
 *
 * Sizes that divide the map's are plain average pooling, one kernel forward and one resize backward; the general case
 * is two matrix products with transposes around them, which on the wasm backend cost several times as much (the
 * pyramids of ReviewKD's context loss spent most of its step there).
 */
export function adaptiveAvgPool2d(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`adaptiveAvgPool2d: expected an NHWC tensor, got shape ${JSON.stringify(x.shape)}`);
  const [h, w] = size;
  const kh = evenWindow(x.shape[1], h);
  const kw = evenWindow(x.shape[2], w);
  if (kh !== undefined && kw !== undefined && kh * kw > 1) return poolEven(x, kh, kw);
  return tf.tidy(() => {
    const rows = poolAxis1(x, h);
    // pool W by swapping it into axis 1 and back
    return tf.transpose(poolAxis1(tf.transpose(rows, [0, 2, 1, 3]) as tf.Tensor4D, w), [0, 2, 1, 3]) as tf.Tensor4D;
  });
}

/** The adjoint of adaptive average pooling along axis 1 of `[a, m, c, d]`: from m pooled cells back to n. */
function unpoolAxis1(g: tf.Tensor4D, n: number): tf.Tensor4D {
  const [a, m, c, d] = g.shape;
  if (m === n) return g;
  const w = tf.tensor2d(adaptivePoolMatrix(n, m), [m, n], 'float32');
  const flat = tf.reshape(tf.transpose(g, [1, 0, 2, 3]), [m, a * c * d]) as tf.Tensor2D;
  return tf.transpose(tf.reshape(tf.matMul(w, flat, true, false), [n, a, c, d]), [1, 0, 2, 3]) as tf.Tensor4D;
}

/**
 * The adjoint (transpose) of {@link adaptiveAvgPool2d} to `[N, h, w, C]` from `[N, height, width, C]`: takes a
 * gradient at the pooled cells back to the map's size, for gradients written in closed form.
 */
export function adaptiveAvgPool2dAdjoint(g: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [height, width] = size;
  const kh = evenWindow(height, g.shape[1]);
  const kw = evenWindow(width, g.shape[2]);
  if (kh !== undefined && kw !== undefined && kh * kw > 1) return spreadEven(g, kh, kw);
  return tf.tidy(() => {
    // adaptiveAvgPool2d pools H, then W: the adjoint spreads W first, then H
    const cols = tf.transpose(unpoolAxis1(tf.transpose(g, [0, 2, 1, 3]) as tf.Tensor4D, width), [0, 2, 1, 3]) as tf.Tensor4D;
    return unpoolAxis1(cols, height);
  });
}
