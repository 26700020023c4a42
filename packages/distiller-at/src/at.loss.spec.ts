import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { adaptiveAvgPool2d, adaptivePoolMatrix } from '@kd/core';
import { attentionMap } from './attention-map.js';
import { AT_LOSS_DEFAULTS, atLoss, atLossTerms, atStageLoss, type AtLossOptions } from './at.loss.js';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues, expectStageFeatureGradients } from '@kd/testing';
import { onCpuBackend, randomStageInputs, type StageFeatureCase } from '@kd/testing';

type FixtureCase = StageFeatureCase<
  Required<AtLossOptions>,
  { at: number; kd: number; perStage: number[]; studentMapSample0: number[][] }
> & { teacherLogits: number[][] };

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'at-fixtures.json');

function tensors(c: FixtureCase) {
  return {
    fs: c.studentFeatures.map((f) => tf.tensor4d(f)),
    ft: c.teacherFeatures.map((f) => tf.tensor4d(f)),
    zs: tf.tensor2d(c.studentLogits),
    zt: tf.tensor2d(c.teacherLogits),
    y: tf.tensor1d(c.labels, 'int32'),
  };
}

onCpuBackend();

describe('at-fixtures.json (PyTorch float64, checked there against mdistiller’s single_stage_at_loss)', () => {
  it('covers pooling in both directions, non-integer and non-square pooling, p ∈ {1, 2, 4}, a logit term and a dead map', () => {
    const names = cases.map((c) => c.name);
    for (const n of ['student-larger-2x', 'teacher-larger-2x', 'non-integer-pool-7-to-4', 'non-square-6x5-to-3x4', 'dead-student-map'])
      expect(names).toContain(n);
    for (const p of [1, 2, 4]) expect(cases.some((c) => c.options.p === p)).toBe(true);
    expect(cases.some((c) => c.options.kdWeight > 0)).toBe(true);
  });
});

describeOnBackends('at-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, at, kd and per-stage losses match', () => {
      tf.tidy(() => {
        const { fs, ft, zs, zt, y } = tensors(c);
        const r = atLossTerms({ studentFeatures: fs, teacherFeatures: ft, studentLogits: zs, teacherLogits: zt, labels: y }, c.options);
        expectTermValues(b, r, c.expected, ['total', 'ce', 'at']);
        if (c.options.kdWeight > 0) b.value(r.kd!.dataSync()[0]!, c.expected.kd, 'kd');
        else expect(r.kd).toBeUndefined();
        c.expected.perStage.forEach((v, i) => b.value(atStageLoss(fs[i]!, ft[i]!, c.options.p).dataSync()[0]!, v, `stage ${i}`));
        fs.forEach((f, i) => {
          const map = attentionMap(f, c.options.p).arraySync()[0]!;
          b.value(map, c.expected.studentMapSample0[i]!, `map ${i}`);
        });
      });
    });

    it('gradients w.r.t. every student feature and the logits match', () => {
      expectStageFeatureGradients(
        b,
        c,
        (inputs) => atLossTerms({ ...inputs, teacherLogits: tf.tensor2d(c.teacherLogits) }, c.options).total,
      );
    });
  });
});

describe('adaptiveAvgPool2d', () => {
  it('matches hand-computed PyTorch bins (7 → 4 overlaps: [0,2) [1,4) [3,6) [5,7))', () => {
    const m = adaptivePoolMatrix(7, 4);
    expect(m.map((row) => row.map((v) => (v > 0 ? 1 : 0)).join(''))).toEqual(['1100000', '0111000', '0001110', '0000011']);
    expect(m[1]![2]).toBeCloseTo(1 / 3, 15);
    expect(adaptivePoolMatrix(4, 2)).toEqual([
      [0.5, 0.5, 0, 0],
      [0, 0, 0.5, 0.5],
    ]);
  });

  it('equals 2×2 average pooling for an even halving, and the identity for the same size', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      expect(relErr(adaptiveAvgPool2d(x, [3, 2]).dataSync(), tf.avgPool(x, 2, 2, 'valid').dataSync())).toBeLessThan(1e-6);
      expect(adaptiveAvgPool2d(x, [6, 4]).dataSync()).toEqual(x.dataSync());
    });
  });

  it('rejects growing a map', () => {
    tf.tidy(() => {
      expect(() => adaptiveAvgPool2d(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, [3, 2])).toThrow(/cannot pool 2 cells to 3/);
    });
  });
});

