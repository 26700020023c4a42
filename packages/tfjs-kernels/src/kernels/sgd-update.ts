import * as tf from '@tensorflow/tfjs-core';
import { readFloats, writeFloats } from './host-data.js';

/** Kernel name of kd's whole SGD update of one parameter (tfjs has none: it is five element-wise kernels). */
export const SGD_UPDATE = 'KdSgdUpdate';

export interface SgdUpdateAttrs {
  readonly lr: number;
  /** 0: plain SGD, no buffer. */
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** The parameter's first update: the buffer starts as the gradient (PyTorch), whatever it holds. */
  readonly first: boolean;
}

const f = Math.fround;

/**
 * One SGD update with PyTorch's semantics, element by element in float32 with the same rounding steps as the op chain
 * it replaces in @kd/core's Optimizer (`g = grad + v·wd; buf = m·buf + g; g = nesterov ? g + m·buf : buf;
 * v = v − lr·g`, the scalars rounded to float32 as tfjs does with a number operand) — so both give the same bits.
 * Writes into `v` and `buf`.
 */
export function sgdUpdateInPlace(v: Float32Array, grad: Float32Array, buf: Float32Array | undefined, attrs: SgdUpdateAttrs): void {
  const lr = f(attrs.lr);
  const m = f(attrs.momentum);
  const wd = f(attrs.weightDecay);
  for (let i = 0; i < v.length; i++) {
    let g = wd !== 0 ? f(grad[i]! + f(v[i]! * wd)) : grad[i]!;
    if (buf !== undefined) {
      const b = attrs.first ? g : f(f(buf[i]! * m) + g);
      buf[i] = b;
      g = attrs.nesterov ? f(g + f(b * m)) : b;
    }
    v[i] = f(v[i]! - f(g * lr));
  }
}

/**
 * `KdSgdUpdate` (variable, gradient, buffer when momentum > 0) → [variable', buffer'?]: new tensors (the inputs are
 * left as they are; the optimiser assigns the outputs). Plain loops over the backend's data, for cpu and wasm.
 */
export function sgdUpdateKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: SGD_UPDATE,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { variable, gradient, buffer } = inputs as Record<string, tf.TensorInfo | undefined>;
      const a = attrs as unknown as SgdUpdateAttrs;
      for (const [name, t] of [
        ['gradient', gradient],
        ['buffer', buffer],
      ] as const) {
        if (t !== undefined && (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, variable!.shape)))
          throw new Error(
            `${SGD_UPDATE}: ${name} must be float32 [${variable!.shape.join(', ')}] like the variable, got ${t.dtype} [${t.shape.join(', ')}]`,
          );
      }
      if (a.momentum > 0 !== (buffer !== undefined)) throw new Error(`${SGD_UPDATE}: a buffer goes with momentum > 0 and only then`);
      const b = backend as tf.KernelBackend;
      // readFloats returns the backend's own array on cpu: copy before writing.
      const v = Float32Array.from(readFloats(b, variable!));
      const g = readFloats(b, gradient!);
      const buf = buffer === undefined ? undefined : Float32Array.from(readFloats(b, buffer));
      sgdUpdateInPlace(v, g, buf, a);
      const out = (values: Float32Array) => writeFloats(b, variable!.shape, values);
      return buf === undefined ? [out(v)] : [out(v), out(buf)];
    },
  };
}
