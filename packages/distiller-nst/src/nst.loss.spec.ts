import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues, expectStageFeatureGradients } from '@kd/testing';
import { channelDistributions, nstLossTerms, nstStageLoss, type NstLossOptions } from './nst.loss.js';
import { onCpuBackend, randomStageInputs, type StageFeatureCase } from '@kd/testing';

type FixtureCase = StageFeatureCase<NstLossOptions, { nst: number; perStage: number[] }>;

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'nst-fixtures.json');
const KERNEL = { degree: 2, c: 0 };

onCpuBackend();

describe('nst-fixtures.json (PyTorch float64, checked there against mdistiller’s single_stage_nst_loss)', () => {
  it('covers pooling both ways, non-integer and non-square pooling, degrees 1–3 with an offset, batch sizes 2–6 and a dead channel', () => {
    const names = cases.map((c) => c.name);
    for (const n of [
      'student-larger-2x',
      'teacher-larger-2x-batch5',
      'non-integer-pool-7-to-4',
      'non-square-6x5-to-3x4',
      'dead-student-channel',
    ])
      expect(names).toContain(n);
    for (const d of [1, 2, 3]) expect(cases.some((c) => c.options.degree === d)).toBe(true);
    expect(cases.some((c) => c.options.c > 0)).toBe(true);
    expect(new Set(cases.map((c) => c.labels.length))).toEqual(new Set([2, 3, 4, 5, 6]));
  });
});

describeOnBackends('nst-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, nst and per-stage losses match', () => {
      tf.tidy(() => {
        const fs = c.studentFeatures.map((f) => tf.tensor4d(f));
        const ft = c.teacherFeatures.map((f) => tf.tensor4d(f));
        const r = nstLossTerms(
          { studentFeatures: fs, teacherFeatures: ft, studentLogits: tf.tensor2d(c.studentLogits), labels: tf.tensor1d(c.labels, 'int32') },
          c.options,
        );
        expectTermValues(b, r, c.expected, ['total', 'ce', 'nst']);
        c.expected.perStage.forEach((v, i) => b.value(nstStageLoss(fs[i]!, ft[i]!, c.options).dataSync()[0]!, v, `stage ${i}`));
      });
    });

    it('gradients w.r.t. every student feature and the logits match; the teacher gets none', () => {
      expectStageFeatureGradients(b, c, (inputs) => nstLossTerms(inputs, c.options).total, true);
    });
  });
});

describe('hand checks', () => {
  it('normalises each channel over the positions', () => {
    tf.tidy(() => {
      // B = 1, 2×1 map (NHWC): channel 0 over the two positions is (3, 4) → (0.6, 0.8), channel 1 is (1, 0) → (1, 0)
      const f = tf.tensor4d([[[[3, 1]], [[4, 0]]]]);
      expect(relErr(channelDistributions(f).dataSync(), [0.6, 1, 0.8, 0])).toBeLessThan(1e-7);
    });
  });

  it('plain-JS float64 MMD² of one stage from the definition', () => {
    // B = 1, two positions. Student channels (unit vectors over the positions): s1 = (1, 0), s2 = (0.6, 0.8);
    // teacher channel t1 = (0.8, 0.6). k = ⟨·,·⟩²:
    //   mean k(S, S) = (1 + 0.36 + 0.36 + 1) / 4 = 0.68;  mean k(T, T) = 1;  mean k(S, T) = (0.64 + 0.96²) / 2 = 0.7808
    const expected = 1 + 0.68 - 2 * 0.7808;
    tf.tidy(() => {
      const s = tf.tensor4d([[[[2, 3]], [[0, 4]]]]);
      const t = tf.tensor4d([[[[4]], [[3]]]]);
      expect(relErr(nstStageLoss(s, t, KERNEL).dataSync()[0]!, expected)).toBeLessThan(1e-6);
    });
  });

  it('is 0 when student and teacher have the same channels up to a positive scale each, and positive otherwise', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
      expect(nstStageLoss(f, tf.mul(f, tf.tensor1d([1, 2, 3, 4, 5])) as tf.Tensor4D, KERNEL).dataSync()[0]).toBeLessThan(1e-6);
      const g = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
      expect(nstStageLoss(f, g, KERNEL).dataSync()[0]).toBeGreaterThan(1e-3);
    });
  });

  it('leaks no tensors', () => {
    const { s, t, z, y } = randomStageInputs([2, 4, 4, 3], [2, 2, 2, 5], 3, [0, 1], 1);
    const before = tf.memory().numTensors;
    const r = nstLossTerms(
      { studentFeatures: [s], teacherFeatures: [t], studentLogits: z, labels: y },
      { ...KERNEL, beta: 50, ceWeight: 1 },
    );
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([r.total, r.ce, r.nst, s, t, z, y]);
  });
});
