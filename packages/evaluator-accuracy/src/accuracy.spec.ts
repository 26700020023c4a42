import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { countTopK } from './top-k.js';
import { argMaxRow, isFiniteRow, labelRank } from './logit-rows.js';
import { AccuracyEvaluator } from './accuracy.evaluator.js';
import { guessingNetwork, labelSplit, scriptedNetwork } from '@kd/testing';
import type { AccuracyOptions } from './accuracy.options.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const defaults: AccuracyOptions = {
  name: 'accuracy',
  topK: [1, 5],
  teacher: true,
  perClass: true,
  artefactFile: 'artifacts/accuracy.json',
};

describe('countTopK', () => {
  it('counts labels among the k first classes of a stable descending sort (hand-checked)', () => {
    const logits = tf.tensor2d([
      [0.1, 0.9, 0.0], // label 1: top-1 hit
      [0.5, 0.3, 0.2], // label 1: second → top-2 hit only
      [0.2, 0.3, 0.5], // label 0: third → miss at k=2
      [1.0, 1.0, 0.0], // label 1 ties class 0, which sorts first (lower index): second → top-2 hit only
    ]);
    const labels = tf.tensor1d([1, 1, 0, 1], 'int32');
    expect(countTopK(logits, labels, 1)).toBe(1);
    expect(countTopK(logits, labels, 2)).toBe(3);
    expect(countTopK(logits, labels, 3)).toBe(4);
    logits.dispose();
    labels.dispose();
  });
});

/**
 * Six classes, so that ties can straddle the top-5 boundary. Ranks by hand (position of the label in a stable sort on
 * descending logits, ties by lower index; ∞ for a row with a non-finite logit) and arg-max (first maximum, −1 for none).
 */
const TABLE: { logits: number[]; label: number; rank: number; argMax: number }[] = [
  { logits: [NaN, NaN, NaN, NaN, NaN, NaN], label: 0, rank: Infinity, argMax: -1 },
  { logits: [0, 1, NaN, 0, 0, 0], label: 1, rank: Infinity, argMax: -1 }, // the label is the largest finite value
  { logits: [Infinity, 0, 0, 0, 0, 0], label: 0, rank: Infinity, argMax: -1 },
  { logits: [-Infinity, 0, 1, 2, 3, 4], label: 5, rank: Infinity, argMax: -1 },
  { logits: [2, 2, 2, 2, 2, 2], label: 0, rank: 0, argMax: 0 }, // constant row: the sort keeps index order
  { logits: [2, 2, 2, 2, 2, 2], label: 4, rank: 4, argMax: 0 },
  { logits: [2, 2, 2, 2, 2, 2], label: 5, rank: 5, argMax: 0 },
  { logits: [0, 3, 3, 1, 0, 0], label: 2, rank: 1, argMax: 1 }, // label tied with class 1, which comes first
  { logits: [0, 3, 3, 1, 0, 0], label: 1, rank: 0, argMax: 1 },
  { logits: [5, 4, 3, 2, 1, 1], label: 5, rank: 5, argMax: 0 }, // tied with class 4 at the top-5 boundary: out
  { logits: [5, 4, 3, 2, 1, 1], label: 4, rank: 4, argMax: 0 }, // …and class 4 is in
];

describe('logit rows (hand-derived table)', () => {
  it('ranks labels by a stable sort, ties by lower index, and gives non-finite rows no rank', () => {
    expect(TABLE.map((r) => labelRank(r.logits, 0, 6, r.label))).toEqual(TABLE.map((r) => r.rank));
  });

  it('predicts the first maximum, and nothing (−1) for a row with NaN or ±Inf', () => {
    expect(TABLE.map((r) => argMaxRow(r.logits, 0, 6))).toEqual(TABLE.map((r) => r.argMax));
    expect(TABLE.map((r) => isFiniteRow(r.logits, 0, 6))).toEqual([false, false, false, false, true, true, true, true, true, true, true]);
  });

  it('reads the row asked for out of a flat batch', () => {
    const flat = [...TABLE[7]!.logits, ...TABLE[0]!.logits, ...TABLE[9]!.logits];
    expect([0, 1, 2].map((i) => argMaxRow(flat, i, 6))).toEqual([1, -1, 0]);
    expect(labelRank(flat, 2, 6, 5)).toBe(5);
    expect(() => labelRank(flat, 0, 6, 6)).toThrow(RangeError);
  });

  it('counts the table through countTopK: top-1 2, top-5 5, top-6 every finite row (7)', () => {
    const logits = tf.tensor2d(TABLE.map((r) => r.logits));
    const labels = tf.tensor1d(
      TABLE.map((r) => r.label),
      'int32',
    );
    // ranks 0 (twice) at k=1; ranks 0, 4, 1, 0, 4 below 5; all seven finite rows below 6.
    expect([1, 2, 5, 6].map((k) => countTopK(logits, labels, k))).toEqual([2, 3, 5, 7]);
    tf.dispose([logits, labels]);
  });
});

