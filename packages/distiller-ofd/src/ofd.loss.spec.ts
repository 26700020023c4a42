import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { describeCases, describeOnBackends, fixtureCases, relErr, expectTermValues } from '@kd/testing';
import { OfdConnectors } from './connector.js';
import { channelMargin, margins, normalCdf } from './margin.js';
import { ofdLossTerms, ofdStageLoss, partialL2 } from './ofd.loss.js';

type K = number[][][][];
interface FixtureCase {
  name: string;
  options: { ofdWeight: number; ceWeight: number; kernelSize: 1 | 3 };
  studentShapes: number[][];
  teacherShapes: number[][];
  studentFeatures: K[];
  teacherFeatures: K[];
  teacherNorms: { gamma: number[]; beta: number[] }[];
  margins: number[][];
  params: { kernel: K; gamma: number[]; beta: number[] }[];
  studentLogits: number[][];
  labels: number[];
  expected: {
    total: number;
    ce: number;
    ofd: number;
    perStage: number[];
    connected: K[];
    gradStudentFeatures: K[];
    gradStudentLogits: number[][];
    gradParams: { kernel: K; gamma: number[]; beta: number[] }[];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'ofd-fixtures.json');

function connectorsFor(c: FixtureCase): OfdConnectors {
  const m = new OfdConnectors(
    c.studentShapes.map((s, i) => ({ name: `stage${i + 1}`, studentChannels: s[0]!, teacherChannels: c.teacherShapes[i]![0]! })),
    c.options.kernelSize,
    new Rng(1),
  );
  tf.tidy(() =>
    m.pairs.forEach((p, i) => {
      const q = c.params[i]!;
      p.kernel.assign(tf.tensor4d(q.kernel));
      p.gamma.assign(tf.tensor1d(q.gamma));
      p.beta.assign(tf.tensor1d(q.beta));
    }),
  );
  return m;
}

const lossOf = (c: FixtureCase, m: OfdConnectors, fs: tf.Tensor4D[], zs: tf.Tensor2D) =>
  ofdLossTerms(
    {
      connected: fs.map((f, i) => m.apply(i, f)),
      teacherFeatures: c.teacherFeatures.map((t) => tf.tensor4d(t)),
      margins: c.margins.map((x) => tf.tensor1d(x)),
      studentLogits: zs,
      labels: tf.tensor1d(c.labels, 'int32'),
    },
    c.options,
  );

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('ofd-fixtures.json (PyTorch float64, the authors’ and mdistiller’s OFD loss)', () => {
  it('covers pooled teachers (evenly and unevenly), a 3×3 connector, several stages and the −3σ margin branch', () => {
    expect(cases).toHaveLength(5);
    expect(cases.some((c) => c.options.kernelSize === 3)).toBe(true);
    const far = cases.flatMap((c) => c.teacherNorms.flatMap((n, i) => n.gamma.map((g, j) => [g, n.beta[j]!, c.margins[i]![j]!] as const)));
    expect(far.some(([g, , m]) => m === Math.fround(-3 * Math.abs(g)))).toBe(true);
  });
});

describeOnBackends('ofd-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('margins from the teacher’s γ, β match the reference (math.erfc) within 1e-6', () => {
      c.teacherNorms.forEach((n, i) => {
        const mine = margins(Float32Array.from(n.gamma), Float32Array.from(n.beta));
        expect(relErr(mine, c.margins[i]!)).toBeLessThanOrEqual(1e-6);
      });
    });

    it('connector output, per-stage terms, ofd, ce and total match', () => {
      const m = connectorsFor(c);
      tf.tidy(() => {
        const fs = c.studentFeatures.map((f) => tf.tensor4d(f));
        fs.forEach((f, i) => {
          const out = m.apply(i, f);
          b.value(out.dataSync(), c.expected.connected[i]!.flat(3), `connected ${i}`);
          const v = ofdStageLoss(out, tf.tensor4d(c.teacherFeatures[i]!), tf.tensor1d(c.margins[i]!));
          b.value(v.dataSync()[0]!, c.expected.perStage[i]!, `stage ${i}`);
        });
        const r = lossOf(c, m, fs, tf.tensor2d(c.studentLogits));
        expectTermValues(b, r, c.expected, ['ofd', 'ce', 'total']);
      });
      m.dispose();
    });

    it('gradients w.r.t. the student pre-activations, logits and every connector parameter match', () => {
      const m = connectorsFor(c);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const fs = c.studentFeatures.map((f) => tf.variable(tf.tensor4d(f)));
        const zs = tf.variable(tf.tensor2d(c.studentLogits));
        const { grads } = tf.variableGrads(
          () => lossOf(c, m, fs as unknown as tf.Tensor4D[], zs as unknown as tf.Tensor2D).total,
          [...fs, zs, ...m.trainableVariables()],
        );
        const check = (v: tf.Variable, expected: number[], what: string) => b.gradient(grads[v.name]!.dataSync(), expected, what);
        fs.forEach((f, i) => check(f, c.expected.gradStudentFeatures[i]!.flat(3), `student feature ${i}`));
        check(zs, c.expected.gradStudentLogits.flat(), 'student logits');
        m.pairs.forEach((p, i) => {
          const g = c.expected.gradParams[i]!;
          check(p.kernel, g.kernel.flat(3), `kernel ${i}`);
          check(p.gamma, g.gamma, `gamma ${i}`);
          check(p.beta, g.beta, `beta ${i}`);
        });
        for (const v of [...fs, zs]) v.dispose();
      });
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  });
});

