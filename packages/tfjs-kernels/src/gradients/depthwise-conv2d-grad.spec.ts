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

const cases: Prepared[] = [...fixedCases(true, true), ...randomCases(30, 0xde97, { depthwise: true, dilation: true })].map(
  (c, i) => prepare(c, 4000 + i) as Prepared,
);
const undilated = cases.filter(
  (p): p is Prepared & { pad: 'same' | 'valid' | number } => p.dilations[0] === 1 && p.dilations[1] === 1 && typeof p.pad !== 'object',
);

function depthwiseGrads(p: Prepared): Float32Array[] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, p.strides, p.pad, 'NHWC', p.dilations, p.dimRoundingMode);
    return tf
      .grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape)], tf.tensor(p.dy, p.dyShape))
      .map((g) => g.dataSync() as Float32Array);
  });
}

/**
 * tf.fused.depthwiseConv2d with a bias: its customGrad calls the backprop kernels directly. (Its `pad`
 * takes no explicit padding.)
 */
function fusedGrads(p: Prepared & { pad: 'same' | 'valid' | number }): Float32Array[] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.fused.depthwiseConv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: p.strides,
        pad: p.pad,
        dimRoundingMode: p.dimRoundingMode,
        bias: b,
        activation: 'linear',
      });
    const bias = tf.zeros([p.dyShape[3]]);
    return tf
      .grads(f)([tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape), bias], tf.tensor(p.dy, p.dyShape))
      .map((g) => g.dataSync() as Float32Array);
  });
}

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

  it.each(forward.map((p) => [p.label, p] as const))('tf.depthwiseConv2d gradients %s', (_, p) => {
    const [dx, dw] = depthwiseGrads(p);
    expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(forwardUndilated.slice(0, 12).map((p) => [p.label, p] as const))(
    'tf.fused.depthwiseConv2d (bias, linear) gradients %s',
    (_, p) => {
      const [dx, dw, db] = fusedGrads(p);
      expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(db!, biasRef(p))).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it('leaks no tensors and no backend data', () => {
    const backendInstance = tf.engine().backend;
    const ids = backendInstance.numDataIds();
    const tensors = tf.memory().numTensors;
    for (const p of forward.slice(0, 15)) tf.tidy(() => void depthwiseGrads(p));
    for (const p of forwardUndilated.slice(0, 5)) tf.tidy(() => void fusedGrads(p));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendInstance.numDataIds()).toBe(ids);
  });
});
