import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describeCases, describeOnBackends, fixtureCases, relErr } from '@kd/testing';
import { PKT_EPS, pktLoss, pktLossTerms, similarityProbabilities, type PktLossOptions } from './pkt.loss.js';

interface FixtureCase {
  name: string;
  options: PktLossOptions;
  deadStudentRow: boolean;
  studentEmbedding: number[][];
  /** null marks a NaN entry (JSON has none). */
  teacherEmbedding: (number | null)[][];
  studentLogits: number[][];
  labels: number[];
  expected: {
    total: number;
    ce: number;
    pkt: number;
    studentProbabilities: number[][];
    gradStudentEmbedding: number[][];
    gradStudentLogits: number[][];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'pkt-fixtures.json');

/**
 * The one exception, for the value (not the gradients) of b2-signed on cpu (wasm's 1e-4 covers it): two samples whose
 * P_S and P_T nearly agree, so the loss (6.5e-4) is ~40 times smaller than its largest terms and float32 rounding of
 * P alone (~1e-7 relative) moves it by ~1e-5 relative.
 */
const valueTol = (name: string, tol: number) => (name === 'b2-signed' ? Math.max(tol, 2e-5) : tol);

function tensors(c: FixtureCase) {
  return {
    xs: tf.tensor2d(c.studentEmbedding),
    xt: tf.tensor2d(c.teacherEmbedding.map((r) => r.map((v) => (v === null ? NaN : v)))),
    zs: tf.tensor2d(c.studentLogits),
    y: tf.tensor1d(c.labels, 'int32'),
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('pkt-fixtures.json (PyTorch float64, checked there against the mdistiller/RepDistiller pkt_loss)', () => {
  it('covers batch sizes 2 to 16, unequal widths, the paper’s form, a dead student row, tiny norms and a NaN teacher entry', () => {
    const names = cases.map((c) => c.name);
    for (const n of ['b6-exclude-self', 'b4-zero-student-row', 'b5-small-norm', 'b5-nan-teacher-entry']) expect(names).toContain(n);
    expect(new Set(cases.map((c) => c.labels.length)).size).toBeGreaterThanOrEqual(5);
    expect(cases.some((c) => c.teacherEmbedding.flat().includes(null))).toBe(true);
    expect(cases.filter((c) => c.deadStudentRow).length).toBeGreaterThanOrEqual(2);
  });
});

describeOnBackends('pkt-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('total, ce, pkt and the student probabilities match', () => {
      tf.tidy(() => {
        const { xs, xt, zs, y } = tensors(c);
        const r = pktLossTerms({ studentEmbedding: xs, teacherEmbedding: xt, studentLogits: zs, labels: y }, c.options);
        b.value(r.total.dataSync()[0]!, c.expected.total, 'total', valueTol(c.name, b.tol));
        b.value(r.ce.dataSync()[0]!, c.expected.ce, 'ce');
        b.value(r.pkt.dataSync()[0]!, c.expected.pkt, 'pkt', valueTol(c.name, b.tol));
        const p = similarityProbabilities(xs, c.options.excludeSelf).dataSync();
        b.value(p, c.expected.studentProbabilities.flat(), 'P_S');
      });
    });

    it('gradients w.r.t. the student embedding and logits match (finite also at a dead row)', () => {
      tf.tidy(() => {
        const { xs, xt, zs, y } = tensors(c);
        const [gx, gz] = tf.grads(
          (a: tf.Tensor, b: tf.Tensor) =>
            pktLossTerms(
              { studentEmbedding: a as tf.Tensor2D, teacherEmbedding: xt, studentLogits: b as tf.Tensor2D, labels: y },
              c.options,
            ).total,
        )([xs, zs]);
        expect(Array.from(gx!.dataSync()).every(Number.isFinite)).toBe(true);
        b.gradient(gx!.dataSync(), c.expected.gradStudentEmbedding.flat(), 'embedding');
        b.gradient(gz!.dataSync(), c.expected.gradStudentLogits.flat(), 'logits');
      });
    });
  });
});

describe('pktLoss by hand', () => {
  it('equals the float64 value of a 2-sample example worked from the definition', () => {
    // Student (1, 0), (0, 1): cos = I, K = [[1, ½], [½, 1]], P_S = [[⅔, ⅓], [⅓, ⅔]].
    // Teacher (1, 0), (2, 0): cos = 1 everywhere, P_T = ½ everywhere.
    const term = (pt: number, ps: number) => pt * Math.log((pt + PKT_EPS) / (ps + PKT_EPS));
    const expected = (2 * term(0.5, 2 / 3) + 2 * term(0.5, 1 / 3)) / 4;
    expect(expected).toBeCloseTo(Math.log(1.125) / 4, 6);
    tf.tidy(() => {
      const l = pktLoss(
        tf.tensor2d([
          [1, 0],
          [0, 1],
        ]),
        tf.tensor2d([
          [1, 0, 0],
          [2, 0, 0],
        ]),
        false,
      );
      expect(relErr(l.dataSync()[0]!, expected)).toBeLessThan(1e-6);
    });
  });

  it('is 0 when the teacher’s embeddings are per-sample rescalings of the student’s (only directions count)', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([6, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
      const scaled = tf.mul(x, tf.tensor2d([[1], [2], [0.5], [3], [1.5], [7]])) as tf.Tensor2D;
      expect(Math.abs(pktLoss(x, scaled, false).dataSync()[0]!)).toBeLessThan(1e-7);
      expect(pktLoss(x, tf.randomNormal([6, 9], 0, 1, 'float32', 2) as tf.Tensor2D, false).dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('gives rows that sum to 1, with a zero diagonal when excluding self-similarity', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
      for (const excludeSelf of [false, true]) {
        const p = similarityProbabilities(x, excludeSelf).arraySync();
        p.forEach((row, i) => {
          expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
          if (excludeSelf) expect(row[i]).toBe(0);
          else expect(row[i]).toBeGreaterThan(0);
        });
      }
    });
  });

  it('refuses embeddings with different batch sizes', () => {
    tf.tidy(() => {
      expect(() => pktLoss(tf.zeros([2, 3]), tf.zeros([3, 3]), false)).toThrow(/one batch size/);
    });
  });
});

describe('pktLossTerms', () => {
  it('gives the teacher embedding no gradient and leaks no tensors', () => {
    const xs = tf.randomNormal([4, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
    const xt = tf.randomNormal([4, 8], 0, 1, 'float32', 5) as tf.Tensor2D;
    const zs = tf.randomNormal([4, 3], 0, 1, 'float32', 6) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const options = { ceWeight: 1, beta: 30000, excludeSelf: false };
    const before = tf.memory().numTensors;
    const [gs, gt] = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) =>
        pktLossTerms({ studentEmbedding: a as tf.Tensor2D, teacherEmbedding: b as tf.Tensor2D, studentLogits: zs, labels: y }, options)
          .total,
    )([xs, xt]);
    expect(Array.from(gs!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(gt!.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([gs!, gt!]);
    expect(tf.memory().numTensors).toBe(before);
    const r = pktLossTerms({ studentEmbedding: xs, teacherEmbedding: xt, studentLogits: zs, labels: y }, options);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([r.total, r.ce, r.pkt, xs, xt, zs, y]);
  });
});
