import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { FITNET_LOSS_DEFAULTS, fitnetLossTerms, hintLoss, type FitnetLossOptions } from './fitnet.loss.js';
import { HintRegressor, regressorGeometry } from './regressor.js';
import { describeCases, describeOnBackends, fixtureCases, expectTermValues } from '@kd/testing';

interface FixtureCase {
  name: string;
  mode: string;
  options: Required<FitnetLossOptions> & { relu: boolean; kernelSize: 1 | 3 };
  studentShape: number[];
  teacherShape: number[];
  params: { kernel: number[][][][]; bias: number[]; gamma: number[]; beta: number[] };
  studentFeature: number[][][][];
  teacherFeature: number[][][][];
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
  expected: {
    regressed: number[][][][];
    hint: number;
    ce: number;
    kd: number;
    total: number;
    gradStudentFeature: number[][][][];
    gradStudentLogits: number[][];
    gradKernel: number[][][][];
    gradBias: number[];
    gradGamma: number[];
    gradBeta: number[];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'fitnet-fixtures.json');

/** A regressor for the case's shapes with the fixture's parameters assigned. */
function regressorFor(c: FixtureCase): HintRegressor {
  const r = new HintRegressor(regressorGeometry(c.studentShape, c.teacherShape, c.options.kernelSize), new Rng(1), {
    relu: c.options.relu,
  });
  tf.tidy(() => {
    r.kernel.assign(tf.tensor4d(c.params.kernel));
    r.bias.assign(tf.tensor1d(c.params.bias));
    r.gamma.assign(tf.tensor1d(c.params.gamma));
    r.beta.assign(tf.tensor1d(c.params.beta));
  });
  return r;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('fitnet-fixtures.json (PyTorch float64 with mdistiller’s ConvReg)', () => {
  it('covers every regressor geometry, both kernels, with and without ReLU, and a logit term', () => {
    expect(new Set(cases.map((c) => c.mode))).toEqual(new Set(['same', 'down2', 'up2', 'valid']));
    expect(cases.some((c) => c.options.kernelSize === 3)).toBe(true);
    expect(cases.some((c) => !c.options.relu)).toBe(true);
    expect(cases.some((c) => c.options.kdWeight > 0)).toBe(true);
  });
});

describeOnBackends('fitnet-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('regressor output, hint, ce, kd and total match', () => {
      const r = regressorFor(c);
      expect(r.geometry.mode).toBe(c.mode);
      tf.tidy(() => {
        const fs = tf.tensor4d(c.studentFeature);
        const out = r.apply(fs);
        expect(out.shape.slice(1)).toEqual(c.teacherShape);
        b.value(out.dataSync(), c.expected.regressed.flat(3), 'regressed');
        const t = fitnetLossTerms(
          {
            regressed: out,
            teacherFeature: tf.tensor4d(c.teacherFeature),
            studentLogits: tf.tensor2d(c.studentLogits),
            teacherLogits: tf.tensor2d(c.teacherLogits),
            labels: tf.tensor1d(c.labels, 'int32'),
          },
          c.options,
        );
        expectTermValues(b, t, c.expected, ['hint', 'ce', 'total']);
        if (c.options.kdWeight > 0) b.value(t.kd!.dataSync()[0]!, c.expected.kd, 'kd');
      });
      r.dispose();
    });

    it('gradients w.r.t. the student feature, logits and every regressor parameter match', () => {
      const r = regressorFor(c);
      tf.tidy(() => {
        const fs = tf.variable(tf.tensor4d(c.studentFeature));
        const zs = tf.variable(tf.tensor2d(c.studentLogits));
        const { grads } = tf.variableGrads(
          () =>
            fitnetLossTerms(
              {
                regressed: r.apply(fs as unknown as tf.Tensor4D),
                teacherFeature: tf.tensor4d(c.teacherFeature),
                studentLogits: zs as unknown as tf.Tensor2D,
                teacherLogits: tf.tensor2d(c.teacherLogits),
                labels: tf.tensor1d(c.labels, 'int32'),
              },
              c.options,
            ).total,
          [fs, zs, ...r.trainableVariables()],
        );
        const check = (v: tf.Variable, expected: number[], what: string) => b.gradient(grads[v.name]!.dataSync(), expected, what);
        check(fs, c.expected.gradStudentFeature.flat(3), 'student feature');
        check(zs, c.expected.gradStudentLogits.flat(), 'student logits');
        check(r.kernel, c.expected.gradKernel.flat(3), 'kernel');
        // BN in training mode cancels the conv bias: its true gradient is 0 (PyTorch: ~1e-16), so compare it on the
        // kernel gradient's scale rather than relative to itself
        const kernelScale = Math.max(...c.expected.gradKernel.flat(3).map(Math.abs));
        const biasDiff = Math.max(...Array.from(grads[r.bias.name]!.dataSync()).map((g, i) => Math.abs(g - c.expected.gradBias[i]!)));
        expect(biasDiff / kernelScale, 'bias').toBeLessThanOrEqual(b.tol);
        check(r.gamma, c.expected.gradGamma, 'gamma');
        check(r.beta, c.expected.gradBeta, 'beta');
        fs.dispose();
        zs.dispose();
      });
      r.dispose();
    });
  });
});

