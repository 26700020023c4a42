import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues, expectStageFeatureGradients } from '@kd/testing';
import { featureMatrix, kdsvdLossTerms, type KdsvdLossOptions } from './kdsvd.loss.js';
import { topRightSingularVectors } from './singular-vectors.js';
import { symmetricEigen } from './symmetric-eigen.js';
import { onCpuBackend, type StageFeatureCase } from '@kd/testing';

type FixtureCase = StageFeatureCase<KdsvdLossOptions, { kdsvd: number; perPair: number[] }>;

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'kdsvd-fixtures.json');

onCpuBackend();

describe('kdsvd-fixtures.json (PyTorch float64: torch.svd and its autograd backward)', () => {
  it('covers 2 and 3 stages, batch sizes 2–5, a wide matrix, k = 2, and the channel layout', () => {
    expect(cases.some((c) => c.studentFeatures.length === 3)).toBe(true);
    expect(new Set(cases.map((c) => c.labels.length))).toEqual(new Set([2, 3, 4, 5]));
    expect(cases.some((c) => c.options.k === 2)).toBe(true);
    expect(cases.some((c) => c.options.vectorsOver === 'channels')).toBe(true);
    expect(cases.map((c) => c.name)).toContain('wide-matrix-b2');
  });
});

describeOnBackends('kdsvd-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, kdsvd and per-pair terms match', () => {
      tf.tidy(() => {
        const r = kdsvdLossTerms(
          {
            studentFeatures: c.studentFeatures.map((f) => tf.tensor4d(f)),
            teacherFeatures: c.teacherFeatures.map((f) => tf.tensor4d(f)),
            studentLogits: tf.tensor2d(c.studentLogits),
            labels: tf.tensor1d(c.labels, 'int32'),
          },
          c.options,
        );
        expectTermValues(b, r, c.expected, ['total', 'ce', 'kdsvd']);
        b.value(
          r.perPair.map((p) => p.dataSync()[0]!),
          c.expected.perPair,
          'per pair',
        );
      });
    });

    it('gradients w.r.t. every student feature and the logits match', () => {
      expectStageFeatureGradients(b, c, (inputs) => kdsvdLossTerms(inputs, c.options).total);
    });
  });
});

describe('hand checks', () => {
  const O: KdsvdLossOptions = { beta: 1, ceWeight: 1, k: 1, extraCandidates: 3, vectorsOver: 'width' };

  it('symmetricEigen: eigenpairs of [[2, 1], [1, 2]] are 3 with (1, 1)/√2 and 1 with (1, −1)/√2', () => {
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(e.vectors[0]! * e.vectors[2]!).toBeCloseTo(0.5, 12); // same sign: (1, 1)
    expect(e.vectors[1]! * e.vectors[3]!).toBeCloseTo(-0.5, 12); // opposite signs: (1, −1)
  });

  it('top right singular vector of a rank-one matrix u vᵀ is ±v, with its largest entry made positive', () => {
    tf.tidy(() => {
      // X = u vᵀ with v = (−3, 0, 4)/5: the rule turns it to (+) on the 4/5 entry
      const x = tf.tensor3d([
        [
          [-3, 0, 4],
          [-6, 0, 8],
        ],
      ]);
      const v = topRightSingularVectors(x, 1).dataSync();
      expect(relErr(v, [-0.6, 0, 0.8])).toBeLessThan(1e-7);
    });
  });

  it('featureMatrix "width" is the NCHW view [B, C·H, W]: rows run over (channel, row), columns over the width', () => {
    tf.tidy(() => {
      // NHWC [1, 2, 3, 2]: value = 100·c + 10·h + w
      const f = tf.tensor4d(
        Array.from({ length: 12 }, (_, i) => {
          const c = i % 2;
          const w = Math.floor(i / 2) % 3;
          const h = Math.floor(i / 6);
          return 100 * c + 10 * h + w;
        }),
        [1, 2, 3, 2],
      );
      expect(featureMatrix(f, 'width').arraySync()).toEqual([
        [
          [0, 1, 2],
          [10, 11, 12],
          [100, 101, 102],
          [110, 111, 112],
        ],
      ]);
      expect(featureMatrix(f, 'channels').shape).toEqual([1, 6, 2]);
    });
  });

  it('is 0 when the student’s features are the teacher’s (the vectors coincide), and positive otherwise', () => {
    tf.tidy(() => {
      const a = tf.relu(tf.randomNormal([3, 6, 6, 4], 0, 1, 'float32', 1)) as tf.Tensor4D;
      const b = tf.relu(tf.randomNormal([3, 3, 3, 8], 0, 1, 'float32', 2)) as tf.Tensor4D;
      const inputs = { studentLogits: tf.zeros([3, 2]) as tf.Tensor2D, labels: tf.tensor1d([0, 1, 0], 'int32') };
      expect(kdsvdLossTerms({ ...inputs, studentFeatures: [a, b], teacherFeatures: [a, b] }, O).kdsvd.dataSync()[0]).toBeLessThan(1e-10);
      const c = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 3) as tf.Tensor4D;
      expect(kdsvdLossTerms({ ...inputs, studentFeatures: [a, c], teacherFeatures: [a, b] }, O).kdsvd.dataSync()[0]).toBeGreaterThan(1e-4);
    });
  });

  it('rejects a single stage and mismatched widths', () => {
    tf.tidy(() => {
      const inputs = { studentLogits: tf.zeros([1, 2]) as tf.Tensor2D, labels: tf.tensor1d([0], 'int32') };
      const f = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
      expect(() => kdsvdLossTerms({ ...inputs, studentFeatures: [f], teacherFeatures: [f] }, O)).toThrow(/≥ 2/);
      const g = tf.zeros([1, 4, 5, 2]) as tf.Tensor4D;
      expect(() => kdsvdLossTerms({ ...inputs, studentFeatures: [f, f], teacherFeatures: [f, g] }, O)).toThrow(/one width/);
    });
  });

  it('leaks no tensors, forward or backward', () => {
    const s = [tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1), tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 2)] as tf.Tensor4D[];
    const t = [tf.randomNormal([2, 6, 6, 5], 0, 1, 'float32', 3), tf.randomNormal([2, 3, 3, 6], 0, 1, 'float32', 4)] as tf.Tensor4D[];
    const z = tf.randomNormal([2, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1], 'int32');
    const before = tf.memory().numTensors;
    const r = kdsvdLossTerms({ studentFeatures: s, teacherFeatures: t, studentLogits: z, labels: y }, O);
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose([r.total, r.ce, r.kdsvd, ...r.perPair]);
    const g = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) =>
        kdsvdLossTerms({ studentFeatures: [a as tf.Tensor4D, b as tf.Tensor4D], teacherFeatures: t, studentLogits: z, labels: y }, O).total,
    )(s);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([...g, ...s, ...t, z, y]);
  });
});
