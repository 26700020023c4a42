import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import {
  expectFiniteForExtremeLogits,
  expectFloatLabelsCast,
  expectRejectsBadTemperatureAndShapes,
  expectTeacherVariableGetsNoGradient,
  logitInputs,
  type LogitFixtureCase,
  randomLogits,
  relErr,
} from '@kd/testing';
import { KD_LOSS_DEFAULTS, kdLoss, kdLossTerms, standardizeLogits, type KdLossOptions } from './kd.loss.js';

interface FixtureCase extends LogitFixtureCase {
  name: string;
  options: Required<KdLossOptions>;
  expected: { total: number; ce: number; kd: number; gradStudent: number[][] };
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'kd-fixtures.json'), 'utf8')) as {
  cases: FixtureCase[];
};

/** Float32 tolerance: max |actual − expected| relative to max |expected| (plain relative error for a scalar). */
const TOL = 1e-5;

const inputs = logitInputs;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('kd-fixtures.json (PyTorch float64 reference)', () => {
  it('covers the intended grid', () => {
    const cs = fixtures.cases;
    expect(cs.length).toBeGreaterThanOrEqual(12);
    for (const b of [1, 4, 16]) expect(cs.some((c) => c.batch === b)).toBe(true);
    for (const k of [3, 10, 100]) expect(cs.some((c) => c.classes === k)).toBe(true);
    for (const t of [1, 4, 20]) expect(cs.some((c) => c.options.temperature === t)).toBe(true);
    expect(cs.some((c) => c.options.standardizeLogits)).toBe(true);
    expect(cs.some((c) => !c.options.scaleByTemperatureSquared)).toBe(true);
    expect(cs.some((c) => c.studentLogits.flat().some((v) => Math.abs(v) === 50))).toBe(true);
  });

  describe.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it(`loss terms match within ${TOL}`, () => {
      const { s, t, y } = inputs(c);
      const r = kdLossTerms(s, t, y, c.options);
      expect(relErr(r.total.dataSync()[0]!, c.expected.total)).toBeLessThanOrEqual(TOL);
      expect(relErr(r.ce.dataSync()[0]!, c.expected.ce)).toBeLessThanOrEqual(TOL);
      expect(relErr(r.kd.dataSync()[0]!, c.expected.kd)).toBeLessThanOrEqual(TOL);
      expect(relErr(kdLoss(s, t, y, c.options).dataSync()[0]!, c.expected.total)).toBeLessThanOrEqual(TOL);
      tf.dispose([s, t, y, r.total, r.ce, r.kd]);
    });

    it(`gradient w.r.t. the student logits matches within ${TOL}`, () => {
      const { s, t, y } = inputs(c);
      const g = tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, t, y, c.options))(s);
      expect(g.shape).toEqual([c.batch, c.classes]);
      expect(relErr(g.dataSync(), c.expected.gradStudent.flat())).toBeLessThanOrEqual(TOL);
      tf.dispose([s, t, y, g]);
    });
  });
});

