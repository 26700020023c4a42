import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { countTopK } from './top-k.js';
import { AccuracyEvaluator } from './accuracy.evaluator.js';
import { guessingNetwork, labelSplit } from '@kd/testing';
import type { AccuracyOptions } from './accuracy.options.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const defaults: AccuracyOptions = { name: 'accuracy', topK: [1, 5], teacher: true, perClass: true, artefactFile: 'artifacts/accuracy.json' };

describe('countTopK', () => {
  it('counts labels among the k largest logits (hand-checked)', () => {
    const logits = tf.tensor2d([
      [0.1, 0.9, 0.0], // label 1: top-1 hit
      [0.5, 0.3, 0.2], // label 1: second → top-2 hit only
      [0.2, 0.3, 0.5], // label 0: third → miss at k=2
      [1.0, 1.0, 0.0], // label 1 ties label 0: one greater? none → top-1 hit
    ]);
    const labels = tf.tensor1d([1, 1, 0, 1], 'int32');
    expect(countTopK(logits, labels, 1)).toBe(2);
    expect(countTopK(logits, labels, 2)).toBe(3);
    expect(countTopK(logits, labels, 3)).toBe(4);
    logits.dispose();
    labels.dispose();
  });
});

describe('AccuracyEvaluator', () => {
  const labels = [0, 1, 2, 3, 4, 0, 1];

  it('reports student and teacher top-k over a whole split, keeping the last partial batch, without leaks', async () => {
    const student = guessingNetwork([0, 1, 2, 0, 0, 0, 0], 5); // right on samples 0, 1, 2 and 5: 4/7
    const teacher = guessingNetwork([0, 1, 2, 3, 4, 0, 1], 5); // 7/7
    const ev = new AccuracyEvaluator(defaults);
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({ student, teacher, split: labelSplit(labels), splitName: 'test', batchSize: 3, numClasses: 5, epoch: 0 });
    expect(m['student.top1']).toBeCloseTo(4 / 7, 12);
    expect(m['student.top5']).toBe(1);
    expect(m['teacher.top1']).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes per-class accuracy and the confusion matrix (hand-counted)', async () => {
    // label:   0 1 2 3 4 0 1
    // guess:   0 1 2 0 0 0 0
    const student = guessingNetwork([0, 1, 2, 0, 0, 0, 0], 5);
    const ev = new AccuracyEvaluator({ ...defaults, topK: [1] });
    const m = await ev.evaluate({ student, split: labelSplit(labels), splitName: 'test', batchSize: 4, numClasses: 5, epoch: 2 });
    // per class: 0 → 2/2, 1 → 1/2, 2 → 1/1, 3 → 0/1, 4 → 0/1; mean 2.5 / 5
    expect(m['student.meanClassTop1']).toBeCloseTo(0.5, 15);
    const r = ev.lastReport as { epoch: number; student: { perClass: number[]; support: number[]; confusion: number[][] } };
    expect(r.epoch).toBe(3);
    expect(r.student.perClass).toEqual([1, 0.5, 1, 0, 0]);
    expect(r.student.support).toEqual([2, 2, 1, 1, 1]);
    expect(r.student.confusion).toEqual([
      [2, 0, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
    ]);
  });

  it('gives an absent class a null accuracy and leaves it out of the class mean', async () => {
    const ev = new AccuracyEvaluator({ ...defaults, topK: [1] });
    const m = await ev.evaluate({ student: guessingNetwork([0, 0, 1], 3), split: labelSplit([0, 1, 1]), splitName: 'test', batchSize: 8, numClasses: 3, epoch: 0 });
    // class 0: 1/1, class 1: 1/2, class 2: absent
    expect(m['student.meanClassTop1']).toBeCloseTo(0.75, 15);
    expect((ev.lastReport as { student: { perClass: unknown[] } }).student.perClass).toEqual([1, 0.5, null]);
  });

  it('writes the report into the run directory the context carries, with the stage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-accuracy-'));
    const ev = new AccuracyEvaluator(defaults);
    await ev.evaluate({
      student: guessingNetwork([1, 1], 2),
      teacher: guessingNetwork([0, 1], 2),
      split: labelSplit([0, 1]),
      splitName: 'test',
      batchSize: 2,
      numClasses: 2,
      epoch: 0,
      stage: 'main',
      runDir: dir,
    });
    const file = JSON.parse(readFileSync(join(dir, 'artifacts', 'accuracy.json'), 'utf8'));
    expect(file).toMatchObject({ evaluator: 'accuracy', stage: 'main', epoch: 1, split: 'test', numClasses: 2 });
    expect(file.student.confusion).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(file.student.top1).toBe(0.5);
    expect(file.teacher.top1).toBe(1);
    expect(file.teacher.confusion).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('writes to the configured artefactFile with the stage the context carries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-accuracy-'));
    const context = { student: guessingNetwork([1], 2), split: labelSplit([1]), splitName: 'test', batchSize: 1, numClasses: 2, epoch: 0, runDir: dir, stage: 'student' };
    await new AccuracyEvaluator({ ...defaults, artefactFile: 'acc.json' }).evaluate(context);
    const file = JSON.parse(readFileSync(join(dir, 'acc.json'), 'utf8'));
    expect(file.stage).toBe('student');
    expect(file.student.perClass).toEqual([null, 1]);
  });

  it('omits the teacher and the per-class part when asked to', async () => {
    const ev = new AccuracyEvaluator({ ...defaults, topK: [1], teacher: false, perClass: false });
    const m = await ev.evaluate({
      student: guessingNetwork([0], 2),
      teacher: guessingNetwork([0], 2),
      split: labelSplit([0, 1]),
      splitName: 'test',
      batchSize: 2,
      numClasses: 2,
      epoch: 0,
    });
    expect(m).toEqual({ 'student.top1': 0.5 });
    expect(ev.lastReport).toBeUndefined();
  });
});
