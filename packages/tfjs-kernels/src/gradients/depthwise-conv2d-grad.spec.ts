import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, fixedCases, prepare, randomCases, type Prepared } from '../../test/harness.js';
import { expectConvGrads, fusedConvGrads, onTrainingBackend } from '../../test/conv-grad-checks.js';

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

describe.each(BACKENDS)('%s', (backend) => {
  const { forward, forwardUndilated } = onTrainingBackend(backend, cases, undilated);

  it.each(forward.map((p) => [p.label, p] as const))('tf.depthwiseConv2d gradients %s', (_, p) => expectConvGrads(p, depthwiseGrads(p)));

  it.each(forwardUndilated.slice(0, 12).map((p) => [p.label, p] as const))('tf.fused.depthwiseConv2d (bias, linear) gradients %s', (_, p) =>
    expectConvGrads(p, fusedConvGrads(p)),
  );

  it('leaks no tensors and no backend data', () => {
    const backendInstance = tf.engine().backend;
    const ids = backendInstance.numDataIds();
    const tensors = tf.memory().numTensors;
    for (const p of forward.slice(0, 15)) tf.tidy(() => void depthwiseGrads(p));
    for (const p of forwardUndilated.slice(0, 5)) tf.tidy(() => void fusedConvGrads(p));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendInstance.numDataIds()).toBe(ids);
  });
});