describe('kdLoss / kdLossTerms', () => {
  it('applies the CIFAR-100 defaults when options are omitted', () => {
    expect(KD_LOSS_DEFAULTS).toEqual({
      ceWeight: 0.1,
      kdWeight: 0.9,
      temperature: 4,
      scaleByTemperatureSquared: true,
      standardizeLogits: false,
    });
    const c = fixtures.cases.find((x) => x.name === 'b4-c10-t4-defaults')!;
    const { s, t, y } = inputs(c);
    expect(relErr(kdLoss(s, t, y).dataSync()[0]!, c.expected.total)).toBeLessThanOrEqual(TOL);
    expect(relErr(kdLoss(s, t, y, {}).dataSync()[0]!, c.expected.total)).toBeLessThanOrEqual(TOL);
    tf.dispose([s, t, y]);
  });

  it('total = ceWeight·ce + kdWeight·kd', () => {
    tf.tidy(() => {
      const s = randomLogits(8, 10, 1);
      const t = randomLogits(8, 10, 2);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
      const r = kdLossTerms(s, t, y, { ceWeight: 0.3, kdWeight: 2.5, temperature: 3 });
      const [total, ce, kd] = [r.total, r.ce, r.kd].map((x) => x.dataSync()[0]!);
      expect(total).toBeCloseTo(0.3 * ce! + 2.5 * kd!, 5);
    });
  });

  it('gives the teacher no gradient', () => {
    for (const standardizeLogits of [false, true]) {
      tf.tidy(() => {
        const s = randomLogits(4, 10, 3);
        const t = randomLogits(4, 10, 4);
        const y = tf.tensor1d([1, 3, 5, 7], 'int32');
        const [gs, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          kdLoss(a as tf.Tensor2D, b as tf.Tensor2D, y, { ceWeight: 0.1, kdWeight: 0.9, standardizeLogits }),
        )([s, t]);
        expect(tf.max(tf.abs(gs!)).dataSync()[0]).toBeGreaterThan(1e-3);
        expect(Array.from(gt!.dataSync()).every((v) => v === 0)).toBe(true);
      });
    }
  });

  it('gives a teacher variable no gradient under tf.variableGrads', () => {
    expectTeacherVariableGetsNoGradient(kdLoss, 'kd-spec');
  });

  it('identical student and teacher logits ⇒ kd term 0 (and its gradient 0)', () => {
    for (const standardize of [false, true]) {
      for (const temperature of [1, 4, 20]) {
        tf.tidy(() => {
          const z = randomLogits(6, 100, 7, 5);
          const y = tf.tensor1d([0, 10, 20, 30, 40, 50], 'int32');
          const r = kdLossTerms(z, tf.clone(z), y, { temperature, standardizeLogits: standardize });
          expect(Math.abs(r.kd.dataSync()[0]!)).toBeLessThan(1e-5);
          const g = tf.grad((x: tf.Tensor) =>
            kdLoss(x as tf.Tensor2D, z, y, { ceWeight: 0, kdWeight: 1, temperature, standardizeLogits: standardize }),
          )(z);
          expect(tf.max(tf.abs(g)).dataSync()[0]).toBeLessThan(1e-6);
        });
      }
    }
  });

  it('kd ≥ 0 and the ce term does not depend on the teacher or the temperature', () => {
    tf.tidy(() => {
      const s = randomLogits(5, 7, 8);
      const y = tf.tensor1d([6, 5, 4, 3, 2], 'int32');
      const a = kdLossTerms(s, randomLogits(5, 7, 9), y, { temperature: 2 });
      const b = kdLossTerms(s, randomLogits(5, 7, 10), y, { temperature: 9, standardizeLogits: true });
      expect(a.kd.dataSync()[0]).toBeGreaterThan(0);
      expect(b.kd.dataSync()[0]).toBeGreaterThan(0);
      expect(a.ce.dataSync()[0]).toBe(b.ce.dataSync()[0]);
    });
  });

  it('stays accurate across the whole KL range (both evaluation forms, float64 reference in JS)', () => {
    // Student = teacher + α·noise sweeps the per-sample KL from ~1e-13 through ln 2 (where the evaluation form
    // switches) to ~140; compare with a float64 computation of Σ p_T (log p_T − log p_S).
    const classes = 50;
    const tau = 2;
    const teacher = tf.tidy(() => randomLogits(1, classes, 20, 4).dataSync());
    const noise = tf.tidy(() => randomLogits(1, classes, 21, 1).dataSync());
    const logSoftmax64 = (z: number[]): number[] => {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0));
      return z.map((v) => v - lse);
    };
    let sawSmall = false;
    let sawLarge = false;
    for (const alpha of [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 100]) {
      const s32 = Float32Array.from(teacher, (v, i) => v + alpha * noise[i]!);
      const t64 = Array.from(teacher, (v) => v / tau);
      const s64 = Array.from(s32, (v) => v / tau);
      const lt = logSoftmax64(t64);
      const ls = logSoftmax64(s64);
      const expected = lt.reduce((acc, v, i) => acc + Math.exp(v) * (v - ls[i]!), 0);
      if (expected < Math.LN2) sawSmall = true;
      else sawLarge = true;
      const got = tf.tidy(() => {
        const r = kdLossTerms(tf.tensor2d(s32, [1, classes]), tf.tensor2d(teacher, [1, classes]), tf.tensor1d([0], 'int32'), {
          temperature: tau,
          scaleByTemperatureSquared: false,
        });
        return r.kd.dataSync()[0]!;
      });
      // Relative ≤ 1e-5 down to KL = 1e-4; below that an absolute 1e-9 (the textbook form's error is ~1e-7 here).
      expect(Math.abs(got - expected), `alpha ${alpha}, KL ${expected}`).toBeLessThanOrEqual(TOL * Math.max(expected, 1e-4));
    }
    expect(sawSmall && sawLarge).toBe(true);
  });

  it('the τ² toggle changes kd by exactly τ²', () => {
    for (const temperature of [0.5, 1, 2, 4, 20]) {
      tf.tidy(() => {
        const s = randomLogits(4, 10, 11);
        const t = randomLogits(4, 10, 12);
        const y = tf.tensor1d([0, 1, 2, 3], 'int32');
        const on = kdLossTerms(s, t, y, { temperature, scaleByTemperatureSquared: true }).kd.dataSync()[0]!;
        const off = kdLossTerms(s, t, y, { temperature, scaleByTemperatureSquared: false }).kd.dataSync()[0]!;
        expect(Math.abs(on - temperature * temperature * off) / Math.abs(on)).toBeLessThan(1e-6);
      });
    }
  });

  it('is finite for extreme logits (±1e4) at τ = 1', () => {
    expectFiniteForExtremeLogits(kdLossTerms, kdLoss);
  });

  it('standardisation of constant logits (e.g. a zero-initialised classifier) stays finite', () => {
    tf.tidy(() => {
      const s = tf.zeros([3, 10]) as tf.Tensor2D;
      const t = randomLogits(3, 10, 19);
      const y = tf.tensor1d([0, 1, 2], 'int32');
      const opts = { standardizeLogits: true };
      const r = kdLossTerms(s, t, y, opts);
      for (const x of [r.total, r.ce, r.kd]) expect(Number.isFinite(x.dataSync()[0])).toBe(true);
      const g = tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, t, y, opts))(s);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  it('accepts float labels (cast to int32)', () => {
    expectFloatLabelsCast(kdLoss);
  });

  it('standardizeLogits z-scores each row with the unbiased std', () => {
    tf.tidy(() => {
      const z = standardizeLogits(
        tf.tensor2d([
          [1, 2, 3, 4],
          [10, 10, 10, 14],
        ]),
      );
      const rows = z.arraySync();
      // row 1: mean 2.5, unbiased std sqrt(5/3)
      const sd1 = Math.sqrt(5 / 3);
      rows[0]!.forEach((v, i) => expect(v).toBeCloseTo((i + 1 - 2.5) / sd1, 5));
      // row 2: mean 11, unbiased std 2
      expect(rows[1]).toEqual([-0.5, -0.5, -0.5, 1.5].map((v) => expect.closeTo(v, 5)));
    });
    expect(() => standardizeLogits(tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(/at least 2 classes/);
  });

  it('rejects bad options and shapes', () => {
    tf.tidy(() => {
      expectRejectsBadTemperatureAndShapes(kdLoss);
      const s = randomLogits(2, 3, 15);
      const y = tf.tensor1d([0, 1], 'int32');
      expect(() => kdLoss(s, s, y, { ceWeight: -1 })).toThrow(/ceWeight/);
      expect(() => kdLoss(s, s, y, { kdWeight: Number.POSITIVE_INFINITY })).toThrow(/kdWeight/);
    });
  });

  it('leaks no tensors (forward, gradient, errors)', () => {
    const s = randomLogits(4, 10, 17);
    const t = randomLogits(4, 10, 18);
    const y = tf.tensor1d([9, 8, 7, 6], 'int32');
    const before = tf.memory().numTensors;
    for (const standardize of [false, true]) {
      const opts = { standardizeLogits: standardize, temperature: 3 };
      const r = kdLossTerms(s, t, y, opts);
      expect(tf.memory().numTensors).toBe(before + 3);
      tf.dispose([r.total, r.ce, r.kd]);
      const l = kdLoss(s, t, y, opts);
      expect(tf.memory().numTensors).toBe(before + 1);
      l.dispose();
      const g = tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, t, y, opts))(s);
      expect(tf.memory().numTensors).toBe(before + 1);
      g.dispose();
      const gs = tf.grads((a: tf.Tensor, b: tf.Tensor) => kdLoss(a as tf.Tensor2D, b as tf.Tensor2D, y, opts))([s, t]);
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose(gs);
    }
    expect(() => kdLoss(s, t, y, { temperature: -1 })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([s, t, y]);
  });
});
