import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, fixedCases, prepare, randomCases, type Prepared } from '../../test/harness.js';
import { expectConvGrads, fusedConvGrads, onTrainingBackend } from '../../test/conv-grad-checks.js';

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

describe.each(BACKENDS)('%s', (backend) => {
  const { forward, forwardUndilated } = onTrainingBackend(backend, cases, undilated);

  it.each(forward.map((p) => [p.label, p] as const))('tf.conv2d gradients %s', (_, p) => expectConvGrads(p, conv2dGrads(p)));

  it.each(forwardUndilated.slice(0, 12).map((p) => [p.label, p] as const))('tf.fused.conv2d (bias, linear) gradients %s', (_, p) =>
    expectConvGrads(p, fusedConvGrads(p)),
  );

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
        expectConvGrads(p, [dx, dw], p.label);
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
