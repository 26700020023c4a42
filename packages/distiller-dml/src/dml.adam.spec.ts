import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, Rng, RunEvents, type LossTerms, type Network } from '@kd/core';
import { DmlDistiller } from './dml.distiller.js';
import type { DmlUpdate } from './dml.options.js';

/**
 * DML with Adam against a float64 re-implementation: two linear classifiers (logits = x·W + b), whose loss gradients
 * are written out by hand, and Adam written from its definition with one step count per parameter (PyTorch's
 * state['step']). Each network is updated once per batch, so each network's bias correction must use the batch count.
 */
const D = 6;
const K = 4;
const B = 5;
const TAU = 2;
const KL_WEIGHT = 0.5;
const LR = 0.1;
const [BETA1, BETA2, EPS] = [0.9, 0.999, 1e-8];

let unique = 0;
function linearNetwork(w: number[][]): Network {
  const id = `dml-adam-${unique++}`;
  const W = tf.variable(tf.tensor2d(w), true, `${id}/w`);
  const b = tf.variable(tf.zeros([K]), true, `${id}/b`);
  return {
    name: id,
    stages: [],
    numClasses: K,
    inputShape: [1, 1, D],
    spec: { name: 'linear', options: {} },
    apply: (x) => {
      const flat = tf.reshape(x, [x.shape[0], D]) as tf.Tensor2D;
      return { logits: tf.add(tf.matMul(flat, W), b) as tf.Tensor2D, features: {}, embedding: flat };
    },
    trainableVariables: () => [W, b],
    stateVariables: () => [
      { name: 'w', variable: W },
      { name: 'b', variable: b },
    ],
    countParams: () => D * K + K,
    dispose: () => {
      W.dispose();
      b.dispose();
    },
  };
}

/** A float64 linear classifier with Adam state per parameter. */
interface RefNet {
  w: number[][];
  b: number[];
  m: { w: number[][]; b: number[] };
  v: { w: number[][]; b: number[] };
  t: number;
}

const softmax = (row: number[]) => {
  const mx = Math.max(...row);
  const e = row.map((z) => Math.exp(z - mx));
  const s = e.reduce((a, c) => a + c, 0);
  return e.map((z) => z / s);
};
const logits = (n: RefNet, x: number[][]) => x.map((r) => n.b.map((bk, k) => bk + r.reduce((a, xi, i) => a + xi * n.w[i]![k]!, 0)));

/** ∂/∂z of CE(z, y) + λ·τ²·mean_b KL(softmax(z_other/τ) ‖ softmax(z/τ)): (p − onehot)/B + λ·τ·(p_τ − q_τ)/B. */
function logitGrad(z: number[][], other: number[][], y: number[]): number[][] {
  return z.map((row, r) => {
    const p = softmax(row);
    const pt = softmax(row.map((v) => v / TAU));
    const qt = softmax(other[r]!.map((v) => v / TAU));
    return p.map((pk, k) => (pk - (k === y[r] ? 1 : 0)) / B + (KL_WEIGHT * TAU * (pt[k]! - qt[k]!)) / B);
  });
}

/** The logged terms: CE and τ²·mean_b KL(q_τ ‖ p_τ). */
function terms(z: number[][], other: number[][], y: number[]): { ce: number; kl: number } {
  let ce = 0;
  let kl = 0;
  z.forEach((row, r) => {
    ce -= Math.log(softmax(row)[y[r]!]!);
    const pt = softmax(row.map((v) => v / TAU));
    const qt = softmax(other[r]!.map((v) => v / TAU));
    qt.forEach((q, k) => (kl += q * Math.log(q / pt[k]!)));
  });
  return { ce: ce / B, kl: (TAU * TAU * kl) / B };
}

function adam(n: RefNet, gz: number[][], x: number[][]): void {
  n.t += 1;
  const bc1 = 1 - BETA1 ** n.t;
  const bc2 = 1 - BETA2 ** n.t;
  const upd = (param: number, g: number, m: number, v: number) => {
    const m2 = BETA1 * m + (1 - BETA1) * g;
    const v2 = BETA2 * v + (1 - BETA2) * g * g;
    return [param - (LR * (m2 / bc1)) / (Math.sqrt(v2 / bc2) + EPS), m2, v2] as const;
  };
  for (let i = 0; i < D; i++)
    for (let k = 0; k < K; k++) {
      const g = gz.reduce((a, row, r) => a + x[r]![i]! * row[k]!, 0);
      [n.w[i]![k], n.m.w[i]![k], n.v.w[i]![k]] = upd(n.w[i]![k]!, g, n.m.w[i]![k]!, n.v.w[i]![k]!);
    }
  for (let k = 0; k < K; k++) {
    const g = gz.reduce((a, row) => a + row[k]!, 0);
    [n.b[k], n.m.b[k], n.v.b[k]] = upd(n.b[k]!, g, n.m.b[k]!, n.v.b[k]!);
  }
}

