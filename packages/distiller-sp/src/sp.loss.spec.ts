import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, type StageFeatureCase, relErr, expectTermValues } from '@kd/testing';
import { similarityMatrix } from './similarity-matrix.js';
import { spLossTerms, spStageLoss, type SpLossOptions } from './sp.loss.js';

type FixtureCase = StageFeatureCase<SpLossOptions, { sp: number; perStage: number[]; studentGram: number[][][] }>;

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'sp-fixtures.json');

function tensors(c: FixtureCase) {
  return {
    fs: c.studentFeatures.map((f) => tf.tensor4d(f)),
    ft: c.teacherFeatures.map((f) => tf.tensor4d(f)),
    zs: tf.tensor2d(c.studentLogits),
    y: tf.tensor1d(c.labels, 'int32'),
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('sp-fixtures.json (PyTorch float64, the mdistiller/RepDistiller similarity_loss)', () => {
  it('covers batch sizes 1 to 16, mismatched channels and spatial sizes, several stages and a dead student sample', () => {
    const names = cases.map((c) => c.name);
    for (const n of ['batch-of-one', 'different-spatial-and-channels-b7', 'three-stages-b3', 'dead-student-sample-b4', 'no-ce-b16'])
      expect(names).toContain(n);
    expect(new Set(cases.map((c) => c.labels.length)).size).toBeGreaterThanOrEqual(5);
  });
});

describeOnBackends('sp-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, sp, every stage and the student similarity matrices match', () => {
      tf.tidy(() => {
        const { fs, ft, zs, y } = tensors(c);
        const r = spLossTerms({ studentFeatures: fs, teacherFeatures: ft, studentLogits: zs, labels: y }, c.options);
        expectTermValues(b, r, c.expected, ['total', 'ce', 'sp']);
        c.expected.perStage.forEach((v, i) => b.value(spStageLoss(fs[i]!, ft[i]!).dataSync()[0]!, v, `stage ${i}`));
        fs.forEach((f, i) => b.value(similarityMatrix(f).dataSync(), c.expected.studentGram[i]!.flat(), `G ${i}`));
      });
    });

    it('gradients w.r.t. every student feature and the logits match', () => {
      tf.tidy(() => {
        const { fs, ft, zs, y } = tensors(c);
        const grads = tf.grads(
          (...xs: tf.Tensor[]) =>
            spLossTerms(
              { studentFeatures: xs.slice(0, -1), teacherFeatures: ft, studentLogits: xs.at(-1) as tf.Tensor2D, labels: y },
              c.options,
            ).total,
        )([...fs, zs]);
        c.expected.gradStudentFeatures.forEach((g, i) => {
          expect(Array.from(grads[i]!.dataSync()).every(Number.isFinite)).toBe(true);
          b.gradient(grads[i]!.dataSync(), g.flat(3), `feature ${i}`);
        });
        b.gradient(grads.at(-1)!.dataSync(), c.expected.gradStudentLogits.flat(), 'logits');
      });
    });
  });
});

describe('spStageLoss by hand', () => {
  it('equals the float64 value of a 2-sample example worked from the definition', () => {
    // Student samples (1, 0) and (1, 1): F·Fᵀ = [[1, 1], [1, 2]], rows normalised by √2 and √5.
    // Teacher samples (1, 0) and (0, 1): F·Fᵀ = I. Loss = Σ (G_T − G_S)² / 4.
    const gs = [
      [1 / Math.SQRT2, 1 / Math.SQRT2],
      [1 / Math.sqrt(5), 2 / Math.sqrt(5)],
    ];
    const gt = [
      [1, 0],
      [0, 1],
    ];
    let expected = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expected += (gt[i]![j]! - gs[i]![j]!) ** 2;
    expected /= 4;
    tf.tidy(() => {
      const s = tf.tensor4d([[[[1, 0]]], [[[1, 1]]]]);
      const t = tf.tensor4d([[[[1, 0, 0]]], [[[0, 1, 0]]]]);
      expect(relErr(spStageLoss(s, t).dataSync()[0]!, expected)).toBeLessThan(1e-6);
    });
  });

  it('is 0 for a teacher feature that is a scaled copy of the student’s, and the same for any flattening order', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([5, 3, 3, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
      expect(spStageLoss(f, tf.mul(f, 7)).dataSync()[0]).toBeLessThan(1e-10);
      const g = tf.randomNormal([5, 2, 2, 6], 0, 1, 'float32', 2) as tf.Tensor4D;
      const a = spStageLoss(f, g).dataSync()[0]!;
      expect(a).toBeGreaterThan(0);
      const b = spStageLoss(tf.transpose(f, [0, 3, 1, 2]), tf.transpose(g, [0, 3, 2, 1])).dataSync()[0]!;
      expect(relErr(b, a)).toBeLessThan(1e-6);
    });
  });

  it('refuses features with different batch sizes', () => {
    tf.tidy(() => {
      expect(() => spStageLoss(tf.zeros([2, 2, 2, 1]), tf.zeros([3, 2, 2, 1]))).toThrow(/one batch size/);
    });
  });
});

describe('spLossTerms', () => {
  it('gives the teacher features no gradient and leaks no tensors', () => {
    const fs = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const ft = tf.randomNormal([4, 2, 2, 5], 0, 1, 'float32', 4) as tf.Tensor4D;
    const zs = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const before = tf.memory().numTensors;
    const [gs, gt] = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) =>
        spLossTerms({ studentFeatures: [a], teacherFeatures: [b], studentLogits: zs, labels: y }, { ceWeight: 1, beta: 3000 }).total,
    )([fs, ft]);
    expect(Array.from(gs!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(gt!.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([gs!, gt!]);
    expect(tf.memory().numTensors).toBe(before);
    const r = spLossTerms({ studentFeatures: [fs], teacherFeatures: [ft], studentLogits: zs, labels: y }, { ceWeight: 1, beta: 3000 });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([r.total, r.ce, r.sp, fs, ft, zs, y]);
  });
});
