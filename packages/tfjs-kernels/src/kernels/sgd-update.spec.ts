import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, randomValues, relativeError, rng, useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';
import { hasSgdUpdate, sgdUpdate } from '../ops/sgd-update.js';
import type { SgdUpdateAttrs } from './sgd-update.js';

/** The op chain @kd/core's Optimizer runs without the kernel (tfjs ops; scalars as numbers). */
function opChain(v: tf.Tensor, g0: tf.Tensor, buf: tf.Tensor | undefined, a: SgdUpdateAttrs): tf.Tensor[] {
  let g = a.weightDecay > 0 ? tf.add(g0, tf.mul(v, a.weightDecay)) : g0;
  let next: tf.Tensor | undefined;
  if (buf) {
    next = a.first ? g : tf.add(tf.mul(buf, a.momentum), g);
    g = a.nesterov ? tf.add(g, tf.mul(next, a.momentum)) : next;
  }
  const nv = tf.sub(v, tf.mul(g, a.lr));
  return next ? [nv, next] : [nv];
}

/** float64, from PyTorch's SGD documentation. */
function reference(v: Float32Array, g0: Float32Array, buf: Float32Array | undefined, a: SgdUpdateAttrs): Float64Array[] {
  const nv = new Float64Array(v.length);
  const nb = new Float64Array(v.length);
  v.forEach((vi, i) => {
    let g = g0[i]! + a.weightDecay * vi;
    if (buf) {
      nb[i] = a.first ? g : a.momentum * buf[i]! + g;
      g = a.nesterov ? g + a.momentum * nb[i]! : nb[i]!;
    }
    nv[i] = vi - a.lr * g;
  });
  return buf ? [nv, nb] : [nv];
}

const CASES: (SgdUpdateAttrs & { label: string })[] = [
  { label: 'momentum and weight decay', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: false, first: false },
  { label: 'first update (buffer = gradient)', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: false, first: true },
  { label: 'Nesterov', lr: 0.01, momentum: 0.8, weightDecay: 1e-4, nesterov: true, first: false },
  { label: 'no weight decay', lr: 0.3, momentum: 0.5, weightDecay: 0, nesterov: false, first: false },
  { label: 'plain SGD (no buffer)', lr: 0.07, momentum: 0, weightDecay: 5e-4, nesterov: false, first: false },
];

describe.each(BACKENDS)('KdSgdUpdate on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });
  afterAll(() => unregisterTrainingKernels(backend));

  it.each(CASES)("gives the op chain's bits and PyTorch's update (float64) to 1e-6: $label", (a) => {
    expect(hasSgdUpdate()).toBe(true);
    const next = rng(Math.round(a.lr * 1000) + (a.first ? 1 : 0));
    const shape = [3, 3, 5, 7];
    const v = randomValues(next, shape);
    const g = randomValues(next, shape);
    const buf = a.momentum > 0 ? randomValues(next, shape) : undefined;
    const before = tf.memory().numTensors;
    const [fused, chain] = tf.tidy(() => {
      const vt = tf.tensor(v, shape);
      const gt = tf.tensor(g, shape);
      const bt = buf ? tf.tensor(buf, shape) : undefined;
      const out = sgdUpdate(vt, gt, bt, a);
      const got = [out.variable, ...(out.buffer ? [out.buffer] : [])].map((t) => Array.from(t.dataSync()));
      // The inputs are untouched.
      expect(Array.from(vt.dataSync())).toEqual(Array.from(v));
      return [got, opChain(vt, gt, bt, a).map((t) => Array.from(t.dataSync()))];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(fused).toEqual(chain);
    const want = reference(v, g, buf, a);
    fused!.forEach((f, i) => expect(relativeError(f, want[i]!)).toBeLessThan(1e-6));
  });

  it('names the input whose shape does not match the variable', () => {
    tf.tidy(() => {
      expect(() => sgdUpdate(tf.zeros([2, 3]), tf.zeros([3, 2]), tf.zeros([2, 3]), CASES[0]!)).toThrow(
        /gradient must be float32 \[2, 3\].*\[3, 2\]/,
      );
    });
  });
});
