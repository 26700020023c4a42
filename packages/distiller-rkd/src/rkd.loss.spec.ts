import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues } from '@kd/testing';
import { angleCosines, normalisedDistances, pairwiseDistances, rkdLossTerms, smoothL1, type RkdLossOptions } from './rkd.loss.js';

interface FixtureCase {
  name: string;
  options: RkdLossOptions;
  studentEmbedding: number[][];
  teacherEmbedding: number[][];
  studentLogits: number[][];
  labels: number[];
  expected: {
    total: number;
    ce: number;
    distance: number;
    angle: number;
    studentDistances: number[][];
    gradStudentEmbedding: number[][];
    gradStudentLogits: number[][];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'rkd-fixtures.json');

const DEFAULTS: RkdLossOptions = { distanceWeight: 25, angleWeight: 50, ceWeight: 1, squared: false, eps: 1e-12 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('rkd-fixtures.json (PyTorch float64, checked there against a transcription of mdistiller’s rkd_loss)', () => {
  it('covers batch sizes 2–16, squared distances, another eps, the linear Huber branch and zero angle weight', () => {
    const sizes = new Set(cases.map((c) => c.studentEmbedding.length));
    expect([...sizes].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 16]);
    expect(cases.some((c) => c.options.squared)).toBe(true);
    expect(cases.some((c) => c.options.eps !== 1e-12)).toBe(true);
    expect(cases.some((c) => c.options.angleWeight === 0)).toBe(true);
  });
});

describeOnBackends('rkd-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, distance, angle and the normalised distance matrix match', () => {
      tf.tidy(() => {
        const s = tf.tensor2d(c.studentEmbedding);
        const r = rkdLossTerms(
          {
            studentEmbedding: s,
            teacherEmbedding: tf.tensor2d(c.teacherEmbedding),
            studentLogits: tf.tensor2d(c.studentLogits),
            labels: tf.tensor1d(c.labels, 'int32'),
          },
          c.options,
        );
        expectTermValues(b, r, c.expected, ['total', 'ce', 'distance', 'angle']);
        const d = normalisedDistances(s, c.options.squared, c.options.eps).dataSync();
        b.value(d, c.expected.studentDistances.flat(), 'distances');
      });
    });

    it('gradients w.r.t. the student embedding and logits match; the teacher gets none', () => {
      tf.tidy(() => {
        const t0 = tf.tensor2d(c.teacherEmbedding);
        const y = tf.tensor1d(c.labels, 'int32');
        const [gs, gz, gt] = tf.grads(
          (s: tf.Tensor, z: tf.Tensor, t: tf.Tensor) =>
            rkdLossTerms(
              { studentEmbedding: s as tf.Tensor2D, teacherEmbedding: t as tf.Tensor2D, studentLogits: z as tf.Tensor2D, labels: y },
              c.options,
            ).total,
        )([tf.tensor2d(c.studentEmbedding), tf.tensor2d(c.studentLogits), t0]);
        expect(Array.from(gs!.dataSync()).every(Number.isFinite)).toBe(true);
        b.gradient(gs!.dataSync(), c.expected.gradStudentEmbedding.flat(), 'embedding');
        b.gradient(gz!.dataSync(), c.expected.gradStudentLogits.flat(), 'logits');
        expect(tf.max(tf.abs(gt!)).dataSync()[0]).toBe(0);
      });
    });
  });
});