/** A test split of two examples (labels 0 and 1) in one batch, evaluated at the first epoch into run directory `dir`. */
const twoLabels = (dir: string) => ({ split: labelSplit([0, 1]), splitName: 'test', batchSize: 2, numClasses: 2, epoch: 0, runDir: dir });
/** The report the evaluator wrote into run directory `dir`, read back as plain JSON. */
const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'artifacts', 'accuracy.json'), 'utf8'));

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
    const m = await ev.evaluate({
      student: guessingNetwork([0, 0, 1], 3),
      split: labelSplit([0, 1, 1]),
      splitName: 'test',
      batchSize: 8,
      numClasses: 3,
      epoch: 0,
    });
    // class 0: 1/1, class 1: 1/2, class 2: absent
    expect(m['student.meanClassTop1']).toBeCloseTo(0.75, 15);
    expect((ev.lastReport as { student: { perClass: unknown[] } }).student.perClass).toEqual([1, 0.5, null]);
  });

  it('writes the report into the run directory the context carries, with the stage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-accuracy-'));
    const ev = new AccuracyEvaluator(defaults);
    await ev.evaluate({ student: guessingNetwork([1, 1], 2), teacher: guessingNetwork([0, 1], 2), ...twoLabels(dir), stage: 'main' });
    const file = readReport(dir);
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

  it('names the classes in the report when the dataset knows them, and leaves them out (indices) when not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-accuracy-'));
    const context = { student: guessingNetwork([1, 0], 2), ...twoLabels(dir) };
    await new AccuracyEvaluator(defaults).evaluate({ ...context, classNames: ['T-shirt/top', 'Trouser'] });
    const named = readReport(dir);
    expect(named.classNames).toEqual(['T-shirt/top', 'Trouser']);
    expect(named.student.confusion).toEqual([
      [0, 1],
      [1, 0],
    ]);
    await new AccuracyEvaluator(defaults).evaluate(context);
    expect(readReport(dir)).not.toHaveProperty('classNames');
    // A list that does not match the classes is not trusted.
    await new AccuracyEvaluator(defaults).evaluate({ ...context, classNames: ['only one'] });
    expect(readReport(dir)).not.toHaveProperty('classNames');
  });

  it('writes to the configured artefactFile with the stage the context carries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-accuracy-'));
    const context = {
      student: guessingNetwork([1], 2),
      split: labelSplit([1]),
      splitName: 'test',
      batchSize: 1,
      numClasses: 2,
      epoch: 0,
      runDir: dir,
      stage: 'student',
    };
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
    expect(m).toEqual({ 'student.top1': 0.5, 'student.nonFinite': 0 });
    expect(ev.lastReport).toBeUndefined();
  });

  it('counts non-finite rows as misses everywhere, reports their fraction and tallies them apart (the table, in batches of 4)', async () => {
    const ev = new AccuracyEvaluator(defaults);
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({
      student: scriptedNetwork(TABLE.map((r) => r.logits)),
      split: labelSplit(TABLE.map((r) => r.label)),
      splitName: 'test',
      batchSize: 4,
      numClasses: 6,
      epoch: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(m['student.top1']).toBeCloseTo(2 / 11, 15);
    expect(m['student.top5']).toBeCloseTo(5 / 11, 15);
    expect(m['student.nonFinite']).toBeCloseTo(4 / 11, 15);
    // labels    0  1  0  5  0  4  5  2  1  5  4
    // predicted −  −  −  −  0  0  0  1  1  0  0   (− = non-finite: in no column)
    const r = ev.lastReport as {
      student: { confusion: number[][]; nonFinitePerClass: number[]; support: number[]; perClass: (number | null)[] };
    };
    expect(r.student.confusion).toEqual([
      [1, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0],
    ]);
    expect(r.student.nonFinitePerClass).toEqual([2, 1, 0, 0, 0, 1]);
    expect(r.student.support).toEqual([3, 2, 1, 0, 2, 3]);
    // class 0: 1/3, class 1: 1/2, classes 2, 4, 5: 0, class 3 absent → mean (1/3 + 1/2) / 5 = 1/6
    expect(r.student.perClass).toEqual([1 / 3, 0.5, 0, null, 0, 0]);
    expect(m['student.meanClassTop1']).toBeCloseTo(1 / 6, 15);
  });

  it('scores a diverged (all-NaN) network 0, not 100 %, and a dead (constant) one at its class-0 share', async () => {
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ev = new AccuracyEvaluator({ ...defaults, perClass: false });
    const nan = await ev.evaluate({
      student: scriptedNetwork([new Array(10).fill(NaN)]),
      split: labelSplit(labels),
      splitName: 'test',
      batchSize: 3,
      numClasses: 10,
      epoch: 0,
    });
    expect(nan).toEqual({ 'student.top1': 0, 'student.top5': 0, 'student.nonFinite': 1 });
    // Constant logits sort as 0, 1, …, 9: top-1 hits label 0 only, top-5 labels 0–4.
    const dead = await ev.evaluate({
      student: scriptedNetwork([new Array(10).fill(0.5)]),
      split: labelSplit(labels),
      splitName: 'test',
      batchSize: 3,
      numClasses: 10,
      epoch: 0,
    });
    expect(dead).toEqual({ 'student.top1': 0.1, 'student.top5': 0.5, 'student.nonFinite': 0 });
  });
});
