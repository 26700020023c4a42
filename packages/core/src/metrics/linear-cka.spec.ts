import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng.js';
import { linearCka } from './linear-cka.js';

function matrix(rng: Rng, n: number, p: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal()));
}

/** Independent reference in plain doubles: the feature-space formula, no Gram shortcut. */
function referenceCka(x: number[][], y: number[][]): number {
  const centre = (m: number[][]) => {
    const means = m[0]!.map((_, j) => m.reduce((a, r) => a + r[j]!, 0) / m.length);
    return m.map((r) => r.map((v, j) => v - means[j]!));
  };
  const xc = centre(x);
  const yc = centre(y);
  const cross = (a: number[][], b: number[][]) => a[0]!.map((_, i) => b[0]!.map((_, j) => a.reduce((s, r, k) => s + r[i]! * b[k]![j]!, 0)));
  const fro2 = (m: number[][]) => m.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0);
  return fro2(cross(yc, xc)) / Math.sqrt(fro2(cross(xc, xc)) * fro2(cross(yc, yc)));
}

describe('linearCka', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the feature-space formula for wide and for tall representations', () => {
    const rng = new Rng(7);
    for (const [n, p, q] of [
      [6, 9, 12],
      [20, 3, 5],
    ] as const) {
      const a = matrix(rng, n, p);
      const b = matrix(rng, n, q);
      const got = linearCka(tf.tensor2d(a), tf.tensor2d(b));
      expect(got).toBeCloseTo(referenceCka(a, b), 5);
    }
  });

  it('is 1 for a representation and its rotated, scaled copy and near 0 for unrelated ones', () => {
    const rng = new Rng(3);
    const a = matrix(rng, 200, 4);
    const rotated = a.map(([u, v, w, z]) => [3 * (0.6 * u! - 0.8 * v!), 3 * (0.8 * u! + 0.6 * v!), 3 * w!, 3 * z!]);
    expect(linearCka(tf.tensor2d(a), tf.tensor2d(rotated))).toBeCloseTo(1, 5);
    expect(linearCka(tf.tensor2d(a), tf.tensor2d(matrix(rng, 200, 4)))).toBeLessThan(0.1);
  });

  it('refuses representations of different examples', () => {
    expect(() => linearCka(tf.zeros([3, 2]), tf.zeros([4, 2]))).toThrow(/same examples/);
  });
});
