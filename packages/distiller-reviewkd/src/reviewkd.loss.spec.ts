import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { KdInputError, Rng } from '@kd/core';
import { describeCases, describeOnBackends, fixtureCases } from '@kd/testing';
import { ReviewFusion, squareSize } from './abf.js';
import { hclLevel, hclLoss } from './reviewkd.loss.js';
import { warmupFactor } from './reviewkd.distiller.js';

type Params = Record<string, number[] | number[][][][]>;
interface FixtureCase {
  name: string;
  batch: number;
  student: [number, number][];
  teacher: [number, number][];
  midChannels: number;
  studentLevels: number[][][][][];
  teacherLevels: number[][][][][];
  params: Params[];
  expected: {
    outputs: number[][][][][];
    levels: number[];
    reviewkd: number;
    gradStudentLevels: number[][][][][];
    gradParams: Params[];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'reviewkd-fixtures.json');

/** ABF modules for the case's levels with the fixture's parameters assigned. */
function fusionFor(c: FixtureCase): ReviewFusion {
  const levels = c.student.map(([sc, ss], i) => ({
    studentChannels: sc,
    studentSize: ss,
    teacherChannels: c.teacher[i]![0],
    teacherSize: c.teacher[i]![1],
  }));
  const f = new ReviewFusion(levels, c.midChannels, new Rng(1));
  tf.tidy(() => {
    f.params.forEach((p, i) => {
      for (const [k, v] of Object.entries(p))
        (v as tf.Variable).assign(tf.tensor(c.params[i]![k]!.flat(3) as number[], (v as tf.Variable).shape));
    });
  });
  return f;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('reviewkd-fixtures.json (PyTorch float64, mdistiller’s ABF chain and hcl_loss)', () => {
  it('covers equal sizes, teacher maps larger than the student’s, and every HCL pooling depth', () => {
    expect(cases.some((c) => c.student.some(([, s], i) => s !== c.teacher[i]![1]))).toBe(true);
    expect(cases.some((c) => c.teacher.some(([, s]) => s > 4))).toBe(true);
    expect(new Set(cases.map((c) => c.batch)).size).toBe(cases.length);
  });
});

describeOnBackends('reviewkd-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    it('fused maps, per-level HCL and the total match', () => {
      const f = fusionFor(c);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const outs = f.apply(c.studentLevels.map((x) => tf.tensor4d(x)));
        outs.forEach((o, i) => b.value(o.dataSync(), c.expected.outputs[i]!.flat(3), `output ${i}`));
        const teachers = c.teacherLevels.map((t) => tf.tensor4d(t));
        outs.forEach((o, i) => b.value(hclLevel(o, teachers[i]!).dataSync()[0]!, c.expected.levels[i]!, `level ${i}`));
        b.value(hclLoss(outs, teachers).dataSync()[0]!, c.expected.reviewkd, 'reviewkd');
      });
      expect(tf.memory().numTensors).toBe(before);
      f.dispose();
    });

    it('gradients w.r.t. every student level and every ABF parameter match', () => {
      const f = fusionFor(c);
      tf.tidy(() => {
        const xs = c.studentLevels.map((x) => tf.variable(tf.tensor4d(x)));
        const teachers = c.teacherLevels.map((t) => tf.tensor4d(t));
        const { grads } = tf.variableGrads(
          () => hclLoss(f.apply(xs as unknown as tf.Tensor4D[]), teachers),
          [...xs, ...f.trainableVariables()],
        );
        xs.forEach((x, i) => b.gradient(grads[x.name]!.dataSync(), c.expected.gradStudentLevels[i]!.flat(3), `student level ${i}`));
        f.params.forEach((p, i) => {
          for (const [k, v] of Object.entries(p)) {
            const expected = c.expected.gradParams[i]![k]!.flat(3) as number[];
            b.gradient(grads[(v as tf.Variable).name]!.dataSync(), expected, `abf${i}.${k}`);
          }
        });
        xs.forEach((x) => x.dispose());
      });
      f.dispose();
    });
  });
});

describe('ReviewKD by hand', () => {
  it('hclLevel on a 4×4 map: MSE, then the 2×2 and 1×1 pools at 1/2 and 1/4, divided by 1.75', () => {
    tf.tidy(() => {
      const s = tf.tensor4d(
        Array.from({ length: 16 }, (_, i) => i),
        [1, 4, 4, 1],
      );
      const t = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
      const full = Array.from({ length: 16 }, (_, i) => i * i).reduce((a, b) => a + b, 0) / 16;
      // 2×2 pools of the 4×4 ramp: 2.5, 4.5, 10.5, 12.5; 1×1: 7.5
      const two = (2.5 ** 2 + 4.5 ** 2 + 10.5 ** 2 + 12.5 ** 2) / 4;
      const one = 7.5 ** 2;
      expect(hclLevel(s, t).dataSync()[0]).toBeCloseTo((full + two / 2 + one / 4) / 1.75, 3);
      // a 1×1 map has no pool smaller than itself: plain MSE
      expect(hclLevel(tf.tensor4d([[[[3]]]]), tf.tensor4d([[[[1]]]])).dataSync()[0]).toBeCloseTo(4, 6);
    });
  });

  it('warm-up: min(e/warmupEpochs, 1) with e counted from 1; 0 means no warm-up', () => {
    expect(warmupFactor(0, 20)).toBeCloseTo(1 / 20, 12);
    expect(warmupFactor(9, 20)).toBeCloseTo(0.5, 12);
    expect(warmupFactor(19, 20)).toBe(1);
    expect(warmupFactor(50, 20)).toBe(1);
    expect(warmupFactor(0, 0)).toBe(1);
  });

  it('rejects non-square maps with the JSON pointer', () => {
    expect(() => squareSize([4, 6, 3], '/distiller/studentFeature', 'x')).toThrow(KdInputError);
    expect(() => squareSize([4, 6, 3], '/distiller/studentFeature', 'x')).toThrow('/distiller/studentFeature');
    expect(squareSize([5, 5, 2], '/p', 'x')).toBe(5);
  });

  it('ReviewFusion: kaiming_uniform(a=1) bounds from the Rng, attention only on fusing levels, named state', () => {
    const levels = [
      { studentChannels: 6, studentSize: 4, teacherChannels: 5, teacherSize: 4 },
      { studentChannels: 8, studentSize: 1, teacherChannels: 9, teacherSize: 1 },
    ];
    const a = new ReviewFusion(levels, 8, new Rng(3));
    const b = new ReviewFusion(levels, 8, new Rng(3));
    const k = Array.from(a.params[0]!.conv1.dataSync() as Float32Array);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 6));
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(3 / 6));
    expect(Array.from(b.params[0]!.conv1.dataSync())).toEqual(k);
    expect(a.params[0]!.attention?.shape).toEqual([1, 1, 16, 2]);
    expect(a.params[1]!.attention).toBeUndefined();
    expect(a.stateVariables().map((v) => v.name)).toEqual([
      'abf0.conv1',
      'abf0.gamma1',
      'abf0.beta1',
      'abf0.conv2',
      'abf0.gamma2',
      'abf0.beta2',
      'abf0.attention',
      'abf0.attentionBias',
      'abf1.conv1',
      'abf1.gamma1',
      'abf1.beta1',
      'abf1.conv2',
      'abf1.gamma2',
      'abf1.beta2',
    ]);
    expect(a.countParams()).toBe(6 * 8 + 16 + 9 * 8 * 5 + 10 + 16 * 2 + 2 + 8 * 8 + 16 + 9 * 8 * 9 + 18);
    a.dispose();
    b.dispose();
  });
});
