import * as tf from '@tensorflow/tfjs-core';
import { fallbackKernel } from './fallback-kernel.js';

interface WasmHeapBackend extends tf.KernelBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * wasm `Slice` of a float32 tensor as block copies: below the innermost axis that is cut, each slice row is one
 * contiguous run, moved with `copyWithin` inside the heap. wasm's own kernel walks every element with 4-D index
 * arithmetic — ≈ 20 ms for the gradient of the zero padding before a resnet's stride-2 convolutions ([64, 33, 33, 16]
 * → [64, 32, 32, 16]); the copies take well under a millisecond. Contiguous slices (already a single copy in wasm) and
 * other dtypes go to the stock kernel.
 */
export function sliceKernel(backendName: string, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return fallbackKernel('Slice', backendName, previous, (args, stock) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const shape = x.shape;
    if (x.dtype !== 'float32' || shape.length < 2 || s.some((d) => d === 0) || tf.slice_util.isSliceContinous(shape, b, s))
      return stock(args);
    const backend = args.backend as WasmHeapBackend;
    const out = backend.makeOutput([...s], 'float32');
    // The innermost cut axis k: axes after it are whole, so each run is s[k] · (product of the axes after k).
    let k = shape.length - 1;
    while (k > 0 && s[k] === shape[k]) k--;
    const strides = tf.util.computeStrides(shape);
    const inner = k + 1 < shape.length ? strides[k]! : 1;
    const run = s[k]! * inner;
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const src0 = backend.dataIdMap.get(x.dataId)!.memoryOffset / 4;
    let dst = backend.dataIdMap.get(out.dataId)!.memoryOffset / 4;
    const index = new Array<number>(k).fill(0);
    const runs = s.slice(0, k).reduce((a, d) => a * d, 1);
    for (let r = 0; r < runs; r++) {
      let src = src0 + b[k]! * inner;
      for (let i = 0; i < k; i++) src += (b[i]! + index[i]!) * strides[i]!;
      heap.copyWithin(dst, src, src + run);
      dst += run;
      for (let i = k - 1; i >= 0; i--) {
        if (++index[i]! < s[i]!) break;
        index[i] = 0;
      }
    }
    return out;
  });
}
