import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Optimizer } from './optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Hand-derived updates of PyTorch's torch.optim.SGD / Adam / AdamW for w=[1,-2], g=[0.5,0.25] twice. */
describe('Optimizer (PyTorch semantics)', () => {
  const run = (config: ConstructorParameters<typeof Optimizer>[0], steps: number) => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])));
    const opt = new Optimizer(config, [{ id: 'w', variable: v, decay: true }]);
    for (let i = 0; i < steps; i++) tf.tidy(() => opt.applyGradients(new Map([[v, tf.tensor1d([0.5, 0.25])]])));
    const out = Array.from(v.dataSync());
    opt.dispose();
    v.dispose();
    return out;
  };

  it('SGD with momentum and weight decay', () => {
    // step 1: g' = g + wd·w = [0.51, 0.23]; buf = g'; w = [1 - 0.0510, -2 - 0.0230]
    // step 2: g' = [0.5 + 0.01·0.949, 0.25 + 0.01·(-2.023)] = [0.50949, 0.22977]; buf = 0.9·buf + g'
    const w1 = [1 - 0.1 * 0.51, -2 - 0.1 * 0.23];
    const g2 = [0.5 + 0.01 * w1[0]!, 0.25 + 0.01 * w1[1]!];
    const buf2 = [0.9 * 0.51 + g2[0]!, 0.9 * 0.23 + g2[1]!];
    const expected = [w1[0]! - 0.1 * buf2[0]!, w1[1]! - 0.1 * buf2[1]!];
    const got = run({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, 2);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
  });

  it('SGD with Nesterov momentum', () => {
    // step 1: buf = g; update = g + 0.9·buf = 1.9·g
    const got = run({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, 1);
    expect(got[0]).toBeCloseTo(1 - 0.1 * 1.9 * 0.5, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.1 * 1.9 * 0.25, 6);
  });

  it('Adam: first step moves each weight by lr (bias-corrected m/√v = sign(g))', () => {
    const got = run({ type: 'adam', lr: 0.01 }, 1);
    expect(got[0]).toBeCloseTo(1 - 0.01, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.01, 6);
  });

  it('AdamW decays decoupled from the gradient', () => {
    const got = run({ type: 'adamw', lr: 0.01, weightDecay: 0.1 }, 1);
    // w - lr·1 - lr·wd·w
    expect(got[0]).toBeCloseTo(1 - 0.01 - 0.01 * 0.1 * 1, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.01 - 0.01 * 0.1 * -2, 6);
  });

  it('frees every temporary tensor', () => {
    const before = tf.memory().numTensors;
    run({ type: 'adam', lr: 0.01 }, 3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
