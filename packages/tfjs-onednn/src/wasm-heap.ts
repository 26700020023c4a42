import * as tf from '@tensorflow/tfjs-core';

/** What of tfjs-backend-wasm's BackendWasm the kernels use (not exported as a type by the package). */
export interface WasmBackendLike extends tf.KernelBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('@kd/tfjs-onednn: tensor data is not on the wasm backend');
  return data.memoryOffset;
}

/** {@link offsetOf}, or -1 (the addon's "absent") for an optional input that is not there. */
export const optionalOffsetOf = (backend: WasmBackendLike, t: tf.TensorInfo | undefined): number =>
  t === undefined ? -1 : offsetOf(backend, t);

/**
 * The heap as the addon sees it. Read after every allocation of the call: an allocation can grow the wasm memory,
 * and the view tfjs keeps is replaced then.
 */
export const heapOf = (backend: WasmBackendLike): Uint8Array => backend.wasm.HEAPU8;

/**
 * The 16 numbers the addon takes for a convolution: N, H, W, Ci, kh, kw, Co, Ho, Wo, strides, dilations, the top and
 * left padding (the addon derives bottom and right from the output size), and the groups (Ci for a depthwise
 * convolution, whose Co is Ci × multiplier). Only NHWC with non-negative padding is described; anything else is
 * `undefined` and stays with the kernel this package replaced.
 */
export function geometryOf(info: tf.backend_util.Conv2DInfo, depthwise = false): Int32Array | undefined {
  if (info.dataFormat !== 'channelsLast') return undefined;
  const { top, left, bottom, right } = info.padInfo;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return undefined;
  const g = [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
    depthwise ? info.inChannels : 1,
  ];
  if (g.slice(0, 9).some((d) => d <= 0)) return undefined;
  return Int32Array.from(g);
}
