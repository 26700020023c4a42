import * as tf from '@tensorflow/tfjs-core';
import { readFloats, writeFloats } from './host-data.js';

/** Kernel name of ReLU's gradient as one kernel (tfjs-core's is Step + Multiply, two passes and a temporary). */
export const RELU_GRAD = 'KdReluGrad';

/**
 * `KdReluGrad` (dy, x) → dy · step(x), written as that product so that the bits are tfjs-core's: −0 where dy < 0 and
 * x ≤ 0, NaN where x is NaN. Plain loop for cpu and wasm.
 */
export function reluGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: RELU_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      if (!tf.util.arraysEqual(dy.shape, x.shape) || dy.dtype !== 'float32')
        throw new Error(
          `${RELU_GRAD}: dy must be float32 with x's shape [${x.shape.join(', ')}], got ${dy.dtype} [${dy.shape.join(', ')}]`,
        );
      const b = backend as tf.KernelBackend;
      const d = readFloats(b, dy);
      const xs = b.readSync(x.dataId) as Float32Array | Int32Array;
      const out = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) {
        const v = xs[i]!;
        out[i] = d[i]! * (v > 0 ? 1 : Number.isNaN(v) ? NaN : 0);
      }
      return writeFloats(b, dy.shape, out);
    },
  };
}
