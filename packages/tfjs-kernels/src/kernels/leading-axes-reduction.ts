import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel, type KernelRunner } from './kernel-runner.js';

/** Below this many rows the stock kernel is as fast. */
const MIN_ROWS = 32;

/**
 * XNNPACK's average pooling in tfjs-backend-wasm 4.22 writes out of bounds of the wasm heap from about 16,380
 * channels on when it runs single-threaded (as kd runs it beside the oneDNN addon): a [64, 64, 256] tensor summed over
 * its first axis (the gradient of RKD's pairwise differences on resnet8x4 embeddings) corrupted memory that a later
 * dispose tripped over. Wider reductions take the stock kernel; half the measured limit leaves a margin.
 */
export const MAX_POOLED_COLUMNS = 8192;

/** How many leading axes `axis` reduces when this kernel takes the reduction (see {@link leadingAxesPlan}). */
function leadingAxesCount(x: tf.TensorInfo, axis: number | number[]): number | undefined {
  if (x.dtype !== 'float32') return undefined;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= x.shape.length || axes.some((a, i) => a !== i)) return undefined;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const columns = tf.util.sizeFromShape(x.shape.slice(k));
  return rows >= MIN_ROWS && columns > 0 && columns <= MAX_POOLED_COLUMNS ? k : undefined;
}

/**
 * When `axis` reduces exactly the leading axes of a float32 `x` (e.g. `[0, 1, 2]` of an NHWC activation: batch-norm
 * statistics and gradients), returns `[rows, columns]` of the `[rows, columns]` matrix the reduction sums down;
 * otherwise `undefined`.
 */
export function leadingAxesPlan(x: tf.TensorInfo, axis: number | number[]): [number, number] | undefined {
  const k = leadingAxesCount(x, axis);
  if (k === undefined) return undefined;
  return [tf.util.sizeFromShape(x.shape.slice(0, k)), tf.util.sizeFromShape(x.shape.slice(k))];
}

function outShape(x: tf.TensorInfo, rowsAxes: number, keepDims: boolean): number[] {
  const rest = x.shape.slice(rowsAxes);
  return keepDims ? [...Array(rowsAxes).fill(1), ...rest] : rest;
}

/**
 * Column sums (or means) of `X` seen as `[rows, columns]`, from XNNPACK's average pooling, which reduces NHWC's spatial
 * axes in place: `X` is viewed as `[groups, rows/groups, 1, columns]` (groups: the first leading axis, so each pooling
 * window is one sample's `H·W` positions), pooled down to `[groups, 1, 1, columns]`, and the groups summed. Shorter
 * windows also keep the float32 sums short.
 */
function columnReduce(run: KernelRunner, x: tf.TensorInfo, leading: number[], columns: number, mean: boolean): tf.TensorInfo {
  const rows = tf.util.sizeFromShape(leading);
  const inner = tf.util.sizeFromShape(leading.slice(1));
  const [groups, window] = leading.length > 1 && inner >= 16 ? [leading[0]!, inner] : [1, rows];
  const pooled = run.run(
    'AvgPool',
    { x: run.reshape(x, [groups, window, 1, columns]) },
    { filterSize: [window, 1], strides: [window, 1], pad: 'valid', dimRoundingMode: undefined },
  );
  let means = run.reshape(pooled, [groups, columns]);
  if (groups > 1) means = run.run('Mean', { x: means }, { axis: [0], keepDims: false });
  if (mean) return means;
  const rowsScalar = run.run('Fill', {}, { shape: [], value: rows, dtype: 'float32' });
  return run.run('Multiply', { a: means, b: rowsScalar }, {});
}

/**
 * `Sum` and `Mean` over the leading axes (`[0, 1, 2]` of an NHWC activation: batch-norm statistics and gradients) by
 * average pooling. The stock wasm kernels reduce only innermost axes, so they first transpose the whole tensor to
 * channels-first: 10–20× slower (measured on fresh [64, 32, 32, C] tensors, C = 16…256; a GEMM with a row of ones is
 * slower still, as XNNPACK packs the tensor as weights on every call). Batch norm reduces these axes about six times
 * per layer per training step. Any other reduction goes to the kernel this one replaced.
 */
function leadingAxesReduction(kernelName: 'Sum' | 'Mean', backendName: string, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  if (previous === undefined) throw new Error(`@kd/tfjs-kernels: backend '${backendName}' has no ${kernelName} kernel to extend`);
  const mean = kernelName === 'Mean';
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const k = leadingAxesCount(x, axis);
      if (k === undefined) return previous.kernelFunc(args);
      return compositeKernel(backendName, (run) => {
        const leading = x.shape.slice(0, k);
        const reduced = columnReduce(run, x, leading, tf.util.sizeFromShape(x.shape.slice(k)), mean);
        return run.reshape(reduced, outShape(x, k, keepDims));
      })(args);
    },
    ...(previous.setupFunc ? { setupFunc: previous.setupFunc } : {}),
    ...(previous.disposeFunc ? { disposeFunc: previous.disposeFunc } : {}),
  };
}

export const sumKernel = (backendName: string, previous: tf.KernelConfig | undefined) => leadingAxesReduction('Sum', backendName, previous);
export const meanKernel = (backendName: string, previous: tf.KernelConfig | undefined) =>
  leadingAxesReduction('Mean', backendName, previous);
