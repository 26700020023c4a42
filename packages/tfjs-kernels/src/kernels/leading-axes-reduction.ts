import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel, type KernelRunner } from './kernel-runner.js';

/** Below this many rows the stock kernel is as fast: the product's setup would dominate. */
const MIN_ROWS = 32;

/**
 * When `axis` reduces exactly the leading axes of a float32 `x` (e.g. `[0, 1, 2]` of an NHWC activation: batch-norm
 * statistics and gradients), returns `[rows, columns]` of the `[rows, columns]` matrix the reduction sums down;
 * otherwise `undefined`.
 */
export function leadingAxesPlan(x: tf.TensorInfo, axis: number | number[]): [number, number] | undefined {
  if (x.dtype !== 'float32') return undefined;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= x.shape.length || axes.some((a, i) => a !== i)) return undefined;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const columns = tf.util.sizeFromShape(x.shape.slice(k));
  return rows >= MIN_ROWS && columns > 0 ? [rows, columns] : undefined;
}

function outShape(x: tf.TensorInfo, rowsAxes: number, keepDims: boolean): number[] {
  const rest = x.shape.slice(rowsAxes);
  return keepDims ? [...Array(rowsAxes).fill(1), ...rest] : rest;
}

/** `scale · (1ᵀ · X)`: the column sums of `X` as one matrix product on the backend's GEMM. */
function columnSums(run: KernelRunner, x: tf.TensorInfo, rows: number, columns: number, scale: number): tf.TensorInfo {
  const ones = run.run('Fill', {}, { shape: [1, 1, rows], value: scale, dtype: 'float32' });
  return run.run('BatchMatMul', { a: ones, b: run.reshape(x, [1, rows, columns]) }, { transposeA: false, transposeB: false });
}

/**
 * `Sum` (and `Mean`, with the 1/rows folded into the ones) over the leading axes, as `1ᵀ · X` on XNNPACK's GEMM.
 *
 * The stock wasm kernels reduce only the innermost axes, so for `[0, 1, 2]` of an NHWC tensor they first transpose the
 * whole tensor to channels-first: 7–20× slower than the product (measured on [64, 32, 32, C], C = 16…256). Batch norm
 * reduces exactly these axes about six times per layer per training step. Any other reduction goes to the kernel
 * this one replaced.
 */
function leadingAxesReduction(kernelName: 'Sum' | 'Mean', backendName: string, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  if (previous === undefined) throw new Error(`@kd/tfjs-kernels: backend '${backendName}' has no ${kernelName} kernel to extend`);
  const fast = compositeKernel(backendName, (run, inputs, attrs) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const [rows, columns] = leadingAxesPlan(x, axis)!;
    const k = tf.util.parseAxisParam(axis, x.shape).length;
    const sums = columnSums(run, x, rows, columns, kernelName === 'Mean' ? 1 / rows : 1);
    return run.reshape(sums, outShape(x, k, keepDims));
  });
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis } = args.attrs as unknown as { axis: number | number[] };
      return leadingAxesPlan(x, axis) === undefined ? previous.kernelFunc(args) : fast(args);
    },
    ...(previous.setupFunc ? { setupFunc: previous.setupFunc } : {}),
    ...(previous.disposeFunc ? { disposeFunc: previous.disposeFunc } : {}),
  };
}

export const sumKernel = (backendName: string, previous: tf.KernelConfig | undefined) =>
  leadingAxesReduction('Sum', backendName, previous);
export const meanKernel = (backendName: string, previous: tf.KernelConfig | undefined) =>
  leadingAxesReduction('Mean', backendName, previous);
