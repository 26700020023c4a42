import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { Rng, compilePluginSchema, createKdContainer } from '@kd/core';
import { MobilenetNetwork } from './mobilenet.network.js';
import { mobilenetPlugin } from './plugin.js';
import { MOBILENET_VARIANTS, mobilenetOptionsSchema, type MobilenetOptions, type MobilenetVariant } from './mobilenet.options.js';
import { expectBatchNormModes } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  MobilenetVariant,
  Record<string, number>
>;

const options = (variant: MobilenetVariant = 'mobilenetv2_half'): MobilenetOptions => ({ name: 'mobilenet', variant });
const context = (scope: string, seed = 1, inputShape: [number, number, number] = [32, 32, 3], numClasses = 10) => ({
  numClasses,
  inputShape,
  rng: new Rng(seed),
  scope,
});
const shapes = (r: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.shape]));

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('MobilenetNetwork', () => {
  it('offers exactly the reference variants in its options schema', () => {
    expect(mobilenetOptionsSchema.properties.variant.enum).toEqual(Object.keys(MOBILENET_VARIANTS));
    expect(Object.keys(referenceCounts).sort()).toEqual(Object.keys(MOBILENET_VARIANTS).sort());
  });

  it('validates options with strict Ajv: default variant mobilenetv2_half, unknown variants and properties rejected', () => {
    const validate = compilePluginSchema(mobilenetPlugin.manifest);
    const o: Record<string, unknown> = { name: 'mobilenet' };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ name: 'mobilenet', variant: 'mobilenetv2_half' });
    expect(validate({ name: 'mobilenet', variant: 'mobilenetv3' })).toBe(false);
    expect(validate({ name: 'mobilenet', widthMult: 0.5 })).toBe(false);
  });

  it.each(Object.keys(MOBILENET_VARIANTS) as MobilenetVariant[])(
    '%s has the PyTorch reference parameter count (10 and 100 classes)',
    (variant) => {
      for (const classes of [10, 100] as const) {
        const n = new MobilenetNetwork(options(variant), context(`p${classes}`, 1, [32, 32, 3], classes));
        expect(n.countParams()).toBe(referenceCounts[variant][classes]);
        n.dispose();
      }
    },
  );

  it('exposes stem and stage features, embedding and logits for 32×32×3 (mobilenetv2_half)', () => {
    const n = new MobilenetNetwork(options(), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [16, 16, 12] },
      { name: 'stage2', outputShape: [8, 8, 16] },
      { name: 'stage3', outputShape: [4, 4, 48] },
      { name: 'stage4', outputShape: [2, 2, 160] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [2, 16, 16, 16],
        stage1: [2, 16, 16, 12],
        stage2: [2, 8, 8, 16],
        stage3: [2, 4, 4, 48],
        stage4: [2, 2, 2, 160],
      });
      expect(Object.keys(out.features)).toEqual(['stem', 'stage1', 'stage2', 'stage3', 'stage4']);
      expect(out.embedding.shape).toEqual([2, 1280]);
      expect(out.logits.shape).toEqual([2, 10]);
      // Stage features end in a linear projection + BN (the reference's "BN before ReLU"): they go negative.
      expect(tf.min(out.features['stage4']!).dataSync()[0]).toBeLessThan(0);
      expect(tf.min(out.features['stem']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
    });
    n.dispose();
  });

  it('has the full-width stage shapes for mobilenetv2', () => {
    const n = new MobilenetNetwork(options('mobilenetv2'), context('w'));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [16, 16, 24],
      [8, 8, 32],
      [4, 4, 96],
      [2, 2, 320],
    ]);
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; reference init statistics', () => {
    const a = new MobilenetNetwork(options(), context('s1', 5));
    const b = new MobilenetNetwork(options(), context('s2', 5));
    const c = new MobilenetNetwork(options(), context('s3', 6));
    const values = (n: MobilenetNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const byName = new Map(a.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
    expect(a.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    // Depthwise 3×3 over 480 channels (block7_1 of the half variant: 80·6): N(0, √(2 / (9·480))), 4,320 samples.
    const dw = byName.get('block7_1_dw_conv/depthwise_kernel')!;
    expect(dw).toHaveLength(9 * 480);
    expect(std(dw) / Math.sqrt(2 / (9 * 480))).toBeCloseTo(1, 1);
    // Pointwise 1×1, 80 → 480: Kaiming fan-out, std = √(2 / 480).
    expect(std(byName.get('block7_1_expand_conv/kernel')!) / Math.sqrt(2 / 480)).toBeCloseTo(1, 1);
    // Classifier N(0, 0.01) with zero bias, as the reference.
    expect(std(byName.get('classifier/kernel')!) / 0.01).toBeCloseTo(1, 1);
    expect(byName.get('classifier/bias')!.every((v) => v === 0)).toBe(true);
    expect(byName.get('stem_bn/gamma')!.every((v) => v === 1)).toBe(true);
    expect(byName.get('head_bn/moving_variance')!.every((v) => v === 1)).toBe(true);
    for (const n of [a, b, c]) n.dispose();
  });

  it.each(['mobilenetv2_half', 'mobilenetv1'] as const)(
    '%s uses batch statistics in training mode (updating the running ones, momentum 0.1) and running statistics in inference mode',
    (variant) => {
      const n = new MobilenetNetwork(options(variant), context('d', 1, [16, 16, 3]));
      const kernel = n.stateVariables().find((v) => v.name === 'stem_conv/kernel')!.variable as tf.Tensor4D;
      const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      expectBatchNormModes(n, x, {
        bn: 'stem_bn',
        // The first norm's input: the 3×3 stride-2 stem conv, padded by one pixel like PyTorch's padding=1.
        bnInput: (input) =>
          tf.conv2d(
            tf.pad(input, [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]),
            kernel,
            2,
            'valid',
          ),
        deepBn: variant === 'mobilenetv1' ? 'block13_pw_bn' : 'head_bn',
      });
      x.dispose();
      n.dispose();
    },
  );

  it('trains a step without leaking tensors (stock cpu gradients, depthwise included), and changes the weights', () => {
    const n = new MobilenetNetwork(options(), context('t', 1, [32, 32, 3]));
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
    const vars = n.trainableVariables();
    const dw = n.stateVariables().find((v) => v.name === 'block3_1_dw_conv/depthwise_kernel')!.variable;
    const stem = vars[0]!;
    const before = [Array.from(stem.dataSync()), Array.from(dw.dataSync())];
    const tensors = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, n.apply(x, { training: true }).logits) as tf.Scalar,
        vars,
      );
      expect(Object.keys(grads)).toHaveLength(vars.length);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(stem.dataSync())).not.toEqual(before[0]);
    expect(Array.from(dw.dataSync())).not.toEqual(before[1]);
    x.dispose();
    y.dispose();
    n.dispose();
  });

  it('mobilenetv1: 4,231,976 parameters at 1000 classes, ImageNet stage shapes at 224×224×3 (no forward pass)', () => {
    expect(referenceCounts.mobilenetv1['1000']).toBe(4_231_976);
    const n = new MobilenetNetwork(options('mobilenetv1'), context('v1', 1, [224, 224, 3], 1000));
    expect(n.countParams()).toBe(4_231_976);
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [56, 56, 128] },
      { name: 'stage2', outputShape: [28, 28, 256] },
      { name: 'stage3', outputShape: [14, 14, 512] },
      { name: 'stage4', outputShape: [7, 7, 1024] },
    ]);
    // 567.7 M multiply-adds in the convolutions + 1.0 M in the classifier: the MobileNetV1 paper's 569 M.
    expect(n.countFlops()).toBe(2 * 567_716_352 + 2 * 1024 * 1000);
    n.dispose();
  });

  it('mobilenetv1 forward at 64×64×3: ReLU features (post-activation), embedding 1024', () => {
    const n = new MobilenetNetwork(options('mobilenetv1'), context('v1f', 1, [64, 64, 3], 10));
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 32],
        stage1: [1, 16, 16, 128],
        stage2: [1, 8, 8, 256],
        stage3: [1, 4, 4, 512],
        stage4: [1, 2, 2, 1024],
      });
      expect(out.embedding.shape).toEqual([1, 1024]);
      expect(out.logits.shape).toEqual([1, 10]);
      expect(tf.min(out.features['stage4']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
    });
    const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable.shape]));
    expect(byName.get('block2_dw_conv/depthwise_kernel')).toEqual([3, 3, 64, 1]);
    expect(byName.get('block13_pw_conv/kernel')).toEqual([1, 1, 1024, 1024]);
    n.dispose();
  });

  it('is created through the plugin factory', async () => {
    const n = await mobilenetPlugin.create(options(), { ...context('g'), container: createKdContainer(), baseDir: '.' });
    expect(n.spec).toEqual({ name: 'mobilenet', options: options() });
    expect(n.countParams()).toBe(referenceCounts.mobilenetv2_half['10']);
    n.dispose();
  });
});
