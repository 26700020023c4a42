import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { ResnetNetwork } from './resnet.network.js';
import { FOUR_STAGE_RESNET_VARIANTS, type ResnetVariant } from './resnet.options.js';
import { backboneContext, featureShapes as shapes, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ResnetVariant,
  Record<string, number>
>;

type FourStage = keyof typeof FOUR_STAGE_RESNET_VARIANTS;
const options = (variant: FourStage) => ({ name: 'resnet' as const, variant });
const context = (scope: string, inputShape: [number, number, number], numClasses: number) =>
  backboneContext(scope, 1, inputShape, numClasses);
/** Stage widths 64, 128, 256, 512 (× 4, the Bottleneck expansion) at maps of `size`, `size`/2, `size`/4, `size`/8. */
const stageShapes = (size: number, expansion: 1 | 4) =>
  squareStages(
    [size, size / 2, size / 4, size / 8],
    [64, 128, 256, 512].map((c) => c * expansion),
  );

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('ResnetNetwork, four-stage variants', () => {
  it("has torchvision's published parameter counts at 1000 classes (written by the reference script)", () => {
    expect(referenceCounts.resnet18['1000']).toBe(11_689_512);
    expect(referenceCounts.resnet34['1000']).toBe(21_797_672);
    expect(referenceCounts.resnet50['1000']).toBe(25_557_032);
  });

  // One build per variant (the big ones take a while to initialise): ImageNet ResNets at 224×224×3 and 1000 classes,
  // the CIFAR ones at 32×32×3 and 100 classes; the stage shapes come from the symbolic build, without a forward pass.
  it.each([
    ['resnet18', [224, 224, 3], 1000, stageShapes(56, 1)],
    ['resnet34', [224, 224, 3], 1000, stageShapes(56, 1)],
    ['resnet50', [224, 224, 3], 1000, stageShapes(56, 4)],
    ['cifar_resnet18', [32, 32, 3], 100, stageShapes(32, 1)],
    ['cifar_resnet50', [32, 32, 3], 100, stageShapes(32, 4)],
  ] as [FourStage, [number, number, number], number, number[][]][])(
    '%s: reference parameter count and stage shapes',
    (variant, inputShape, classes, expected) => {
      const n = new ResnetNetwork(options(variant), context('p', inputShape, classes));
      expect(n.countParams()).toBe(referenceCounts[variant][String(classes)]);
      expect(n.stages).toEqual(expected.map((outputShape, i) => ({ name: `stage${i + 1}`, outputShape })));
      n.dispose();
    },
  );

  it('counts the FLOPs of resnet18 at 224×224 (torchvision: 1.814 G multiply-adds in convolutions and fc)', () => {
    const n = new ResnetNetwork(options('resnet18'), context('f', [224, 224, 3], 1000));
    const conv = (hw: number, k: number, cin: number, cout: number) => 2 * hw * hw * k * k * cin * cout;
    const basic = (hw: number, cin: number, c: number, down: boolean) =>
      conv(hw, 3, cin, c) + conv(hw, 3, c, c) + (down ? conv(hw, 1, cin, c) : 0);
    const expected =
      conv(112, 7, 3, 64) +
      2 * basic(56, 64, 64, false) +
      basic(28, 64, 128, true) +
      basic(28, 128, 128, false) +
      basic(14, 128, 256, true) +
      basic(14, 256, 256, false) +
      basic(7, 256, 512, true) +
      basic(7, 512, 512, false) +
      2 * 512 * 1000;
    expect(n.countFlops()).toBe(expected);
    expect(n.countFlops() / 2 / 1e9).toBeCloseTo(1.814, 3);
    n.dispose();
  });

  it('resnet18 forward at 64×64×3: stem before the max-pool, four stages, embedding, logits', () => {
    const n = new ResnetNetwork(options('resnet18'), context('c', [64, 64, 3], 10));
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 64],
        stage1_preact: [1, 16, 16, 64],
        stage1: [1, 16, 16, 64],
        stage2_preact: [1, 8, 8, 128],
        stage2: [1, 8, 8, 128],
        stage3_preact: [1, 4, 4, 256],
        stage3: [1, 4, 4, 256],
        stage4_preact: [1, 2, 2, 512],
        stage4: [1, 2, 2, 512],
      });
      expect(out.embedding.shape).toEqual([1, 512]);
      expect(out.logits.shape).toEqual([1, 10]);
      const pre = out.features['stage4_preact']!;
      expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
      expect(Array.from(out.features['stage4']!.dataSync())).toEqual(Array.from(tf.relu(pre).dataSync()));
    });
    n.dispose();
  });

  it('pads the stem like PyTorch: odd 7×7/2 conv and 3×3/2 max-pool sizes ⌈H/2⌉ (65×65 → 33 → 17)', () => {
    const n = new ResnetNetwork(options('resnet18'), context('o', [65, 65, 3], 10));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [17, 17, 64],
      [9, 9, 128],
      [5, 5, 256],
      [3, 3, 512],
    ]);
    n.dispose();
  });

  it("max-pool of a ReLU output: zero padding equals PyTorch's −∞ padding", () => {
    tf.tidy(() => {
      const x = tf.relu(tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 7)) as tf.Tensor4D;
      const padding: [number, number][] = [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ];
      const zero = tf.maxPool(tf.pad(x, padding), 3, 2, 'valid');
      const negInf = tf.maxPool(tf.pad(x, padding, -Infinity), 3, 2, 'valid');
      expect(zero.shape).toEqual([1, 4, 4, 2]);
      expect(Array.from(zero.dataSync())).toEqual(Array.from(negInf.dataSync()));
    });
  });

  it('cifar_resnet18 forward at 32×32×3: 3×3/1 stem without max-pool', () => {
    const n = new ResnetNetwork(options('cifar_resnet18'), context('r', [32, 32, 3], 100));
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D, { training: false });
      expect(out.features['stem']!.shape).toEqual([1, 32, 32, 64]);
      expect(out.features['stage4']!.shape).toEqual([1, 4, 4, 512]);
      expect(out.embedding.shape).toEqual([1, 512]);
      expect(out.logits.shape).toEqual([1, 100]);
    });
    n.dispose();
  });

  it('names resnet50 variables by stage, block and conv, with the stride on the 3×3 conv (v1.5)', () => {
    const n = new ResnetNetwork(options('resnet50'), context('v', [64, 64, 3], 10));
    const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable.shape]));
    expect(byName.get('stem_conv/kernel')).toEqual([7, 7, 3, 64]);
    expect(byName.get('stage1_block1_down_conv/kernel')).toEqual([1, 1, 64, 256]);
    expect(byName.get('stage2_block1_1_conv/kernel')).toEqual([1, 1, 256, 128]);
    expect(byName.get('stage2_block1_2_conv/kernel')).toEqual([3, 3, 128, 128]);
    expect(byName.get('stage2_block1_3_conv/kernel')).toEqual([1, 1, 128, 512]);
    expect(byName.get('stage4_block3_3_bn/gamma')).toEqual([2048]);
    expect(byName.get('classifier/kernel')).toEqual([2048, 10]);
    expect(byName.has('stage2_block2_down_conv/kernel')).toBe(false);
    n.dispose();
  });
});