describe('hand checks', () => {
  it('distances of a 3-4-5 triangle: |e_i − e_j| with a zero diagonal, divided by their mean 4', () => {
    tf.tidy(() => {
      const e = tf.tensor2d([
        [0, 0],
        [3, 0],
        [0, 4],
      ]);
      expect(relErr(pairwiseDistances(e, false, 1e-12).dataSync(), [0, 3, 4, 3, 0, 5, 4, 5, 0])).toBeLessThan(1e-6);
      expect(relErr(pairwiseDistances(e, true, 1e-12).dataSync(), [0, 9, 16, 9, 0, 25, 16, 25, 0])).toBeLessThan(1e-6);
      expect(
        relErr(
          normalisedDistances(e, false, 1e-12).dataSync(),
          [0, 3, 4, 3, 0, 5, 4, 5, 0].map((v) => v / 4),
        ),
      ).toBeLessThan(1e-6);
    });
  });

  it('angle cosines of the same triangle: the right angle at e_0 is 0, cos at e_1 is 3/5, at e_2 is 4/5', () => {
    tf.tidy(() => {
      const a = angleCosines(
        tf.tensor2d([
          [0, 0],
          [3, 0],
          [0, 4],
        ]),
      ).arraySync();
      expect(a[0]![1]![2]).toBeCloseTo(0, 6);
      expect(a[1]![0]![2]).toBeCloseTo(3 / 5, 6);
      expect(a[2]![0]![1]).toBeCloseTo(4 / 5, 6);
      for (let i = 0; i < 3; i++) {
        expect(a[i]![i]![(i + 1) % 3]).toBe(0); // degenerate triples: the zero vector has cosine 0
        expect(a[i]![(i + 1) % 3]![(i + 1) % 3]).toBeCloseTo(1, 6);
      }
    });
  });

  it('smooth L1 is quadratic below 1 and linear beyond: mean(0.5·0.25, 2 − 0.5) = 0.8125', () => {
    tf.tidy(() => {
      expect(smoothL1(tf.tensor1d([0.5, -2]), tf.tensor1d([0, 0])).dataSync()[0]).toBeCloseTo(0.8125, 7);
      // gradient: x below 1, sign(x) beyond, over the mean's 2 entries
      const g = tf.grad((a: tf.Tensor) => smoothL1(a, tf.tensor1d([0, 0])))(tf.tensor1d([0.5, -2]));
      expect(Array.from(g.dataSync())).toEqual([0.25, -0.5]);
    });
  });

  it('is 0 when the teacher embedding is the student’s rotated, scaled and shifted (only relations count)', () => {
    tf.tidy(() => {
      const s = tf.randomNormal([6, 2], 0, 1, 'float32', 4) as tf.Tensor2D;
      const c = Math.cos(0.7);
      const n = Math.sin(0.7);
      const t = tf.add(
        tf.mul(
          tf.matMul(
            s,
            tf.tensor2d([
              [c, n],
              [-n, c],
            ]),
          ),
          3.5,
        ),
        tf.tensor1d([2, -1]),
      ) as tf.Tensor2D;
      const r = rkdLossTerms(
        {
          studentEmbedding: s,
          teacherEmbedding: t,
          studentLogits: tf.zeros([6, 3]) as tf.Tensor2D,
          labels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
        },
        DEFAULTS,
      );
      expect(r.distance.dataSync()[0]).toBeLessThan(1e-10);
      expect(r.angle.dataSync()[0]).toBeLessThan(1e-10);
      expect(r.ce.dataSync()[0]).toBeCloseTo(Math.log(3), 6);
      // a teacher that is not a similarity transform of the student gives a positive loss
      const other = rkdLossTerms(
        {
          studentEmbedding: s,
          teacherEmbedding: tf.randomNormal([6, 2], 0, 1, 'float32', 5) as tf.Tensor2D,
          studentLogits: tf.zeros([6, 3]) as tf.Tensor2D,
          labels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
        },
        DEFAULTS,
      );
      expect(other.distance.dataSync()[0]).toBeGreaterThan(1e-3);
      expect(other.angle.dataSync()[0]).toBeGreaterThan(1e-3);
    });
  });

  it('keeps the gradient finite for coincident samples (the eps clamp) and rejects a batch of one', () => {
    tf.tidy(() => {
      const s = tf.tensor2d([
        [1, 2],
        [1, 2],
        [0, 1],
      ]);
      const g = tf.grad(
        (x: tf.Tensor) =>
          rkdLossTerms(
            {
              studentEmbedding: x as tf.Tensor2D,
              teacherEmbedding: tf.tensor2d([
                [0, 1],
                [2, 0],
                [1, 1],
              ]),
              studentLogits: tf.zeros([3, 2]) as tf.Tensor2D,
              labels: tf.tensor1d([0, 1, 0], 'int32'),
            },
            DEFAULTS,
          ).total,
      )(s);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      expect(() =>
        rkdLossTerms(
          {
            studentEmbedding: tf.zeros([1, 2]) as tf.Tensor2D,
            teacherEmbedding: tf.zeros([1, 2]) as tf.Tensor2D,
            studentLogits: tf.zeros([1, 2]) as tf.Tensor2D,
            labels: tf.tensor1d([0], 'int32'),
          },
          DEFAULTS,
        ),
      ).toThrow(/at least 2 samples/);
    });
  });

  it('leaks no tensors', () => {
    const s = tf.randomNormal([5, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const t = tf.randomNormal([5, 6], 0, 1, 'float32', 2) as tf.Tensor2D;
    const z = tf.randomNormal([5, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 0, 1], 'int32');
    const before = tf.memory().numTensors;
    const r = rkdLossTerms({ studentEmbedding: s, teacherEmbedding: t, studentLogits: z, labels: y }, DEFAULTS);
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose([r.total, r.ce, r.distance, r.angle, s, t, z, y]);
  });
});
