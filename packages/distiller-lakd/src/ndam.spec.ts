import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coarseActivationMap, coarseMapSize, ndamLoss, ndamMap, ndamWeights, type NdamMapSettings, type NdamSettings } from './ndam.js';
import { featureMse } from './feature-loss.js';
import { rel } from '../test/reference.js';

/**
 * The fixture's settings leave the reduction out (each test says which one its expected value used) and, in `cases`,
 * the stride (those are the script's stride-1 windows).
 */
type FixtureSettings = Omit<NdamMapSettings, 'stride'> & { stride?: number };

interface Case {
  settings: FixtureSettings;
  student: number[][][][];
  teacher: number[][][][];
  mapped: number[][][][];
  studentMap: number[][];
  teacherMap: number[][];
  attentionLoss: number;
  weightedFeatureLoss: number;
}

interface PooledCase {
  settings: FixtureSettings;
  student: number[][][][];
  teacher: number[][][][];
  teacherCoarse: number[][][];
  weights: number[][][][];
  weightedFeatureLoss: number;
  weightedFeatureGrad: number[][][][];
  attentionSum?: number;
  attentionSumGrad?: number[][][][];
}

/** Written by test/make_ndam_fixture.py with PyTorch (NCHW, float64), stored NHWC. */
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/ndam.json'), 'utf8')) as {
  cases: Case[];
  pooled: PooledCase[];
};

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
      const s: NdamSettings = { stride: 1, ...c.settings, reduction: 'mean' };
      expect(maxRelError(ndamMap(fs, s).dataSync() as Float32Array, c.studentMap.flat())).toBeLessThan(1e-5);
      expect(maxRelError(ndamMap(ft, s).dataSync() as Float32Array, c.teacherMap.flat())).toBeLessThan(1e-5);
      expect(ndamLoss(fs, ft, s).dataSync()[0]).toBeCloseTo(c.attentionLoss, 7);
      const weighted = tf.mean(tf.mul(tf.squaredDifference(ft, tf.tensor4d(c.mapped)), ndamWeights(ft, s)));
      expect(Math.abs(weighted.dataSync()[0]! - c.weightedFeatureLoss) / c.weightedFeatureLoss).toBeLessThan(1e-5);
    });
  });

  it('sums over positions with reduction "sum": the mean reduction times H·W', () => {
    const c = fixture.cases[0]!;
    tf.tidy(() => {
      const [, h, w] = tf.tensor4d(c.student).shape;
      const sum = ndamLoss(tf.tensor4d(c.student), tf.tensor4d(c.teacher), { stride: 1, ...c.settings, reduction: 'sum' }).dataSync()[0]!;
      expect(sum / (c.attentionLoss * h * w)).toBeCloseTo(1, 5);
    });
  });

  it.each(fixture.pooled.map((c) => [JSON.stringify(c.settings), c] as const))(
    'pooling %s: coarse map, weights, weighted feature loss and its gradient, L_att (sum) and its gradient',
    (_name, c) => {
      tf.tidy(() => {
        const fs = tf.tensor4d(c.student);
        const ft = tf.tensor4d(c.teacher);
        const s: NdamSettings = { stride: 1, ...c.settings, reduction: 'sum' };
        expect(maxRelError(coarseActivationMap(ft, s).dataSync() as Float32Array, c.teacherCoarse.flat(2))).toBeLessThan(1e-5);
        const w = ndamWeights(ft, s);
        const [b, h, wd, ch] = fs.shape;
        // weights come as [b, H, W, 1] (windowed) or [b, 1, 1, 1] (global): compare them broadcast to every position
        expect(maxRelError(tf.broadcastTo(w, [b, h, wd, 1]).dataSync() as Float32Array, c.weights.flat(3))).toBeLessThan(1e-5);
        expect(rel(featureMse(fs, ft, w).dataSync()[0]!, c.weightedFeatureLoss)).toBeLessThan(1e-5);
        const g = tf.grad((f: tf.Tensor) => featureMse(f as tf.Tensor4D, ft, w))(fs);
        expect(maxRelError(g.dataSync() as Float32Array, c.weightedFeatureGrad.flat(3))).toBeLessThan(1e-5);
        expect(g.shape).toEqual([b, h, wd, ch]);
        if (c.attentionSum === undefined) {
          expect(() => ndamLoss(fs, ft, s)).toThrow(/\/distiller\/ndam\/kernel: a global map/);
          return;
        }
        expect(rel(ndamLoss(fs, ft, s).dataSync()[0]!, c.attentionSum)).toBeLessThan(1e-5);
        const ga = tf.grad((f: tf.Tensor) => ndamLoss(f as tf.Tensor4D, ft, s))(fs);
        expect(maxRelError(ga.dataSync() as Float32Array, c.attentionSumGrad!.flat(3))).toBeLessThan(1e-5);
      });
    },
  );

  it('tiles a strided map exactly or says which option to change', () => {
    expect(coarseMapSize(8, 6, { avgWeight: 1, maxWeight: 0, kernel: 3, stride: 2 })).toEqual([4, 3]);
    expect(coarseMapSize(8, 8, { avgWeight: 1, maxWeight: 0, kernel: 'global', stride: 2 })).toEqual([1, 1]);
    expect(() => coarseMapSize(7, 8, { avgWeight: 1, maxWeight: 0, kernel: 3, stride: 2 })).toThrow(/\/distiller\/ndam\/stride: .*7×8/);
    // a window smaller than the stride skips positions: the block a cell weighs would not be the block it saw
    expect(() => coarseMapSize(8, 8, { avgWeight: 1, maxWeight: 0, kernel: 1, stride: 2 })).toThrow(
      /\/distiller\/ndam\/stride: .*at least the stride/,
    );
    expect(() => coarseMapSize(8, 8, { avgWeight: 1, maxWeight: 0, kernel: 2, stride: 1 })).toThrow(/\/distiller\/ndam\/kernel: got 2/);
  });

  it('is sign-agnostic: negating a feature map leaves its map unchanged', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const s = { avgWeight: 0.5, maxWeight: 0.5, kernel: 3, stride: 1 };
      const d = tf.max(tf.abs(tf.sub(ndamMap(f, s), ndamMap(tf.neg(f), s)))).dataSync()[0]!;
      expect(d).toBe(0);
    });
  });
});
