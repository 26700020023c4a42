import * as tf from '@tensorflow/tfjs-core';
import {
  BACKENDS,
  TOLERANCE,
  fixedCases,
  prepare,
  randomCases,
  relativeError,
  useBackend,
  wasmForwardOk,
  type Prepared,
} from '../../test/harness.js';
import { refFilterGrad, refInputGrad } from '../../test/reference.js';
import { registerTrainingKernels } from '../register.js';

const cases: Prepared[] = [...fixedCases(false, true), ...randomCases(30, 0x9ad, { depthwise: false, dilation: true })].map(
  (c, i) => prepare(c, 3000 + i) as Prepared,
);
const undilated = cases.filter((p) => p.dilations[0] === 1 && p.dilations[1] === 1);

/** Gradients of Σ conv2d(x, W) · dy with respect to x and W, through tf.grads (the gradient registry). */
function conv2dGrads(p: Prepared): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.strides, p.pad, 'NHWC', p.dilations, p.dimRoundingMode);
    const [dx, dw] = tf.grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape)], tf.tensor(p.dy, p.dyShape));
    return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

/** Same through tf.fused.conv2d with a bias: its customGrad calls the backprop kernels directly. */
function fusedGrads(p: Prepared): Float32Array[] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: p.strides,
        pad: p.pad,
        dimRoundingMode: p.dimRoundingMode,
        bias: b,
        activation: 'linear',
      });
    const bias = tf.zeros([p.filterShape[3]]);
    const grads = tf.grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape), bias], tf.tensor(p.dy, p.dyShape));
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

/** Σ over N, H, W of dy: the bias gradient. */
function biasRef(p: Prepared): Float64Array {
  const c = p.dyShape[3];
  const out = new Float64Array(c);
  for (let i = 0; i < p.dy.length; i++) out[i % c] = (out[i % c] as number) + (p.dy[i] as number);
  return out;
}

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });
  const forward = backend === 'wasm' ? cases.filter(wasmForwardOk) : cases;
  const forwardUndilated = backend === 'wasm' ? undilated.filter(wasmForwardOk) : undilated;

  it.each(forward.map((p) => [p.label, p] as const))('tf.conv2d gradients %s', (_, p) => {
    const [dx, dw] = conv2dGrads(p);
    expect(relativeError(dx, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dw, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(forwardUndilated.slice(0, 12).map((p) => [p.label, p] as const))('tf.fused.conv2d (bias, linear) gradients %s', (_, p) => {
    const [dx, dw, db] = fusedGrads(p);
    expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(db!, biasRef(p))).toBeLessThanOrEqual(TOLERANCE);
  });

  if (backend === 'cpu')
    it('NCHW (cpu only: the wasm forward Conv2D is NHWC-only)', () => {
      for (const p of cases.filter((c) => typeof c.pad === 'string').slice(0, 12)) {
        const [dx, dw] = tf.tidy(() => {
          const f = (x: tf.Tensor, w: tf.Tensor) =>
            tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.strides, p.pad as 'same' | 'valid', 'NCHW', p.dilations);
          const x = tf.transpose(tf.tensor(p.x, p.xShape), [0, 3, 1, 2]);
          const dy = tf.transpose(tf.tensor(p.dy, p.dyShape), [0, 3, 1, 2]);
          const [gx, gw] = tf.grads(f)([x, tf.tensor(p.filter, p.filterShape)], dy);
          return [tf.transpose(gx!, [0, 2, 3, 1]).dataSync(), gw!.dataSync()];
        });
        expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy)), p.label).toBeLessThanOrEqual(TOLERANCE);
        expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy)), p.label).toBeLessThanOrEqual(TOLERANCE);
      }
    });

  it('leaks no tensors and no backend data', () => {
    const backendInstance = tf.engine().backend;
    const ids = backendInstance.numDataIds();
    const tensors = tf.memory().numTensors;
    for (const p of forward.slice(0, 15)) {
      tf.tidy(() => {
        const f = (x: tf.Tensor, w: tf.Tensor) =>
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.strides, p.pad, 'NHWC', p.dilations, p.dimRoundingMode);
        tf.grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape)], tf.tensor(p.dy, p.dyShape));
      });
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendInstance.numDataIds()).toBe(ids);
  });
});