describe('partialL2 by hand', () => {
  it('penalises S above max(T, m), and everything where the target is positive; divides by the batch', () => {
    tf.tidy(() => {
      // one sample, one channel, four positions; margin −1
      const s = tf.tensor4d([[[[0.5]], [[-3]], [[-0.5]], [[1]]]]);
      const t = tf.tensor4d([[[[-2]], [[-2]], [[-0.2]], [[2]]]]);
      // targets max(t, −1) = −1, −1, −0.2, 2: (0.5 + 1)² counts (s > target); −3 < −1 does not; −0.5 < −0.2 does not;
      // (1 − 2)² counts (target > 0)
      expect(partialL2(s, t, tf.tensor1d([-1])).dataSync()[0]).toBeCloseTo(2.25 + 1, 6);
      const two = tf.concat([s, s]);
      expect(partialL2(two, tf.concat([t, t]), tf.tensor1d([-1])).dataSync()[0]).toBeCloseTo(2.25 + 1, 6);
    });
  });

  it('gives the student 2·(S − T)/N where the element counts and 0 elsewhere, and the teacher nothing', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      // two samples (N = 2), one channel, two positions; margin −1, so the targets are −1, 0.5, −0.2 and −1
      const s = tf.variable(
        tf.tensor4d([
          [[[0.5]], [[3]]],
          [[[-0.5]], [[-4]]],
        ]),
      );
      const t = tf.variable(
        tf.tensor4d([
          [[[-2]], [[0.5]]],
          [[[-0.2]], [[-1.5]]],
        ]),
      );
      const { value, grads } = tf.variableGrads(
        () => partialL2(s as unknown as tf.Tensor4D, t as unknown as tf.Tensor4D, tf.tensor1d([-1])),
        [s, t],
      );
      // counted: 0.5 > −1 → 1.5² and 2·1.5/2; 3 vs 0.5 → 2.5² and 2·2.5/2; −0.5 < −0.2 with a negative target: not
      // counted; −4 < −1: not counted
      expect(value.dataSync()[0]).toBeCloseTo((1.5 ** 2 + 2.5 ** 2) / 2, 6);
      // (+ 0 turns the −0 of a negative difference times a zero mask into 0)
      expect(Array.from(grads[s.name]!.dataSync(), (g) => g + 0)).toEqual([1.5, 2.5, 0, 0]);
      expect(grads[t.name]).toBeUndefined();
      s.dispose();
      t.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('margins', () => {
  it('Φ matches known values; E[x | x < 0] of N(0, 1) is −√(2/π); a channel almost never negative gets −3|γ|', () => {
    // the erfc fit's fractional error is below 1.2e-7
    expect(relErr(normalCdf(0), 0.5)).toBeLessThan(1.2e-6);
    expect(relErr(normalCdf(1.959963985), 0.975)).toBeLessThan(1.2e-6);
    expect(relErr(normalCdf(-3.090232306), 0.001)).toBeLessThan(1.2e-6);
    expect(relErr(channelMargin(1, 0), -Math.sqrt(2 / Math.PI))).toBeLessThan(1e-6);
    expect(relErr(channelMargin(-2, 0), -2 * Math.sqrt(2 / Math.PI))).toBeLessThan(1e-6);
    expect(channelMargin(0.5, 2)).toBe(-1.5);
  });
});
