import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { describeCases, describeOnBackends, fixtureCases, expectTermValues } from '@kd/testing';
import { vidLossTerms, vidNll, vidStageLoss } from './vid.loss.js';
import { VidModule } from './vid.module.js';

type K = number[][][][];
interface FixtureCase {
  name: string;
  options: { vidWeight: number; ceWeight: number };
  studentShapes: number[][];
  teacherShapes: number[][];
  studentFeatures: K[];
  teacherFeatures: K[];
  params: { conv1: K; conv2: K; conv3: K; alpha: number[] }[];
  studentLogits: number[][];
  labels: number[];
  expected: {
    total: number;
    ce: number;
    vid: number;
    perStage: number[];
    gradStudentFeatures: K[];
    gradStudentLogits: number[][];
    gradParams: { conv1: K; conv2: K; conv3: K; alpha: number[] }[];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'vid-fixtures.json');

const OPTIONS = { initVariance: 5, eps: 1e-5, learnVariance: true };

/** A module for the case's channels with the fixture's parameters assigned. */
function moduleFor(c: FixtureCase): VidModule {
  const m = new VidModule(
    c.studentShapes.map((s, i) => ({ name: `stage${i + 1}`, studentChannels: s[0]!, teacherChannels: c.teacherShapes[i]![0]! })),
    new Rng(1),
    OPTIONS,
  );
  tf.tidy(() =>
    m.pairs.forEach((p, i) => {
      const q = c.params[i]!;
      p.conv1.assign(tf.tensor4d(q.conv1));
      p.conv2.assign(tf.tensor4d(q.conv2));
      p.conv3.assign(tf.tensor4d(q.conv3));
      p.alpha.assign(tf.tensor1d(q.alpha));
    }),
  );
  return m;
}

const inputsOf = (c: FixtureCase, fs: tf.Tensor4D[], zs: tf.Tensor2D) => ({
  studentFeatures: fs,
  teacherFeatures: c.teacherFeatures.map((t) => tf.tensor4d(t)),
  studentLogits: zs,
  labels: tf.tensor1d(c.labels, 'int32'),
});

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('vid-fixtures.json (PyTorch float64, the references’ VID loss)', () => {
  it('covers equal, pooled-student, pooled-teacher, several-stage and non-square cases', () => {
    expect(cases).toHaveLength(5);
    expect(cases.some((c) => c.studentShapes.length === 3)).toBe(true);
  });
});

describeOnBackends('vid-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('per-stage terms, vid, ce and total match', () => {
      const m = moduleFor(c);
      tf.tidy(() => {
        const fs = c.studentFeatures.map((f) => tf.tensor4d(f));
        const inputs = inputsOf(c, fs, tf.tensor2d(c.studentLogits));
        inputs.studentFeatures.forEach((f, i) =>
          b.value(vidStageLoss(m, i, f, inputs.teacherFeatures[i]!).dataSync()[0]!, c.expected.perStage[i]!, `stage ${i}`),
        );
        const r = vidLossTerms(m, inputs, c.options);
        expectTermValues(b, r, c.expected, ['vid', 'ce', 'total']);
      });
      m.dispose();
    });

    it('gradients w.r.t. the student features, logits, every kernel and α match', () => {
      const m = moduleFor(c);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const fs = c.studentFeatures.map((f) => tf.variable(tf.tensor4d(f)));
        const zs = tf.variable(tf.tensor2d(c.studentLogits));
        const { value, grads } = tf.variableGrads(
          () => vidLossTerms(m, inputsOf(c, fs as unknown as tf.Tensor4D[], zs as unknown as tf.Tensor2D), c.options).total,
          [...fs, zs, ...m.trainableVariables()],
        );
        b.value(value.dataSync()[0]!, c.expected.total, 'total (variableGrads)');
        const check = (v: tf.Variable, expected: number[], what: string) => b.gradient(grads[v.name]!.dataSync(), expected, what);
        fs.forEach((f, i) => check(f, c.expected.gradStudentFeatures[i]!.flat(3), `student feature ${i}`));
        check(zs, c.expected.gradStudentLogits.flat(), 'student logits');
        m.pairs.forEach((p, i) => {
          const g = c.expected.gradParams[i]!;
          check(p.conv1, g.conv1.flat(3), `conv1 ${i}`);
          check(p.conv2, g.conv2.flat(3), `conv2 ${i}`);
          check(p.conv3, g.conv3.flat(3), `conv3 ${i}`);
          check(p.alpha, g.alpha, `alpha ${i}`);
        });
        for (const v of [...fs, zs]) v.dispose();
      });
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  });
});

