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
  });

  it('says it needs a teacher', async () => {
    const ev = new AgreementEvaluator({ name: 'agreement', temperature: 1, klScale: 'none' });
    const { teacher: _t, ...rest } = context(fixtures.cases[0]!, 8);
    await expect(ev.evaluate(rest)).rejects.toThrow(/needs a teacher/);
  });
});
