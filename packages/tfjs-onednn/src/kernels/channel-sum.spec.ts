import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { loadOneDnnAddon } from '../load-addon.js';

const available = addonAvailable();

describe.skipIf(!available)('Sum and Mean over every axis but the last in the addon', () => {
  beforeAll(() => useWasm(true));
  const next = rng(0x5a3);
  const shape = [16, 12, 12, 24]; // 55,296 elements: above the size where it runs on several threads
  const x = Float32Array.from({ length: 16 * 12 * 12 * 24 }, () => next() * 2 - 1);
  /** Float64 per-channel sums from the definition. */
  const sums = Array.from({ length: 24 }, (_, k) => x.reduce((acc, v, i) => (i % 24 === k ? acc + v : acc), 0));

  it('sums and means agree with float64 to 1e-6, keepDims or not', () => {
    const rows = x.length / 24;
    const t = tf.tensor(x, shape);
    const results = [tf.sum(t, [0, 1, 2]), tf.mean(t, [2, 0, 1]), tf.sum(t, [0, 1, 2], true)];
    const [sum, mean, kept] = results.map((r) => [r.shape, Array.from(r.dataSync())] as const);
    tf.dispose([t, ...results]);
    expect(sum![0]).toEqual([24]);
    expect(kept![0]).toEqual([1, 1, 1, 24]);
    sums.forEach((s, k) => {
      expect(Math.abs(sum![1][k]! - s)).toBeLessThanOrEqual(1e-6 * rows);
      expect(Math.abs(mean![1][k]! - s / rows)).toBeLessThanOrEqual(1e-6);
      expect(kept![1][k]).toBe(sum![1][k]);
    });
  });

  it('gives the same bits with one thread or two (fixed chunks, added in order)', () => {
    const addon = loadOneDnnAddon().addon!;
    const once = (threads: number) => {
      addon.setThreads(threads);
      return tf.tidy(() => Array.from(tf.sum(tf.tensor(x, shape), [0, 1, 2]).dataSync()));
    };
    const one = once(1);
    expect(once(2)).toEqual(one);
    addon.setThreads(1);
  });

  it('leaves other reductions (the last axis, some leading axes, int32) to the replaced kernel, with right results', () => {
    const t = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(tf.sum(t, 1).dataSync())).toEqual([6, 15]);
    expect(Array.from(tf.sum(tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), 0).dataSync())).toEqual([6, 8, 10, 12]);
    expect(Array.from(tf.sum(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync())).toEqual([4, 6]);
    t.dispose();
  });
});
