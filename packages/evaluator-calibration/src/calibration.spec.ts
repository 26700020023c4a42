import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CalibrationEvaluator } from './calibration.evaluator.js';
import { ReliabilityTally, expectedCalibrationError, maximumCalibrationError } from './reliability.js';
import { labelSplit, scriptedNetwork } from '@kd/testing';
import type { CalibrationOptions } from './calibration.options.js';

interface Case {
  bins: number;
  logits: number[][];
  labels: number[];
  ece: number;
  mce: number;
  reliability: { count: number; confidence: number | null; accuracy: number | null }[];
}
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'calibration-fixtures.json'), 'utf8')) as {
  cases: Case[];
};
const defaults: CalibrationOptions = { name: 'calibration', bins: 15, teacher: true, artefactFile: 'artifacts/calibration.json' };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two-class logits whose softmax gives probability p to class 0. */
const withConfidence = (p: number) => [Math.log(p), Math.log(1 - p)];

describe('ReliabilityTally', () => {
  it('puts a confidence on a bin edge into the lower bin (right-closed bins)', () => {
    const t = new ReliabilityTally(4);
    expect([0.01, 0.25, 0.2500001, 0.5, 0.75, 1].map((c) => t.binOf(c))).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('gives ECE and MCE of a hand-computed example', () => {
    const t = new ReliabilityTally(5);
    t.add([0.9, 0.9, 0.65, 0.7], [1, 0, 1, 1]);
    const d = t.diagram();
    // (0.6, 0.8]: conf 0.675, acc 1; (0.8, 1]: conf 0.9, acc 0.5 → ECE = ½·0.325 + ½·0.4, MCE = 0.4
    expect(d.map((b) => b.count)).toEqual([0, 0, 0, 2, 2]);
    expect(expectedCalibrationError(d)).toBeCloseTo(0.3625, 14);
    expect(maximumCalibrationError(d)).toBeCloseTo(0.4, 14);
    expect(d[0]).toEqual({ lower: 0, upper: 0.2, count: 0, confidence: null, accuracy: null });
  });
});

describe('CalibrationEvaluator', () => {
  it.each(fixtures.cases.map((c) => [c.bins, c.labels.length, c] as const))(
    'matches PyTorch (gpleiss _ECELoss) with %d bins over %d samples in uneven batches, without leaks',
    async (bins, _n, c) => {
      const ev = new CalibrationEvaluator({ ...defaults, bins });
      const before = tf.memory().numTensors;
      const m = await ev.evaluate({
        student: scriptedNetwork(c.logits),
        split: labelSplit(c.labels),
        splitName: 'test',
        batchSize: 32,
        numClasses: c.logits[0]!.length,
        epoch: 0,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(m['calibration.student.ece']).toBeCloseTo(c.ece, 6);
      expect(m['calibration.student.mce']).toBeCloseTo(c.mce, 6);
      const diagram = (ev.lastReport as { student: { reliability: Case['reliability'] } }).student.reliability;
      expect(diagram.map((b) => b.count)).toEqual(c.reliability.map((b) => b.count));
      diagram.forEach((b, i) => {
        const ref = c.reliability[i]!;
        if (ref.count === 0) expect(b).toMatchObject({ confidence: null, accuracy: null });
        else {
          expect(b.confidence).toBeCloseTo(ref.confidence!, 6);
          expect(b.accuracy).toBeCloseTo(ref.accuracy!, 14);
        }
      });
    },
  );

  it('measures the teacher once and writes the diagrams into the run directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-calibration-'));
    const ev = new CalibrationEvaluator({ ...defaults, bins: 2 });
    let teacherCalls = 0;
    const teacher = scriptedNetwork([withConfidence(0.9), withConfidence(0.9), withConfidence(0.6), withConfidence(0.7)]);
    const counted = { ...teacher, apply: (x: tf.Tensor4D, o: { training: boolean }) => (teacherCalls++, teacher.apply(x, o)) };
    const student = scriptedNetwork([withConfidence(0.8)]);
    const context = {
      student,
      teacher: counted,
      split: labelSplit([0, 1, 0, 0]),
      splitName: 'test',
      batchSize: 4,
      numClasses: 2,
      epoch: 0,
      runDir: dir,
    };
    const m1 = await ev.evaluate(context);
    const m2 = await ev.evaluate({ ...context, epoch: 1 });
    expect(teacherCalls).toBe(1);
    // teacher: one bin (0.5, 1], conf 0.775, acc 0.75; student: conf 0.8, acc 0.75
    expect(m1['calibration.teacher.ece']).toBeCloseTo(0.025, 6);
    expect(m2['calibration.teacher.ece']).toBe(m1['calibration.teacher.ece']);
    expect(m2['calibration.student.ece']).toBeCloseTo(0.05, 6);
    const file = JSON.parse(readFileSync(join(dir, 'artifacts', 'calibration.json'), 'utf8'));
    expect(file).toMatchObject({ evaluator: 'calibration', epoch: 2, split: 'test', bins: 2 });
    expect(file.teacher.reliability[1].count).toBe(4);
    expect(file.student.reliability[1].accuracy).toBe(0.75);
  });

  it('leaves the teacher out when asked to', async () => {
    const ev = new CalibrationEvaluator({ ...defaults, teacher: false });
    const net = scriptedNetwork([withConfidence(0.8)]);
    const m = await ev.evaluate({
      student: net,
      teacher: net,
      split: labelSplit([0]),
      splitName: 'test',
      batchSize: 1,
      numClasses: 2,
      epoch: 0,
    });
    expect(Object.keys(m).sort()).toEqual(['calibration.student.ece', 'calibration.student.mce', 'calibration.student.nonFinite']);
    expect(m['calibration.student.nonFinite']).toBe(0);
  });

  it('bins a non-finite row as a wrong prediction of confidence 1/C and a tie as the first maximum (hand-computed)', async () => {
    const rows = [
      [NaN, 0, 0, 0], // label 1: non-finite → wrong, confidence 1/4, bin (0, 0.25]
      [Infinity, 0, 0, 0], // label 0: non-finite, although class 0 "wins" → wrong, 1/4
      [1, 1, 1, 1], // label 2: constant → predicts 0, confidence 1/4 → wrong
      [Math.log(6), 0, 0, 0], // label 0: right, confidence 6 / (6 + 3) = 2/3, bin (0.5, 0.75]
      [0, 2, 2, 0], // label 2: tied with class 1, which is predicted → wrong; confidence e²/(2e² + 2) = 1/(2 + 2e⁻²)
    ];
    const tied = 1 / (2 + 2 * Math.exp(-2)); // 0.4403985…, bin (0.25, 0.5]
    const ev = new CalibrationEvaluator({ ...defaults, bins: 4, teacher: false });
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({
      student: scriptedNetwork(rows),
      split: labelSplit([1, 0, 2, 0, 2]),
      splitName: 'test',
      batchSize: 2,
      numClasses: 4,
      epoch: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    const d = (ev.lastReport as { student: { reliability: Case['reliability'] } }).student.reliability;
    expect(d.map((b) => b.count)).toEqual([3, 1, 1, 0]);
    expect(d[0]).toMatchObject({ confidence: 0.25, accuracy: 0 });
    expect(d[1]!.confidence).toBeCloseTo(tied, 14);
    // ln 6 passes through float32 logits: 2/3 to about 1e-8.
    expect(d[2]!.confidence).toBeCloseTo(2 / 3, 7);
    expect(d[2]!.accuracy).toBe(1);
    // ECE = 3/5 · 0.25 + 1/5 · tied + 1/5 · (1 − 2/3); MCE = tied
    expect(m['calibration.student.ece']).toBeCloseTo(0.15 + tied / 5 + 1 / 15, 8);
    expect(m['calibration.student.mce']).toBeCloseTo(tied, 14);
    expect(m['calibration.student.nonFinite']).toBeCloseTo(2 / 5, 15);
  });

  it('gives an all-NaN network its share of wrong 1/C predictions: ECE 1/C, nonFinite 1', async () => {
    const ev = new CalibrationEvaluator({ ...defaults, teacher: false });
    const m = await ev.evaluate({
      student: scriptedNetwork([[NaN, NaN, NaN, NaN, NaN]]),
      split: labelSplit([0, 1, 2]),
      splitName: 'test',
      batchSize: 2,
      numClasses: 5,
      epoch: 0,
    });
    expect(Object.keys(m).sort()).toEqual(['calibration.student.ece', 'calibration.student.mce', 'calibration.student.nonFinite']);
    expect(m['calibration.student.ece']).toBeCloseTo(0.2, 15);
    expect(m['calibration.student.mce']).toBeCloseTo(0.2, 15);
    expect(m['calibration.student.nonFinite']).toBe(1);
  });
});