describe('HintRegressor', () => {
  it('chooses mdistiller’s ConvReg geometry and rejects the sizes it cannot map', () => {
    expect(regressorGeometry([8, 8, 4], [8, 8, 16]).kernelShape).toEqual([1, 1, 4, 16]);
    expect(regressorGeometry([8, 8, 4], [8, 8, 16], 3).kernelShape).toEqual([3, 3, 4, 16]);
    expect(regressorGeometry([14, 14, 4], [7, 7, 8])).toMatchObject({ mode: 'down2', kernelShape: [3, 3, 4, 8] });
    expect(regressorGeometry([7, 7, 4], [14, 14, 8])).toMatchObject({ mode: 'up2', kernelShape: [4, 4, 8, 4] });
    expect(regressorGeometry([7, 7, 4], [3, 3, 8])).toMatchObject({ mode: 'valid', kernelShape: [5, 5, 4, 8] });
    expect(() => regressorGeometry([4, 4, 4], [7, 7, 8])).toThrow(
      /\/distiller: the student hint feature is \[4,4,4\] and the teacher's \[7,7,8\]/,
    );
  });

  it('draws its weights from the Rng: PyTorch’s U(±1/√fan_in) bounds, reproducible, γ = 1, β = 0', () => {
    const g = regressorGeometry([4, 4, 8], [4, 4, 6], 3);
    const a = new HintRegressor(g, new Rng(5));
    const b = new HintRegressor(g, new Rng(5));
    const c = new HintRegressor(g, new Rng(6));
    const bound = 1 / Math.sqrt(3 * 3 * 8);
    const k = Array.from(a.kernel.dataSync());
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Array.from(b.kernel.dataSync())).toEqual(k);
    expect(Array.from(c.kernel.dataSync())).not.toEqual(k);
    expect(Array.from(a.gamma.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(a.beta.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(a.stateVariables().map((v) => v.name)).toEqual(['kernel', 'bias', 'gamma', 'beta']);
    expect(a.countParams()).toBe(3 * 3 * 8 * 6 + 6 + 6 + 6);
    for (const r of [a, b, c]) r.dispose();
    expect(a.kernel.isDisposed).toBe(true);
  });
});

describe('fitnetLossTerms', () => {
  it('defaults to mdistiller’s CIFAR-100 FitNet weights: hint 100, CE 1, no logit term', () => {
    expect(FITNET_LOSS_DEFAULTS).toEqual({ hintWeight: 100, ceWeight: 1, kdWeight: 0, temperature: 4 });
  });

  it('hint = mean squared error, checked by hand; the teacher feature gets no gradient', () => {
    tf.tidy(() => {
      const r = tf.tensor4d([[[[1, 2]], [[3, 4]]]]);
      const t = tf.tensor4d([[[[0, 2]], [[5, 1]]]]);
      expect(hintLoss(r, t).dataSync()[0]).toBeCloseTo((1 + 0 + 4 + 9) / 4, 6);
      const [, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => hintLoss(a as tf.Tensor4D, b as tf.Tensor4D))([r, t]);
      expect(Array.from(gt!.dataSync())).toEqual([0, 0, 0, 0]);
    });
  });

  it('rejects bad weights and mismatched shapes', () => {
    tf.tidy(() => {
      const f = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
      const z = tf.zeros([2, 4]) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1], 'int32');
      const base = { regressed: f, teacherFeature: f, studentLogits: z, teacherLogits: z, labels: y };
      expect(() => fitnetLossTerms(base, { hintWeight: -1 })).toThrow(/hintWeight/);
      expect(() => fitnetLossTerms(base, { temperature: 0 })).toThrow(/temperature/);
      expect(() => fitnetLossTerms({ ...base, teacherFeature: tf.zeros([2, 2, 2, 4]) as tf.Tensor4D })).toThrow(/must have one shape/);
      expect(() => fitnetLossTerms({ ...base, labels: tf.tensor1d([1], 'int32') })).toThrow(/labels/);
    });
  });
});
