import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { describeCases, describeOnBackends, fixtureCases } from '@kd/testing';
import { CrdModule } from './crd.module.js';
import { contrastScores, nceLoss, updatedMemory } from './crd.loss.js';
import { contrastIndices, otherClassContrastIndices, otherClassPositions } from './negatives.js';

interface FixtureCase {
  name: string;
  trainSize: number;
  featureDim: number;
  negatives: number;
  nceTemperature: number;
  momentum: number;
  normalizerGiven: [number, number] | null;
  studentEmbedding: number[][];
  teacherEmbedding: number[][];
  studentKernel: number[][];
  studentBias: number[];
  teacherKernel: number[][];
  teacherBias: number[];
  memoryStudent: number[][];
  memoryTeacher: number[][];
  index: number[];
  contrastIndex: number[][];
  expected: {
    crd: number;
    normalizer: [number, number];
    gradStudentEmbedding: number[][];
    gradStudentKernel: number[][];
    gradStudentBias: number[];
    gradTeacherKernel: number[][];
    gradTeacherBias: number[];
    memoryStudent: number[][];
    memoryTeacher: number[][];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'crd-fixtures.json');

/** A module for the case's sizes with the fixture's heads, banks and (when given) Z assigned. */
function moduleFor(c: FixtureCase): CrdModule {
  const m = new CrdModule(
    { studentDim: c.studentKernel.length, teacherDim: c.teacherKernel.length, featureDim: c.featureDim, trainSize: c.trainSize },
    new Rng(1),
  );
  tf.tidy(() => {
    m.studentKernel.assign(tf.tensor2d(c.studentKernel));
    m.studentBias.assign(tf.tensor1d(c.studentBias));
    m.teacherKernel.assign(tf.tensor2d(c.teacherKernel));
    m.teacherBias.assign(tf.tensor1d(c.teacherBias));
    m.memoryStudent.assign(tf.tensor2d(c.memoryStudent));
    m.memoryTeacher.assign(tf.tensor2d(c.memoryTeacher));
    if (c.normalizerGiven) m.normalizer.assign(tf.tensor1d(c.normalizerGiven));
  });
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('crd-fixtures.json (PyTorch float64, one CRD step as mdistiller’s CRD / ContrastMemory / ContrastLoss)', () => {
  it('covers a first step (Z estimated) and later steps (Z fixed), several batch sizes, K and d', () => {
    expect(cases.some((c) => c.normalizerGiven === null)).toBe(true);
    expect(cases.some((c) => c.normalizerGiven !== null)).toBe(true);
    expect(new Set(cases.map((c) => c.index.length)).size).toBeGreaterThan(2);
  });
});

describeOnBackends('crd-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    const options = { nceTemperature: c.nceTemperature, momentum: c.momentum };
    const index = Int32Array.from(c.index);
    const contrast = Int32Array.from(c.contrastIndex.flat());

    it('loss, gradients (student embedding, both heads), Z and the updated banks match', () => {
      const m = moduleFor(c);
      const fs = tf.variable(tf.tensor2d(c.studentEmbedding));
      const ft = tf.tensor2d(c.teacherEmbedding);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => m.step(fs as unknown as tf.Tensor2D, ft, index, contrast, options),
          [fs, ...m.trainableVariables()],
        );
        b.value(value.dataSync()[0]!, c.expected.crd, 'crd');
        const check = (v: tf.Variable, expected: number[], what: string) => b.gradient(grads[v.name]!.dataSync(), expected, what);
        check(fs, c.expected.gradStudentEmbedding.flat(), 'student embedding');
        check(m.studentKernel, c.expected.gradStudentKernel.flat(), 'student head kernel');
        check(m.studentBias, c.expected.gradStudentBias, 'student head bias');
        check(m.teacherKernel, c.expected.gradTeacherKernel.flat(), 'teacher head kernel');
        check(m.teacherBias, c.expected.gradTeacherBias, 'teacher head bias');
      });
      // the banks moved by the step are the reference's after its update; Z is set (or kept)
      b.value(m.normalizer.dataSync(), c.expected.normalizer, 'Z');
      b.value(m.memoryStudent.dataSync(), c.expected.memoryStudent.flat(), 'student bank');
      b.value(m.memoryTeacher.dataSync(), c.expected.memoryTeacher.flat(), 'teacher bank');
      // the rows outside the batch are untouched, bit for bit
      const d = c.featureDim;
      const bank = m.memoryStudent.dataSync();
      const inBatch = new Set(c.index);
      for (let r = 0; r < c.trainSize; r++)
        if (!inBatch.has(r))
          expect(Array.from(bank.subarray(r * d, (r + 1) * d))).toEqual(Array.from(Float32Array.from(c.memoryStudent[r]!)));
      expect(tf.memory().numTensors).toBe(before);
      fs.dispose();
      ft.dispose();
      m.dispose();
    });

    if (c.normalizerGiven === null)
      it('Z is estimated on the first step only, then fixed: a second step keeps it and uses it', () => {
        const m = moduleFor(c);
        tf.tidy(() => {
          m.step(tf.tensor2d(c.studentEmbedding), tf.tensor2d(c.teacherEmbedding), index, contrast, options);
          const z = Array.from(m.normalizer.dataSync());
          // another batch (the embeddings scaled, so its scores differ) leaves Z as it is
          const again = m.step(
            tf.mul(tf.tensor2d(c.studentEmbedding), 3) as tf.Tensor2D,
            tf.tensor2d(c.teacherEmbedding),
            index,
            contrast,
            options,
          );
          expect(Array.from(m.normalizer.dataSync())).toEqual(z);
          expect(Number.isFinite(again.dataSync()[0]!)).toBe(true);
        });
        m.dispose();
      });
  });
});