describe('vidNll by hand', () => {
  it('½((μ − t)²/σ² + log σ²) averaged over every element; no gradient reaches the teacher through vidStageLoss', () => {
    tf.tidy(() => {
      const mu = tf.tensor4d([[[[1, 2]], [[3, 4]]]]);
      const t = tf.tensor4d([[[[0, 2]], [[5, 1]]]]);
      const v = tf.tensor1d([2, 0.5]);
      const expected =
        (0.5 * (1 / 2 + Math.log(2)) + 0.5 * (0 + Math.log(0.5)) + 0.5 * (4 / 2 + Math.log(2)) + 0.5 * (9 / 0.5 + Math.log(0.5))) / 4;
      expect(vidNll(mu, t, v).dataSync()[0]).toBeCloseTo(expected, 6);
    });
    const m = new VidModule([{ name: 's', studentChannels: 2, teacherChannels: 3 }], new Rng(2), OPTIONS);
    tf.tidy(() => {
      const s = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const [, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => vidStageLoss(m, 0, a as tf.Tensor4D, b as tf.Tensor4D))([
        s,
        tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 2),
      ]);
      expect(tf.max(tf.abs(gt!)).dataSync()[0]).toBe(0);
    });
    m.dispose();
  });
});

describe('VidModule', () => {
  it('starts σ² at initVariance (α = log(exp(5 − ε) − 1)), draws kernels U(±1/√fan_in) from the Rng, and names its state', () => {
    const g = [
      { name: 'stage1', studentChannels: 4, teacherChannels: 6 },
      { name: 'stage2', studentChannels: 8, teacherChannels: 12 },
    ];
    const a = new VidModule(g, new Rng(5), OPTIONS);
    const b = new VidModule(g, new Rng(5), OPTIONS);
    const c = new VidModule(g, new Rng(6), { ...OPTIONS, learnVariance: false });
    for (const i of [0, 1]) for (const x of a.variance(i).dataSync()) expect(x).toBeCloseTo(5, 5);
    expect(a.pairs[0]!.alpha.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(5 - 1e-5) - 1), 5);
    const k = Array.from(a.pairs[1]!.conv1.dataSync());
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(8));
    expect(Array.from(b.pairs[1]!.conv1.dataSync())).toEqual(k);
    expect(Array.from(c.pairs[1]!.conv1.dataSync())).not.toEqual(k);
    expect(a.pairs[0]!.conv1.shape).toEqual([1, 1, 4, 6]);
    expect(a.pairs[0]!.conv3.shape).toEqual([1, 1, 6, 6]);
    expect(a.stateVariables().map((v) => v.name)).toEqual([
      'stage1/conv1',
      'stage1/conv2',
      'stage1/conv3',
      'stage1/alpha',
      'stage2/conv1',
      'stage2/conv2',
      'stage2/conv3',
      'stage2/alpha',
    ]);
    expect(a.trainableVariables()).toHaveLength(8);
    // mdistiller's effective behaviour: α checkpointed but not trained
    expect(c.trainableVariables()).toHaveLength(6);
    expect(c.stateVariables()).toHaveLength(8);
    expect(a.countParams()).toBe(4 * 6 + 36 + 36 + 6 + (8 * 12 + 144 + 144 + 12));
    for (const m of [a, b, c]) m.dispose();
    expect(a.pairs[0]!.alpha.isDisposed).toBe(true);
  });
});
