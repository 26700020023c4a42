import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Batch, DatasetSplit, Network, NetworkOutput } from '@kd/core';
import { countTopK } from './top-k.js';
import { AccuracyEvaluator } from './accuracy.evaluator.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

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

/** A network whose logits are one-hot on a fixed guess per sample, so accuracy is known in advance. */
function fixedNetwork(guesses: readonly number[], numClasses: number): Network {
  let offset = 0;
  return {
    name: 'fixed',
    stages: [],
    numClasses,
    inputShape: [1, 1, 1],
    spec: { name: 'fixed', options: {} },
    apply(x): NetworkOutput {
      const n = x.shape[0];
      const idx = guesses.slice(offset, offset + n);
      offset = (offset + n) % guesses.length;
      const logits = tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), numClasses), 'float32') as tf.Tensor2D;
      return { logits, embedding: logits, features: {} };
    },
    trainableVariables: () => [],
    stateVariables: () => [],
    countParams: () => 0,
    dispose: () => {},
  };
}

function split(labels: readonly number[]): DatasetSplit {
  return {
    size: labels.length,
    async *batches({ batchSize }): AsyncIterable<Batch> {
      for (let i = 0; i < labels.length; i += batchSize) {
        const y = labels.slice(i, i + batchSize);
        yield { x: tf.zeros([y.length, 1, 1, 1]) as tf.Tensor4D, y: tf.tensor1d(y, 'int32') };
      }
    },
  };
}

describe('AccuracyEvaluator', () => {
  it('reports student and teacher top-k over a whole split, keeping the last partial batch, without leaks', async () => {
    const labels = [0, 1, 2, 3, 4, 0, 1];
    const student = fixedNetwork([0, 1, 2, 0, 0, 0, 0], 5); // right on samples 0, 1, 2 and 5: 4/7
    const teacher = fixedNetwork([0, 1, 2, 3, 4, 0, 1], 5); // 7/7
    const ev = new AccuracyEvaluator({ name: 'accuracy', topK: [1, 5], teacher: true });
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({ student, teacher, split: split(labels), splitName: 'test', batchSize: 3, numClasses: 5, epoch: 0 });
    expect(m["student.top1"]).toBeCloseTo(4 / 7, 12);
    expect(m['student.top5']).toBe(1);
    expect(m['teacher.top1']).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('omits the teacher when asked to', async () => {
    const ev = new AccuracyEvaluator({ name: 'accuracy', topK: [1], teacher: false });
    const m = await ev.evaluate({
      student: fixedNetwork([0], 2),
      teacher: fixedNetwork([0], 2),
      split: split([0, 1]),
      splitName: 'test',
      batchSize: 2,
      numClasses: 2,
      epoch: 0,
    });
    expect(m).toEqual({ 'student.top1': 0.5 });
  });
});
