import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AgreementEvaluator } from './agreement.evaluator.js';
import { labelSplit, scriptedNetwork } from '@kd/testing';

interface Case {
  temperature: number;
  student: number[][];
  teacher: number[][];
  top1: number;
  kl: number;
}
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'agreement-fixtures.json'), 'utf8')) as {
  cases: Case[];
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function context(c: Case, batchSize: number) {
  return {
    student: scriptedNetwork(c.student),
    teacher: scriptedNetwork(c.teacher),
    split: labelSplit(c.student.map(() => 0)),
    splitName: 'test',
    batchSize,
    numClasses: c.student[0]!.length,
    epoch: 0,
  };
}

describe('AgreementEvaluator', () => {
  it.each(fixtures.cases.map((c) => [c.temperature, c.student.length, c] as const))(
    'matches PyTorch at τ = %d over %d samples in uneven batches, without leaks',
    async (tau, _n, c) => {
      const ev = new AgreementEvaluator({ name: 'agreement', temperature: tau, klScale: 'none' });
      const before = tf.memory().numTensors;
      const m = await ev.evaluate(context(c, 8));
      expect(tf.memory().numTensors).toBe(before);
      expect(m['agreement.top1']).toBeCloseTo(c.top1, 12);
      expect(Math.abs(m['agreement.kl']! - c.kl) / c.kl).toBeLessThan(2e-5);
    },
  );

  it('multiplies the KL by τ² when asked to', async () => {
    const c = fixtures.cases[1]!;
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: c.temperature, klScale: 'temperatureSquared' });
    const m = await ev.evaluate(context(c, 64));
    expect(Math.abs(m['agreement.kl']! - c.kl * c.temperature ** 2) / (c.kl * c.temperature ** 2)).toBeLessThan(2e-5);
  });

  it('is 1 and 0 for a student identical to its teacher (hand-checked)', async () => {
    const rows = [
      [1, 2, 3],
      [3, 2, 1],
      [0, 5, 0],
    ];
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 1, klScale: 'none' });
    const m = await ev.evaluate({ ...context({ student: rows, teacher: rows, temperature: 1, top1: 1, kl: 0 }, 2) });
    expect(m['agreement.top1']).toBe(1);
    expect(Math.abs(m['agreement.kl']!)).toBeLessThan(1e-7);
    expect(m['agreement.nonFinite']).toBe(0);
  });

  it('counts a non-finite row on either side as a disagreement left out of the KL mean (hand-computed)', async () => {
    const ln3 = Math.log(3);
    const student = [
      [0, 0], // constant on both sides: both predict class 0 (first maximum) → agree, KL 0
      [NaN, NaN], // NaN on both sides: no prediction → disagree, no KL
      [0, ln3], // p_S = (1/4, 3/4), p_T = (1/2, 1/2): predicts 1 vs 0 → disagree, KL = ½ ln 2 + ½ ln ⅔ = ½ ln(4/3)
      [1, 0], // the teacher's +Inf → disagree, no KL
      [ln3, 0], // mirror of row 3: both predict 0 → agree, KL = ½ ln(4/3)
    ];
    const teacher = [
      [0, 0],
      [NaN, NaN],
      [0, 0],
      [Infinity, 0],
      [0, 0],
    ];
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 1, klScale: 'none' });
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({ ...context({ student, teacher, temperature: 1, top1: 0, kl: 0 }, 2) });
    expect(tf.memory().numTensors).toBe(before);
    expect(m['agreement.top1']).toBeCloseTo(2 / 5, 15);
    expect(m['agreement.nonFinite']).toBeCloseTo(2 / 5, 15);
    // (0 + ½ ln(4/3) + ½ ln(4/3)) over the 3 finite rows; ln 3 passes through float32.
    expect(m['agreement.kl']).toBeCloseTo(Math.log(4 / 3) / 3, 6);
  });

  it('breaks ties by the first maximum on both sides', async () => {
    const student = [
      [2, 2, 1], // → 0
      [2, 2, 1], // → 0
    ];
    const teacher = [
      [1, 2, 2], // → 1: disagree, although both have class 1 among their maxima
      [2, 1, 1], // → 0: agree
    ];
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 1, klScale: 'none' });
    const m = await ev.evaluate({ ...context({ student, teacher, temperature: 1, top1: 0, kl: 0 }, 2) });
    expect(m['agreement.top1']).toBe(0.5);
    expect(m['agreement.nonFinite']).toBe(0);
  });

  it('reports no KL (NaN, not a number that looks like one) when every row is non-finite', async () => {
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 4, klScale: 'temperatureSquared' });
    const m = await ev.evaluate({ ...context({ student: [[NaN, 1, 2]], teacher: [[0, 1, 2]], temperature: 4, top1: 0, kl: 0 }, 2) });
    expect(m['agreement.top1']).toBe(0);
    expect(m['agreement.nonFinite']).toBe(1);
    expect(m['agreement.kl']).toBeNaN();
  });

  it('says it needs a teacher', async () => {
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 1, klScale: 'none' });
    const { teacher: _t, ...rest } = context(fixtures.cases[0]!, 8);
    await expect(ev.evaluate(rest)).rejects.toThrow(/needs a teacher/);
  });
});
