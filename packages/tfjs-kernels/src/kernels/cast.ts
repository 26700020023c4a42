import type * as tf from '@tensorflow/tfjs-core';
import { fallbackKernel } from './fallback-kernel.js';
import { shareData } from './identity.js';

/**
 * `Cast` to the dtype a tensor already has shares its data, like {@link identityKernel}; wasm's stock kernel copies
 * it (tfjs-core's `moments` and tfjs-layers cast float32 activations to float32 on every batch-norm and conv call).
 * Real conversions go to the stock kernel.
 */
export function castKernel(backendName: string, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return fallbackKernel('Cast', backendName, previous, (args, stock) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (dtype !== x.dtype || dtype === 'string' || dtype === 'complex64') return stock(args);
    return shareData(args.backend, x, dtype);
  });
}