const refNet = (w: number[][]): RefNet => ({
  w: w.map((r) => [...r]),
  b: Array(K).fill(0),
  m: { w: w.map((r) => r.map(() => 0)), b: Array(K).fill(0) },
  v: { w: w.map((r) => r.map(() => 0)), b: Array(K).fill(0) },
  t: 0,
});

/** One DML batch in float64: alternating (Algorithm 1: the peer sees the student's updated prediction) or simultaneous. */
function refStep(s: RefNet, p: RefNet, x: number[][], y: number[], update: DmlUpdate): Record<string, number> {
  const zs = logits(s, x);
  const zp = logits(p, x);
  const a = terms(zs, zp, y);
  const gs = logitGrad(zs, zp, y);
  if (update === 'simultaneous') {
    const b = terms(zp, zs, y);
    const gp = logitGrad(zp, zs, y);
    adam(s, gs, x);
    adam(p, gp, x);
    return { ce: a.ce, kl: a.kl, peerCe: b.ce, peerKl: b.kl };
  }
  adam(s, gs, x);
  const zs2 = logits(s, x);
  const b = terms(zp, zs2, y);
  adam(p, logitGrad(zp, zs2, y), x);
  return { ce: a.ce, kl: a.kl, peerCe: b.ce, peerKl: b.kl };
}

describe('DML with Adam', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['alternating', 'simultaneous'] as const)(
    '%s: weights and logged terms match a float64 DML + Adam for 3 batches; each parameter’s step count is the batch count',
    async (update) => {
      const rng = new Rng(5);
      const draw = (rows: number, cols: number, scale: number) =>
        Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * rng.normal()));
      const ws = draw(D, K, 0.5);
      const wp = draw(D, K, 0.5);
      const student = linearNetwork(ws);
      const peer = linearNetwork(wp);
      const distiller = new DmlDistiller({ name: 'dml', klWeight: KL_WEIGHT, temperature: TAU, peer: {}, update });
      await distiller.setup({ student, numClasses: K, rng, events: new RunEvents(), runDir: '.', createNetwork: async () => peer });
      const params = [student, peer].flatMap((n) => n.trainableVariables());
      const optimizer = new Optimizer(
        { type: 'adam', lr: LR },
        params.map((variable, i) => ({ id: `p${i}`, variable, decay: true })),
      );
      const [s, p] = [refNet(ws), refNet(wp)];
      const batches = 3;
      for (let i = 0; i < batches; i++) {
        const x = draw(B, D, 1);
        const y = Array.from({ length: B }, (_, r) => (r + i) % K);
        const logged = tf.tidy(() => {
          const r: LossTerms = distiller.trainStep({
            epoch: 0,
            epochs: 1,
            step: i,
            globalStep: i,
            stage: 'train',
            x: tf.tensor4d(x.flat(), [B, 1, 1, D]),
            labels: tf.tensor1d(y, 'int32'),
            student,
            numClasses: K,
            optimizer,
          });
          return Object.fromEntries(Object.entries(r.terms).map(([k, v]) => [k, v.dataSync()[0]!]));
        });
        const want = refStep(s, p, x, y, update);
        for (const k of Object.keys(want))
          expect(Math.abs(logged[k]! - want[k]!), `batch ${i}: ${k}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[k]!)));
        const check = (net: Network, ref: RefNet, who: string) => {
          const [W, b] = net.trainableVariables();
          const got = [...W!.dataSync(), ...b!.dataSync()];
          const exp = [...ref.w.flat(), ...ref.b];
          // An Adam step moves a weight by about lr; a wrong bias correction (step count 2 at the first update) by 0.74·lr.
          exp.forEach((e, j) => expect(Math.abs(got[j]! - e), `batch ${i}: ${who} parameter ${j}`).toBeLessThan(1e-5));
        };
        check(student, s, 'student');
        check(peer, p, 'peer');
      }
      for (const v of params) expect(optimizer.stepCount(v), v.name).toBe(batches);
      optimizer.dispose();
      distiller.dispose();
      student.dispose();
    },
  );
});