describe('CRD building blocks, by hand', () => {
  it('contrastScores = exp(bank[J]·v / T), the positive first', () => {
    tf.tidy(() => {
      const bank = tf.tensor2d([
        [1, 0],
        [0, 1],
        [0.6, 0.8],
      ]);
      const v = tf.tensor2d([
        [1, 0],
        [0, 1],
      ]);
      const p = contrastScores(bank, v, Int32Array.from([2, 1, 1, 0, 0, 2]), 0.5).arraySync();
      expect(p[0]![0]).toBeCloseTo(Math.exp(1.2), 5);
      expect(p[0]![1]).toBeCloseTo(1, 6);
      expect(p[0]![2]).toBeCloseTo(1, 6);
      expect(p[1]![0]).toBeCloseTo(1, 6);
      expect(p[1]![1]).toBeCloseTo(1, 6);
      expect(p[1]![2]).toBeCloseTo(Math.exp(1.6), 5);
      expect(() => contrastScores(bank, v, Int32Array.from([0, 3, 0, 1]), 1)).toThrow(/outside the memory bank/);
    });
  });

  it('nceLoss: one sample, one negative, N = 4 (K·Pn = 1/4), by hand', () => {
    tf.tidy(() => {
      const p = tf.tensor2d([[0.75, 0.25]]);
      const k = 0.25 + 1e-7;
      const expected = -(Math.log(0.75 / (0.75 + k)) + Math.log(0.25 / (0.25 + k)));
      expect(nceLoss(p, 4).dataSync()[0]).toBeCloseTo(expected, 6);
    });
  });

  it('updatedMemory: the batch’s rows move by momentum and are renormalised; others stay', () => {
    tf.tidy(() => {
      const bank = tf.tensor2d([
        [1, 0],
        [0, 2],
        [3, 4],
      ]);
      const out = updatedMemory(bank, tf.tensor2d([[0, 1]]), Int32Array.from([2]), 0.5).arraySync();
      // 0.5·(3, 4) + 0.5·(0, 1) = (1.5, 2.5), norm √8.5
      expect(out[2]![0]).toBeCloseTo(1.5 / Math.sqrt(8.5), 6);
      expect(out[2]![1]).toBeCloseTo(2.5 / Math.sqrt(8.5), 6);
      expect(out.slice(0, 2)).toEqual([
        [1, 0],
        [0, 2],
      ]);
      // a position twice in one batch would have its two new rows summed: refused, naming the positions
      expect(() =>
        updatedMemory(
          bank,
          tf.tensor2d([
            [0, 1],
            [1, 0],
          ]),
          Int32Array.from([1, 1]),
          0.5,
        ),
      ).toThrow(/distinct.*\[1, 1\]/);
    });
  });

  it('CrdModule: banks uniform in ±1/√(d/3) and Z −1 from the Rng; the same seed gives the same module', () => {
    const geometry = { studentDim: 5, teacherDim: 7, featureDim: 12, trainSize: 50 };
    const before = tf.memory().numTensors;
    const a = new CrdModule(geometry, new Rng(4));
    const b = new CrdModule(geometry, new Rng(4));
    const bank = Array.from(a.memoryTeacher.dataSync() as Float32Array);
    const stdv = 1 / Math.sqrt(12 / 3);
    expect(Math.max(...bank.map(Math.abs))).toBeLessThanOrEqual(stdv);
    expect(Math.max(...bank.map(Math.abs))).toBeGreaterThan(0.95 * stdv);
    expect(Math.abs(bank.reduce((s, x) => s + x, 0) / bank.length)).toBeLessThan(0.02);
    expect(Array.from(b.memoryTeacher.dataSync())).toEqual(bank);
    expect(Array.from(a.memoryStudent.dataSync())).not.toEqual(bank);
    expect(Array.from(a.normalizer.dataSync())).toEqual([-1, -1]);
    expect(a.stateVariables().map((v) => v.name)).toEqual([
      'embedStudent.kernel',
      'embedStudent.bias',
      'embedTeacher.kernel',
      'embedTeacher.bias',
      'memoryStudent',
      'memoryTeacher',
      'normalizer',
    ]);
    expect(a.trainableVariables()).toHaveLength(4);
    expect(a.countParams()).toBe(5 * 12 + 12 + 7 * 12 + 12);
    a.dispose();
    b.dispose();
    expect(a.memoryStudent.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('otherClassContrastIndices: the positive, then K distinct samples of other classes (the reference loaders’ “exact” mode)', () => {
    // 12 samples, classes 0, 1, 2 in turn: each class has 8 other-class samples.
    const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const pools = otherClassPositions(labels);
    expect(Array.from(pools.get(1)!)).toEqual([0, 2, 3, 5, 6, 8, 9, 11]);
    const index = Int32Array.from([4, 6]);
    const at = { stage: 'train', epoch: 0, step: 2 };
    const j = otherClassContrastIndices(3, at, index, 5, labels, pools);
    expect(j).toHaveLength(2 * 6);
    for (const [b, own] of [4, 6].entries()) {
      const row = Array.from(j.subarray(b * 6, b * 6 + 6));
      expect(row[0]).toBe(own);
      const negs = row.slice(1);
      expect(new Set(negs).size).toBe(5);
      for (const n of negs) expect(labels[n]).not.toBe(labels[own]);
    }
    expect(otherClassContrastIndices(3, at, index, 5, labels, pools)).toEqual(j);
    expect(otherClassContrastIndices(3, { ...at, step: 3 }, index, 5, labels, pools)).not.toEqual(j);
    // K = the pool size: every other-class sample exactly once; K above it: with replacement, still other classes.
    const all = otherClassContrastIndices(3, at, index, 8, labels, pools);
    expect(Array.from(all.subarray(1, 9)).sort((a, b) => a - b)).toEqual([0, 2, 3, 5, 6, 8, 9, 11]);
    const over = otherClassContrastIndices(3, at, index, 50, labels, pools);
    for (const n of over.subarray(1, 51)) expect(labels[n]).not.toBe(1);
    // Distinct draws are uniform over the pool: over many steps each of the 8 appears about 5/8 of the time.
    const counts = new Map<number, number>();
    for (let step = 0; step < 800; step++)
      for (const n of otherClassContrastIndices(3, { ...at, step }, Int32Array.from([4]), 5, labels, pools).subarray(1))
        counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 2, 3, 5, 6, 8, 9, 11]);
    for (const c of counts.values()) expect(Math.abs(c / 800 - 5 / 8)).toBeLessThan(0.06);
  });

  it('contrastIndices: the positive first, K uniform draws that depend on (seed, stage, epoch, step) only', () => {
    const index = Int32Array.from([5, 9]);
    const at = { stage: 'train', epoch: 1, step: 3 };
    const j = contrastIndices(7, at, index, 1000, 20);
    expect(j).toHaveLength(2 * 1001);
    expect(j[0]).toBe(5);
    expect(j[1001]).toBe(9);
    expect(Math.min(...j)).toBe(0);
    expect(Math.max(...j)).toBe(19);
    expect(contrastIndices(7, at, index, 1000, 20)).toEqual(j);
    expect(contrastIndices(7, { ...at, step: 4 }, index, 1000, 20)).not.toEqual(j);
    expect(contrastIndices(7, { ...at, epoch: 2 }, index, 1000, 20)).not.toEqual(j);
    // uniform: each of the 20 rows about 2000/20 times
    const counts = new Array<number>(20).fill(0);
    j.forEach((v, i) => i % 1001 !== 0 && counts[v]!++);
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(140);
  });
});
