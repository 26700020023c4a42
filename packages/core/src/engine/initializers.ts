import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';

/**
 * Weight initialisers drawn from the run's own RNG (tfjs initialiser seeds are unreliable), named after
 * their PyTorch counterparts so reference definitions carry over.
 */
export type InitializerSpec =
  | { readonly type: 'zeros' }
  | { readonly type: 'ones' }
  | { readonly type: 'constant'; readonly value: number }
  | { readonly type: 'normal'; readonly std: number }
  /** kaiming_normal_(mode, nonlinearity='relu'): std = sqrt(2 / fan). */
  | { readonly type: 'kaimingNormal'; readonly mode: 'fanIn' | 'fanOut' }
  /** PyTorch's default for Conv/Linear weights: kaiming_uniform_(a=√5) = U(±1/√fan_in). */
  | { readonly type: 'torchDefault' }
  /** PyTorch's default for Conv/Linear biases: U(±1/√fan_in) of the layer's weight. */
  | { readonly type: 'torchDefaultBias'; readonly fanIn: number }
  | { readonly type: 'glorotUniform' };

/** Fans of a tfjs weight shape: conv kernels are [kh, kw, in, out], dense [in, out]. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  if (shape.length === 4) {
    const rf = shape[0]! * shape[1]!;
    return { fanIn: rf * shape[2]!, fanOut: rf * shape[3]! };
  }
  const n = shape.reduce((a, b) => a * b, 1);
  return { fanIn: n, fanOut: n };
}

export function initialValues(shape: readonly number[], spec: InitializerSpec, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const { fanIn, fanOut } = fans(shape);
  switch (spec.type) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'constant':
      out.fill(spec.value);
      break;
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = rng.normal() * spec.std;
      break;
    case 'kaimingNormal': {
      const std = Math.sqrt(2 / (spec.mode === 'fanIn' ? fanIn : fanOut));
      for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
      break;
    }
    case 'torchDefault':
    case 'torchDefaultBias': {
      const bound = 1 / Math.sqrt(spec.type === 'torchDefault' ? fanIn : spec.fanIn);
      for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
      break;
    }
    case 'glorotUniform': {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
      break;
    }
  }
  return out;
}

/** Overwrites a variable with values drawn from the RNG. */
export function initializeVariable(variable: tf.Variable, spec: InitializerSpec, rng: Rng): void {
  tf.tidy(() => variable.assign(tf.tensor(initialValues(variable.shape, spec, rng), variable.shape, 'float32')));
}
