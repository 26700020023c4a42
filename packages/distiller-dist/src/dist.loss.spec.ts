import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues } from '@kd/testing';
import { distLossTerms, type DistLossOptions } from './dist.loss.js';
import { PEARSON_EPS, pearsonRows } from './pearson.js';

interface FixtureCase {
  name: string;
  options: DistLossOptions;
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
  expected: { total: number; ce: number; inter: number; intra: number; gradStudentLogits: number[][] };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'dist-fixtures.json');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('dist-fixtures.json (PyTorch float64, the official dist_kd.py)', () => {
  it('covers batch sizes 1 to 32, 5 to 100 classes, τ ∈ {1, 2, 4}, no τ², one term alone', () => {
    const names = cases.map((c) => c.name);
    for (const n of ['batch-of-one', 'b3-c100', 'b32-c10', 'only-inter-b6-c5', 'no-tau-squared-b4-c6']) expect(names).toContain(n);
    for (const t of [1, 2, 4]) expect(cases.some((c) => c.options.temperature === t)).toBe(true);
  });
});

describeOnBackends('dist-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, inter, intra and the student-logit gradient match', () => {
      tf.tidy(() => {
        const zs = tf.tensor2d(c.studentLogits);
        const zt = tf.tensor2d(c.teacherLogits);
        const y = tf.tensor1d(c.labels, 'int32');
        const r = distLossTerms(zs, zt, y, c.options);
        expectTermValues(b, r, c.expected, ['total', 'ce', 'inter', 'intra']);
        const g = tf.grad((a: tf.Tensor) => distLossTerms(a as tf.Tensor2D, zt, y, c.options).total)(zs);
        expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
        b.gradient(g.dataSync(), c.expected.gradStudentLogits.flat(), 'gradient');
      });
    });
  });
});

describe('distLossTerms by hand', () => {
  it('one sample, two classes, opposite predictions: inter = 1 + ρ, ρ ≈ 1 − 8ε; intra = 1 (a batch of one has no spread)', () => {
    // y_S = (¼, ¾), y_T = (¾, ¼): centred (−¼, ¼) and (¼, −¼), Σ a'b' = −⅛, ‖a'‖‖b'‖ = ⅛, ρ = −⅛ / (⅛ + ε).
    const rho = -(1 / 8) / (1 / 8 + PEARSON_EPS);
    tf.tidy(() => {
      const r = distLossTerms(tf.tensor2d([[0, Math.log(3)]]), tf.tensor2d([[Math.log(3), 0]]), tf.tensor1d([1], 'int32'), {
        ceWeight: 0.5,
        beta: 1,
        gamma: 3,
        temperature: 1,
        scaleByTemperatureSquared: true,
      });
      expect(relErr(r.inter.dataSync()[0]!, 1 - rho)).toBeLessThan(1e-6);
      expect(r.intra.dataSync()[0]).toBe(1);
      expect(relErr(r.ce.dataSync()[0]!, -Math.log(0.75))).toBeLessThan(1e-6);
      expect(relErr(r.total.dataSync()[0]!, 0.5 * -Math.log(0.75) + (1 - rho) + 3)).toBeLessThan(1e-6);
    });
  });

  it('is ~0 when the student predicts what the teacher does, and τ² scales the relation terms only', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([6, 5], 0, 2, 'float32', 1) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
      const same = distLossTerms(z, z, y, { ceWeight: 0, beta: 1, gamma: 1, temperature: 4, scaleByTemperatureSquared: true });
      // ρ = 1 up to float32 rounding (and the 1e-8 in the denominator)
      expect(Math.abs(same.inter.dataSync()[0]!)).toBeLessThan(2e-6);
      expect(Math.abs(same.intra.dataSync()[0]!)).toBeLessThan(2e-6);
      const zt = tf.randomNormal([6, 5], 0, 2, 'float32', 2) as tf.Tensor2D;
      const o = { ceWeight: 1, beta: 1, gamma: 1, temperature: 4 };
      const scaled = distLossTerms(z, zt, y, { ...o, scaleByTemperatureSquared: true });
      const plain = distLossTerms(z, zt, y, { ...o, scaleByTemperatureSquared: false });
      const rel = plain.inter.dataSync()[0]! + plain.intra.dataSync()[0]!;
      expect(relErr(scaled.total.dataSync()[0]! - plain.total.dataSync()[0]!, 15 * rel)).toBeLessThan(1e-5);
    });
  });

  it('Pearson is invariant to shifting and positively scaling a row, and flips sign with a negative scale', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([[0.1, 0.5, 0.2, 0.9]]);
      const b = tf.tensor2d([[0.3, 0.1, 0.4, 0.8]]);
      const r = pearsonRows(a, b).dataSync()[0]!;
      expect(relErr(pearsonRows(tf.add(tf.mul(a, 3), 2) as tf.Tensor2D, b).dataSync()[0]!, r)).toBeLessThan(1e-6);
      expect(relErr(pearsonRows(tf.mul(a, -1) as tf.Tensor2D, b).dataSync()[0]!, -r)).toBeLessThan(1e-6);
    });
  });

  it('gives the teacher logits no gradient and leaks no tensors', () => {
    const zs = tf.randomNormal([4, 5], 0, 1, 'float32', 3) as tf.Tensor2D;
    const zt = tf.randomNormal([4, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const options = { ceWeight: 1, beta: 2, gamma: 2, temperature: 4, scaleByTemperatureSquared: true };
    const before = tf.memory().numTensors;
    const [gs, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => distLossTerms(a as tf.Tensor2D, b as tf.Tensor2D, y, options).total)([
      zs,
      zt,
    ]);
    expect(Array.from(gs!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(gt!.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([gs!, gt!]);
    expect(tf.memory().numTensors).toBe(before);
    const r = distLossTerms(zs, zt, y, options);
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose([r.total, r.ce, r.inter, r.intra, zs, zt, y]);
  });
});
