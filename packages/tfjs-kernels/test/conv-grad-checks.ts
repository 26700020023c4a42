import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';
import { registerTrainingKernels } from '../src/register.js';
import { TOLERANCE, relativeError, useBackend, wasmForwardOk, type Prepared } from './harness.js';
import { refFilterGrad, refInputGrad } from './reference.js';

/** Σ over N, H, W of dy: the bias gradient of a fused convolution. */
export function refBiasGrad(p: Prepared): Float64Array {
  const c = p.dyShape[3];
  const out = new Float64Array(c);
  for (let i = 0; i < p.dy.length; i++) out[i % c] = (out[i % c] as number) + (p.dy[i] as number);
  return out;
}

/**
 * Checks [dx, dw] — and db when a third gradient is given — against the float64 references, so the plain and the
 * fused convolution specs (conv2d and depthwise) hold every gradient to the same tolerance.
 */
export function expectConvGrads(p: Prepared, grads: readonly (ArrayLike<number> | undefined)[], label?: string): void {
  const [dx, dw, db] = grads;
  expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy)), label).toBeLessThanOrEqual(TOLERANCE);
  expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy)), label).toBeLessThanOrEqual(TOLERANCE);
  if (grads.length > 2) expect(relativeError(db!, refBiasGrad(p)), label).toBeLessThanOrEqual(TOLERANCE);
}

/**
 * Inside a per-backend describe: switches to `backend` with kd's training kernels registered, and keeps only the
 * cases that backend's forward convolution runs (wasm's forward lacks some geometries the cpu one has).
 */
export function onTrainingBackend<C extends Prepared, U extends Prepared>(
  backend: string,
  cases: readonly C[],
  undilated: readonly U[],
): { forward: readonly C[]; forwardUndilated: readonly U[] } {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });
  const keep = <T extends Prepared>(list: readonly T[]) => (backend === 'wasm' ? list.filter(wasmForwardOk) : list);
  return { forward: keep(cases), forwardUndilated: keep(undilated) };
}

/**
 * dx, dw and db through tf.fused.conv2d, or tf.fused.depthwiseConv2d for a depthwise case, with a zero bias and a
 * linear activation: the fused ops' customGrad calls the backprop kernels directly. (The depthwise op's `pad` takes no
 * explicit padding, so depthwise cases must not have one.)
 */
export function fusedConvGrads(p: Prepared): Float32Array[] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
      const args = {
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: p.strides,
        dimRoundingMode: p.dimRoundingMode,
        bias: b,
        activation: 'linear' as const,
      };
      return p.depthwise
        ? tf.fused.depthwiseConv2d({ ...args, pad: p.pad as 'same' | 'valid' | number })
        : tf.fused.conv2d({ ...args, pad: p.pad });
    };
    const bias = tf.zeros([p.dyShape[3]]);
    return tf
      .grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape), bias], tf.tensor(p.dy, p.dyShape))
      .map((g) => g.dataSync() as Float32Array);
  });
}
