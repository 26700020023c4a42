import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { crossEntropy, Rng } from '@kd/core';
import { ChannelSplitter, explorationLoss, inheritanceLoss, kdTerm } from './index.js';

/** PyTorch reference values written by test/fixtures/make_ie_kd_fixtures.py. */
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/ie-kd-fixtures.json'), 'utf8'));

const close = (got: ArrayLike<number>, want: readonly number[], tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('IE-KD losses against PyTorch', () => {
  it('inheritance, exploration (distance and cosine), KD term, and the stage-2 total with its gradients', () => {
    tf.tidy(() => {
      const inh = tf.tensor4d(fx.inheritance, fx.shape);
      const exp = tf.tensor4d(fx.exploration, fx.shape);
      const t = tf.tensor4d(fx.teacher, fx.shape);
      const zs = tf.tensor2d(fx.studentLogits, [fx.labels.length, fx.classes]);
      const zt = tf.tensor2d(fx.teacherLogits, [fx.labels.length, fx.classes]);
      expect(inheritanceLoss(inh, t).dataSync()[0]).toBeCloseTo(fx.inheritanceLoss, 6);
      // p = 2: the root mean square of the official _factor_transfer, and its gradient
      expect(inheritanceLoss(inh, t, 2).dataSync()[0]).toBeCloseTo(fx.inheritanceLossP2, 6);
      close(
        tf
          .grad((x: tf.Tensor) => inheritanceLoss(x, t, 2))(inh)
          .dataSync(),
        fx.inheritanceLossP2Grad,
        1e-5,
      );
      expect(explorationLoss(exp, t, 'distance').dataSync()[0]).toBeCloseTo(fx.explorationDistance, 6);
      expect(explorationLoss(exp, t, 'cosine').dataSync()[0]).toBeCloseTo(fx.explorationCosine, 6);
      expect(kdTerm(zs, zt, fx.temperature).dataSync()[0]).toBeCloseTo(fx.kd, 5);
      const labels = tf.tensor1d(fx.labels, 'int32');
      // The goal loss as the distiller computes it: core's crossEntropy on the logits, not the fixture's number.
      const ce = crossEntropy(zs, labels);
      expect(ce.dataSync()[0]).toBeCloseTo(fx.ce, 6);
      // An independent float64 CE from the fixture's logits: −mean_b (z_b,y − log Σ_c exp z_b,c).
      const logits: number[] = fx.studentLogits;
      const ce64 =
        -fx.labels.reduce((acc: number, y: number, b: number) => {
          const row = logits.slice(b * fx.classes, (b + 1) * fx.classes);
          const m = Math.max(...row);
          return acc + row[y]! - m - Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
        }, 0) / fx.labels.length;
      expect(Math.abs(ce64 - fx.ce)).toBeLessThan(1e-12);
      const total = (a: tf.Tensor, b: tf.Tensor) =>
        tf.addN([
          ce,
          tf.mul(inheritanceLoss(a, t), fx.inheritanceWeight),
          tf.mul(explorationLoss(b, t, 'distance'), fx.explorationWeight),
          tf.mul(kdTerm(zs, zt, fx.temperature), fx.kdWeight),
        ]) as tf.Scalar;
      // Relative 1e-6 of a total of ~121 (float32 carries ~7 digits): the same tolerance as the terms it sums.
      close(total(inh, exp).dataSync(), [fx.total], 1e-6);
      const [gi, ge] = tf.grads((a: tf.Tensor, b: tf.Tensor) => total(a, b))([inh, exp]);
      close(gi!.dataSync(), fx.totalGradInheritance, 1e-4);
      close(ge!.dataSync(), fx.totalGradExploration, 1e-4);
    });
  });

  it('exploration with the distance form decreases as the factors move apart (it is the negated inheritance distance)', () => {
    tf.tidy(() => {
      const t = tf.tensor4d(fx.teacher, fx.shape);
      expect(explorationLoss(t, t, 'distance').dataSync()[0]).toBeCloseTo(0, 6);
      expect(explorationLoss(tf.neg(t), t, 'distance').dataSync()[0]).toBeLessThan(
        explorationLoss(tf.tensor4d(fx.exploration, fx.shape), t).dataSync()[0]!,
      );
    });
  });
});

describe('channel split against PyTorch divide_features', () => {
  const s = fx.split;
  it('natural: the first int(C/2) channels inherit; random: a fixed permutation, stored as module state', () => {
    const natural = new ChannelSplitter('natural', 5, new Rng(3), 'exploration');
    const random = new ChannelSplitter('random', 5, new Rng(3), 'exploration');
    expect([natural.inheritanceChannels, natural.explorationChannels]).toEqual([2, 3]);
    tf.tidy(() => random.order.assign(tf.tensor1d(s.order, 'float32')));
    expect(random.channelOrder()).toEqual(s.order);
    expect(random.stateVariables().map((v) => v.name)).toEqual(['order']);
    expect(random.trainableVariables()).toEqual([]);
    tf.tidy(() => {
      const f = tf.tensor4d(s.feature, s.shape);
      const n = natural.apply(f);
      close(n.inheritance.dataSync(), s.naturalInheritance, 1e-6);
      close(n.exploration!.dataSync(), s.naturalExploration, 1e-6);
      const r = random.apply(f);
      close(r.inheritance.dataSync(), s.randomInheritance, 1e-6);
      close(r.exploration!.dataSync(), s.randomExploration, 1e-6);
    });
    natural.dispose();
    random.dispose();
  });

  it('oddChannel "inheritance": the first ⌈C/2⌉ channels inherit (kd’s earlier rule)', () => {
    const ceil = new ChannelSplitter('natural', 5, new Rng(3), 'inheritance');
    expect([ceil.inheritanceChannels, ceil.explorationChannels]).toEqual([3, 2]);
    tf.tidy(() => {
      const n = ceil.apply(tf.tensor4d(s.feature, s.shape));
      close(n.inheritance.dataSync(), s.ceilInheritance, 1e-6);
      close(n.exploration!.dataSync(), s.ceilExploration, 1e-6);
    });
    ceil.dispose();
  });

  it('random permutations come from the run RNG: same seed, same split', () => {
    const a = new ChannelSplitter('random', 8, new Rng(11), 'exploration');
    const b = new ChannelSplitter('random', 8, new Rng(11), 'exploration');
    expect(a.channelOrder()).toEqual(b.channelOrder());
    expect([...a.channelOrder()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    a.dispose();
    b.dispose();
  });
});
