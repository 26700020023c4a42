import type * as tf from '@tensorflow/tfjs-core';
import { readFloats, writeFloats } from './host-data.js';

/**
 * `Log1p` correctly rounded to float32: wasm's stock kernel computes log(1 + x) in float32, which loses every digit
 * of x below float32's epsilon of 1 (about 1,700 ulp at x ≈ −2.5e-4, where the cpu backend's Math.log1p is within 1).
 * Losses take log1p exactly where that matters — KL divergence between a student and a teacher that nearly agree —
 * so the stock kernel moved KD/DKD losses by up to 1e-3 relative on wasm. Computed in double precision, then rounded.
 */
export function log1pKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'Log1p',
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const b = backend as tf.KernelBackend;
      const xs = x.dtype === 'float32' ? readFloats(b, x) : Float32Array.from(b.readSync(x.dataId) as Int32Array);
      const out = new Float32Array(xs.length);
      for (let i = 0; i < xs.length; i++) out[i] = Math.log1p(xs[i]!);
      return writeFloats(b, x.shape, out);
    },
  };
}
