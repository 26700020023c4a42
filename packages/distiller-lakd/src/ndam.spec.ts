import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndamLoss, ndamMap, ndamWeights, type NdamSettings } from './ndam.js';

interface Case {
  settings: NdamSettings;
  student: number[][][][];
  teacher: number[][][][];
  mapped: number[][][][];
  studentMap: number[][];
  teacherMap: number[][];
  attentionLoss: number;
  weightedFeatureLoss: number;
}

/** Written by test/make_ndam_fixture.py with PyTorch (NCHW, float64), stored NHWC. */
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/ndam.json'), 'utf8')) as { cases: Case[] };

function maxRelError(got: Float32Array | number[], want: number[]): number {
  const scale = Math.max(...want.map(Math.abs));
  return Math.max(...want.map((w, i) => Math.abs(got[i]! - w))) / scale;
}

describe('non-directional activation maps against PyTorch', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i: maps, attention loss and weighted feature loss', (_i, c) => {
    tf.tidy(() => {
      const fs = tf.tensor4d(c.student);
      const ft = tf.tensor4d(c.teacher);
      expect(maxRelError(ndamMap(fs, c.settings).dataSync() as Float32Array, c.studentMap.flat())).toBeLessThan(1e-5);
      expect(maxRelError(ndamMap(ft, c.settings).dataSync() as Float32Array, c.teacherMap.flat())).toBeLessThan(1e-5);
      expect(ndamLoss(fs, ft, c.settings).dataSync()[0]).toBeCloseTo(c.attentionLoss, 7);
      const weighted = tf.mean(tf.mul(tf.squaredDifference(ft, tf.tensor4d(c.mapped)), ndamWeights(ft, c.settings)));
      expect(Math.abs(weighted.dataSync()[0]! - c.weightedFeatureLoss) / c.weightedFeatureLoss).toBeLessThan(1e-5);
    });
  });

  it('sums over positions with reduction "sum": the mean reduction times H·W', () => {
    const c = fixture.cases[0]!;
    tf.tidy(() => {
      const [, h, w] = tf.tensor4d(c.student).shape;
      const sum = ndamLoss(tf.tensor4d(c.student), tf.tensor4d(c.teacher), { ...c.settings, reduction: 'sum' }).dataSync()[0]!;
      expect(sum / (c.attentionLoss * h * w)).toBeCloseTo(1, 5);
    });
  });

  it('is sign-agnostic: negating a feature map leaves its map unchanged', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const s = { avgWeight: 0.5, maxWeight: 0.5, kernel: 3 };
      const d = tf.max(tf.abs(tf.sub(ndamMap(f, s), ndamMap(tf.neg(f), s)))).dataSync()[0]!;
      expect(d).toBe(0);
    });
  });
});
