import * as tf from '@tensorflow/tfjs-core';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';

/** Geometries oneDNN refused once, by operation and geometry: not tried again. */
export type Refusals = Set<string>;

/** Hands the call to the kernel this package replaced. */
export function fallback(previous: tf.KernelConfig | undefined, name: string, args: Parameters<tf.KernelFunc>[0]) {
  if (previous === undefined)
    throw new Error(`@kd/tfjs-onednn: oneDNN cannot run this ${name} and the wasm backend has no ${name} kernel to fall back on`);
  return previous.kernelFunc(args);
}

/** tfjs's geometry of a 2-D convolution from a kernel's attributes. */
export function conv2dInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: { strides: number | [number, number]; pad: unknown; dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
  dilations: number | [number, number] | null | undefined,
  depthwise = false,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations ?? 1, // some callers pass null
    attrs.pad as 'same',
    attrs.dimRoundingMode,
    depthwise,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC'),
  );
}

/**
 * Runs `call` (heap, output offset) into a fresh `outShape` output when there is a `key` (a geometry the addon can
 * describe) that was not refused before. oneDNN refuses a geometry by throwing when it builds the primitive: the
 * output is freed, the key remembered and, as in every other case, the call handed to the replaced kernel.
 */
export function nativeOrFallback(
  op: {
    name: string;
    key: string | undefined;
    refused: Refusals;
    previous: tf.KernelConfig | undefined;
    args: Parameters<tf.KernelFunc>[0];
  },
  outShape: number[],
  call: (heap: Uint8Array, out: number, at: (t: tf.TensorInfo) => number) => void,
): tf.TensorInfo | tf.TensorInfo[] {
  const backend = op.args.backend as WasmBackendLike;
  if (op.key !== undefined && !op.refused.has(op.key)) {
    const out = backend.makeOutput(outShape, 'float32');
    try {
      // The heap is read after the allocation, which can grow the wasm memory.
      call(heapOf(backend), offsetOf(backend, out), (t) => offsetOf(backend, t));
      return out;
    } catch {
      backend.disposeData(out.dataId, true);
      op.refused.add(op.key);
    }
  }
  return fallback(op.previous, op.name, op.args);
}
