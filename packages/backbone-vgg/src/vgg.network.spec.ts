import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { Rng, compilePluginSchema, createKdContainer } from '@kd/core';
import { VggNetwork } from './vgg.network.js';
import { vggPlugin } from './plugin.js';
import { VGG_VARIANTS, vggOptionsSchema, type VggOptions, type VggVariant } from './vgg.options.js';
import { expectBatchNormModes } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  VggVariant,
  Record<'10' | '100', number>
>;

const options = (variant: VggVariant = 'vgg8'): VggOptions => ({ name: 'vgg', variant });
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

describe('VggNetwork', () => {
  it('offers exactly the reference variants in its options schema', () => {
    expect(vggOptionsSchema.properties.variant.enum).toEqual(Object.keys(VGG_VARIANTS));
    expect(Object.keys(referenceCounts).sort()).toEqual(Object.keys(VGG_VARIANTS).sort());
    // RepDistiller's table: vgg13 has 9.46 M parameters on CIFAR-100.
    expect(referenceCounts.vgg13['100']).toBe(9_462_180);
  });

  it('validates options with strict Ajv: default variant vgg13, unknown variants and properties rejected', () => {
    const validate = compilePluginSchema(vggPlugin.manifest);
    const o: Record<string, unknown> = { name: 'vgg' };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ name: 'vgg', variant: 'vgg13' });
    expect(validate({ name: 'vgg', variant: 'vgg19' })).toBe(true);
    expect(validate({ name: 'vgg', variant: 'vgg13_bn' })).toBe(false);
    expect(validate({ name: 'vgg', depth: 13 })).toBe(false);
  });

  // Parameter counts do not depend on the spatial size: 8×8 inputs keep the test fast.
  it.each(Object.keys(VGG_VARIANTS) as VggVariant[])('%s has the PyTorch reference parameter count (10 and 100 classes)', (variant) => {
    for (const classes of [10, 100] as const) {
      const n = new VggNetwork(options(variant), context(`p${classes}`, 1, [8, 8, 3], classes));
      expect(n.countParams()).toBe(referenceCounts[variant][classes]);
      n.dispose();
    }
  });

  it('counts the FLOPs of convolutions and classifier', () => {
    const n = new VggNetwork(options('vgg8'), context('f'));
    const conv = (hw: number, cin: number, cout: number) => 2 * hw * hw * 9 * cin * cout;
    expect(n.countFlops()).toBe(
      conv(32, 3, 64) + conv(16, 64, 128) + conv(8, 128, 256) + conv(4, 256, 512) + conv(4, 512, 512) + 2 * 512 * 10,
    );
    n.dispose();
  });

  it('exposes stem, stage and pre-activation features, embedding and logits for 32×32×3', () => {
    const n = new VggNetwork(options('vgg11'), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [16, 16, 128] },
      { name: 'stage2', outputShape: [8, 8, 256] },
      { name: 'stage3', outputShape: [4, 4, 512] },
      { name: 'stage4', outputShape: [4, 4, 512] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 64],
        stage1_preact: [1, 16, 16, 128],
        stage1: [1, 16, 16, 128],
        stage2_preact: [1, 8, 8, 256],
        stage2: [1, 8, 8, 256],
        stage3_preact: [1, 4, 4, 512],
        stage3: [1, 4, 4, 512],
        stage4_preact: [1, 4, 4, 512],
        stage4: [1, 4, 4, 512],
      });
      expect(Object.keys(out.features)).toEqual([
        'stem',
        'stage1_preact',
        'stage1',
        'stage2_preact',
        'stage2',
        'stage3_preact',
        'stage3',
        'stage4_preact',
        'stage4',
      ]);
      expect(out.embedding.shape).toEqual([1, 512]);
      expect(out.logits.shape).toEqual([1, 10]);
      const pre = out.features['stage4_preact']!;
      expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
      expect(Array.from(out.features['stage4']!.dataSync())).toEqual(Array.from(tf.relu(pre).dataSync()));
    });
    n.dispose();
  });

  it('pools before block 4 only for 64×64 inputs, as the reference', () => {
    const n = new VggNetwork(options('vgg8'), context('h', 1, [64, 64, 3]));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [32, 32, 128],
      [16, 16, 256],
      [8, 8, 512],
      [4, 4, 512],
    ]);
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; reference init statistics', () => {
    const a = new VggNetwork(options(), context('s1', 5, [8, 8, 3]));
    const b = new VggNetwork(options(), context('s2', 5, [8, 8, 3]));
    const c = new VggNetwork(options(), context('s3', 6, [8, 8, 3]));
    const values = (n: VggNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const byName = new Map(a.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(['block0_1_conv/kernel', 'block0_1_conv/bias', 'block4_1_bn/gamma', 'classifier/kernel']),
    );
    expect(a.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(std(byName.get('block1_1_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 128)), 2);
    expect(byName.get('block1_1_conv/bias')!.every((v) => v === 0)).toBe(true);
    // Classifier: weight normal(0, 0.01), bias zero.
    expect(std(byName.get('classifier/kernel')!)).toBeCloseTo(0.01, 3);
    expect(byName.get('classifier/bias')!.every((v) => v === 0)).toBe(true);
    expect(byName.get('block0_1_bn/gamma')!.every((v) => v === 1)).toBe(true);
    for (const n of [a, b, c]) n.dispose();
  });

  it('uses batch statistics in training mode (updating the running ones, momentum 0.1) and running statistics in inference mode', () => {
    const n = new VggNetwork(options(), context('d', 1, [8, 8, 3]));
    const w = new Map(n.stateVariables().map((v) => [v.name, v.variable]));
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    expectBatchNormModes(n, x, {
      bn: 'block0_1_bn',
      // The first norm's input: the 3×3 stride-1 conv with bias.
      bnInput: (input) => tf.add(tf.conv2d(input, w.get('block0_1_conv/kernel') as tf.Tensor4D, 1, 'same'), w.get('block0_1_conv/bias')!),
      deepBn: 'block4_1_bn',
    });
    x.dispose();
    n.dispose();
  });

  it('trains a step on vgg8 without leaking tensors, and changes the weights', () => {
    const n = new VggNetwork(options(), context('t', 1, [8, 8, 3]));
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
    const vars = n.trainableVariables();
    const kernel = vars[0]!;
    const before0 = Array.from(kernel.dataSync());
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++)
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(y, n.apply(x, { training: true }).logits) as tf.Scalar,
          vars,
        );
        expect(Object.keys(grads)).toHaveLength(vars.length);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
      });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(kernel.dataSync())).not.toEqual(before0);
    x.dispose();
    y.dispose();
    n.dispose();
  });

  it('is created through the plugin factory', async () => {
    const n = await vggPlugin.create(options('vgg8'), { ...context('g', 1, [8, 8, 3]), container: createKdContainer(), baseDir: '.' });
    expect(n.spec).toEqual({ name: 'vgg', options: options('vgg8') });
    expect(n.countParams()).toBe(referenceCounts.vgg8['10']);
    n.dispose();
  });
});
