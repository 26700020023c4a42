import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { ResnetNetwork } from './resnet.network.js';
import type { ResnetOptions } from './resnet.options.js';

const context = (scope: string, size = 16) => ({
  numClasses: 10,
  inputShape: [size, size, 3] as [number, number, number],
  rng: new Rng(3),
  scope,
});
const resnet = (variant: string, scope: string, size?: number) =>
  new ResnetNetwork({ name: 'resnet', variant } as ResnetOptions, context(scope, size));

/** Gives every batch norm's γ and β distinct random values, so a lookup of the wrong layer shows. */
function randomizeAffine(n: ResnetNetwork): Map<string, tf.Variable> {
  const rng = new Rng(9);
  for (const { name, variable } of n.stateVariables())
    if (/_bn\/(gamma|beta)$/.test(name)) variable.assign(tf.tensor(Array.from({ length: variable.size }, () => 2 * rng.next() - 1)));
  return new Map(n.stateVariables().map((v) => [v.name, v.variable]));
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('ResnetNetwork.preactNorm (the reference’s get_bn_before_relu: the residual branch’s last BN of the stage’s last block)', () => {
  it('CIFAR ResNet: block n’s second BN; with its γ = β = 0 the stage-1 preact of resnet8 is the identity shortcut (the stem)', () => {
    const n = resnet('resnet20', 'r20');
    const byName = randomizeAffine(n);
    for (const s of [1, 2, 3]) {
      const a = n.preactNorm(`stage${s}_preact`)!;
      expect(Array.from(a.gamma)).toEqual(Array.from(byName.get(`stage${s}_block3_2_bn/gamma`)!.dataSync()));
      expect(Array.from(a.beta)).toEqual(Array.from(byName.get(`stage${s}_block3_2_bn/beta`)!.dataSync()));
    }
    expect(n.preactNorm('stage1')).toBeUndefined();
    n.dispose();

    const r8 = resnet('resnet8', 'r8');
    const vars = randomizeAffine(r8);
    const a = r8.preactNorm('stage1_preact')!;
    for (const k of ['gamma', 'beta'] as const) {
      const v = vars.get(`stage1_block1_2_bn/${k}`)!;
      expect(Array.from(a[k])).toEqual(Array.from(v.dataSync()));
      v.assign(tf.zerosLike(v));
    }
    tf.tidy(() => {
      const out = r8.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false });
      expect(tf.max(tf.abs(tf.sub(out.features['stage1_preact']!, out.features['stem']!))).dataSync()[0]).toBeLessThan(1e-6);
    });
    r8.dispose();
  });

  it.each([
    ['cifar_resnet18', 'stage4_block2_2_bn', 512],
    ['cifar_resnet50', 'stage4_block3_3_bn', 2048],
  ])('four-stage %s: stage4_preact reads %s', (variant, bn, channels) => {
    const n = resnet(variant, variant, 8);
    const byName = randomizeAffine(n);
    const a = n.preactNorm('stage4_preact')!;
    expect(a.gamma).toHaveLength(channels);
    expect(Array.from(a.gamma)).toEqual(Array.from(byName.get(`${bn}/gamma`)!.dataSync()));
    expect(n.preactNorm('stage1_preact')).toBeDefined();
    n.dispose();
  });
});
