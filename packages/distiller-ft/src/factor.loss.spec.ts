import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { ConvCoder, absoluteCosine, factorTransferLoss, reconstructionLoss } from './index.js';

/** PyTorch reference values written by test/fixtures/make_ft_fixtures.py. */
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/ft-fixtures.json'), 'utf8'));

const close = (got: ArrayLike<number>, want: readonly number[], tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('factor losses against PyTorch', () => {
  const shape = fx.factors.shape as [number, number, number, number];
  it('FT distance p=1 and p=2, |cos|, reconstruction norms', () => {
    tf.tidy(() => {
      const s = tf.tensor4d(fx.factors.student, shape);
      const t = tf.tensor4d(fx.factors.teacher, shape);
      expect(factorTransferLoss(s, t, 1).dataSync()[0]).toBeCloseTo(fx.ftL1, 6);
      // p = 2: the official _factor_transfer's root mean square by default, the mean square as "power"
      expect(factorTransferLoss(s, t, 2).dataSync()[0]).toBeCloseTo(fx.ftL2, 6);
      expect(factorTransferLoss(s, t, 2, 'power').dataSync()[0]).toBeCloseTo(fx.ftL2Power, 6);
      expect(Math.abs(fx.ftL2 - fx.ftL2Power)).toBeGreaterThan(0.1); // the two forms are told apart
      expect(absoluteCosine(s, t).dataSync()[0]).toBeCloseTo(fx.absCos, 6);
      expect(reconstructionLoss(s, t, 1).dataSync()[0]).toBeCloseTo(fx.rec1, 5);
      expect(reconstructionLoss(s, t, 2).dataSync()[0]).toBeCloseTo(fx.rec2, 5);
    });
  });

  it('FT gradient with respect to the student factor', () => {
    tf.tidy(() => {
      const s = tf.tensor4d(fx.factors.student, shape);
      const t = tf.tensor4d(fx.factors.teacher, shape);
      const g = tf.grad((x: tf.Tensor) => factorTransferLoss(x, t, 1))(s);
      close(g.dataSync(), fx.ftL1GradStudent, 1e-5);
    });
  });

  it('FT gradient where a sample of the student factor equals the teacher’s: PyTorch’s 0 for |0|', () => {
    tf.tidy(() => {
      const s = tf.tensor4d(fx.tie.student, shape);
      const t = tf.tensor4d(fx.factors.teacher, shape);
      const g = tf
        .grad((x: tf.Tensor) => factorTransferLoss(x, t, 1))(s)
        .dataSync();
      close(g, fx.tie.ftL1GradStudent, 1e-5);
      const perSample = g.length / shape[0];
      expect(Math.max(...Array.from(g.slice(0, perSample), Math.abs))).toBe(0);
      expect(Math.max(...Array.from(g.slice(perSample), Math.abs))).toBeGreaterThan(1e-4);
    });
  });

  it('refuses factors of different shapes', () => {
    tf.tidy(() => {
      expect(() => factorTransferLoss(tf.zeros([2, 3, 3, 4]), tf.zeros([2, 3, 3, 2]))).toThrow(
        /same shape.*\[2, 3, 3, 4\].*\[2, 3, 3, 2\]/,
      );
    });
  });
});

describe('ConvCoder against PyTorch Coder', () => {
  const c = fx.coder;
  function build(): ConvCoder {
    const coder = new ConvCoder({ inChannels: c.in, outChannels: c.out, leakySlope: c.slope }, new Rng(1));
    const vars = new Map(coder.stateVariables('').map((v) => [v.name, v.variable]));
    tf.tidy(() => {
      c.kernels.forEach((k: number[], i: number) =>
        vars.get(`conv${i + 1}/kernel`)!.assign(tf.tensor(k, vars.get(`conv${i + 1}/kernel`)!.shape)),
      );
      c.gammas.forEach((g: number[], i: number) => vars.get(`bn${i + 1}/gamma`)!.assign(tf.tensor1d(g)));
      c.betas.forEach((b: number[], i: number) => vars.get(`bn${i + 1}/beta`)!.assign(tf.tensor1d(b)));
    });
    return coder;
  }

  it('training-mode forward, kernel gradients, running statistics, then inference-mode forward', () => {
    const coder = build();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.tensor4d(c.x, c.xShape);
      const y = coder.apply(x, true);
      close(y.dataSync(), c.train, 1e-4);
    });
    const vars = new Map(coder.stateVariables('').map((v) => [v.name, v.variable]));
    c.runningMean.forEach((m: number[], i: number) => close(vars.get(`bn${i + 1}/mean`)!.dataSync(), m, 1e-4));
    c.runningVar.forEach((m: number[], i: number) => close(vars.get(`bn${i + 1}/variance`)!.dataSync(), m, 1e-4));
    tf.tidy(() => {
      const x = tf.tensor4d(c.x, c.xShape);
      close(coder.apply(x, false).dataSync(), c.eval, 1e-4);
    });
    // Gradients on a fresh copy (the forward above moved the running statistics, not the weights).
    const fresh = build();
    tf.tidy(() => {
      const x = tf.tensor4d(c.x, c.xShape);
      const kernels = fresh.stateVariables('').filter((v) => v.name.endsWith('kernel'));
      const { grads } = tf.variableGrads(
        () => {
          const y = fresh.apply(x, true);
          return tf.sum(tf.mul(y, tf.reshape(tf.linspace(-1, 1, y.size), y.shape)));
        },
        kernels.map((k) => k.variable),
      );
      kernels.forEach((k, i) => close(grads[k.variable.name]!.dataSync(), c.kernelGrads[i], 1e-3));
    });
    expect(tf.memory().numTensors).toBe(before + 15);
    coder.dispose();
    fresh.dispose();
    expect(tf.memory().numTensors).toBe(before - 15);
  });
});
