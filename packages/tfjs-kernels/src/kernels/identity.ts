import type * as tf from '@tensorflow/tfjs-core';

interface RefCounting extends tf.KernelBackend {
  incRef(dataId: tf.DataId): void;
}

/** A new tensor over `x`'s data (one more reference), as `dtype`. Shared by `Identity` and same-dtype `Cast`. */
export function shareData(backend: object, x: tf.TensorInfo, dtype: tf.DataType = x.dtype): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype };
}

/**
 * `Identity` that shares the input's data (one more reference) instead of copying it, as tfjs's cpu backend does.
 * wasm's stock kernel copies the whole tensor, and tfjs-core clones every tensor it saves for the backward pass:
 * ≈ 530 full copies per resnet20 training step, 8 % of the step once the convolutions run on oneDNN. Sharing is safe
 * because no tfjs kernel writes into its inputs; a variable's `assign` swaps its data rather than overwriting it.
 */
export function identityKernel(backendName: string, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string' && previous) return previous.kernelFunc(args);
      return shareData(args.backend, x);
    },
  };
}
