import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cyclicLabels, secondsPerStep } from '../src/train-step.js';

describe('secondsPerStep', () => {
  it('runs the warm-up calls untimed, then the timed ones, and gives a time per call', () => {
    let calls = 0;
    const seconds = secondsPerStep(() => void calls++, { warmup: 2, steps: 3 });
    expect(calls).toBe(5);
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(seconds)).toBe(true);
  });
});

describe('cyclicLabels', () => {
  it('cycles through the classes as int32 labels', async () => {
    await tf.setBackend('cpu');
    const y = cyclicLabels(7, 3);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([0, 1, 2, 0, 1, 2, 0]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});