describe('atLoss / atLossTerms', () => {
  it('defaults to mdistiller’s CIFAR-100 AT: p 2, β 1000, CE 1, no logit term', () => {
    expect(AT_LOSS_DEFAULTS).toEqual({ beta: 1000, p: 2, ceWeight: 1, kdWeight: 0, temperature: 4 });
  });

  it('is 0 for proportional features (maps are normalised per sample) and ≥ 0 otherwise', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
      expect(atStageLoss(f, tf.mul(f, 3) as tf.Tensor4D).dataSync()[0]).toBeLessThan(1e-12);
      const g = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
      expect(atStageLoss(f, g).dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('plain-JS float64 check of one stage from the definition', () => {
    // B = 1, 2×1 map, C = 2: Q_S ∝ [mean(1,9), mean(4,0)] = [5, 2]; Q_T ∝ [mean(0,1), mean(1,1)] = [0.5, 1]
    const qs = [5, 2].map((v) => v / Math.hypot(5, 2));
    const qt = [0.5, 1].map((v) => v / Math.hypot(0.5, 1));
    const expected = ((qs[0]! - qt[0]!) ** 2 + (qs[1]! - qt[1]!) ** 2) / 2;
    tf.tidy(() => {
      const s = tf.tensor4d([[[[1, -3]], [[2, 0]]]]);
      const t = tf.tensor4d([[[[0, 1]], [[1, -1]]]]);
      expect(relErr(atStageLoss(s, t).dataSync()[0]!, expected)).toBeLessThan(1e-6);
    });
  });

  it('gives the teacher features and logits no gradient', () => {
    tf.tidy(() => {
      const fs = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const ft = tf.randomNormal([2, 4, 4, 6], 0, 1, 'float32', 5) as tf.Tensor4D;
      const zs = tf.randomNormal([2, 5], 0, 1, 'float32', 6) as tf.Tensor2D;
      const zt = tf.randomNormal([2, 5], 0, 1, 'float32', 7) as tf.Tensor2D;
      const y = tf.tensor1d([1, 3], 'int32');
      const [gs, gt, gzt] = tf.grads(
        (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          atLossTerms(
            {
              studentFeatures: [a as tf.Tensor4D],
              teacherFeatures: [b as tf.Tensor4D],
              studentLogits: zs,
              teacherLogits: c as tf.Tensor2D,
              labels: y,
            },
            { kdWeight: 1 },
          ).total,
      )([fs, ft, zt]);
      expect(tf.max(tf.abs(gs!)).dataSync()[0]).toBeGreaterThan(1e-4);
      expect(tf.max(tf.abs(gt!)).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(gzt!)).dataSync()[0]).toBe(0);
    });
  });

  it('rejects bad options and shapes', () => {
    tf.tidy(() => {
      const f = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
      const z = tf.zeros([2, 3]) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1], 'int32');
      const base = { studentFeatures: [f], teacherFeatures: [f], studentLogits: z, teacherLogits: z, labels: y };
      expect(() => atLossTerms(base, { beta: -1 })).toThrow(/beta/);
      expect(() => atLossTerms(base, { p: 0.5 })).toThrow(/p must/);
      expect(() => atLossTerms(base, { temperature: 0 })).toThrow(/temperature/);
      expect(() => atLossTerms({ ...base, teacherFeatures: [] })).toThrow(/as many/);
      expect(() => atLossTerms({ ...base, labels: tf.tensor1d([0], 'int32') })).toThrow(/labels/);
      expect(() => atLoss([f], [tf.zeros([3, 2, 2, 1]) as tf.Tensor4D])).toThrow(/one batch size/);
    });
  });

  it('leaks no tensors (forward and gradient)', () => {
    const { s: fs, t: ft, z, y } = randomStageInputs([2, 6, 6, 3], [2, 4, 4, 5], 4, [0, 2], 8);
    const before = tf.memory().numTensors;
    const r = atLossTerms(
      { studentFeatures: [fs], teacherFeatures: [ft], studentLogits: z, teacherLogits: z, labels: y },
      { kdWeight: 0.5 },
    );
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose([r.total, r.ce, r.at, r.kd!]);
    const g = tf.grad((x: tf.Tensor) => atLoss([x as tf.Tensor4D], [ft]))(fs);
    expect(tf.memory().numTensors).toBe(before + 1);
    g.dispose();
    tf.dispose([fs, ft, z, y]);
  });
});
