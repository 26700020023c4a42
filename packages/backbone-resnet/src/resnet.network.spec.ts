import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { Rng, compilePluginSchema, createKdContainer } from '@kd/core';
import { ResnetNetwork } from './resnet.network.js';
import { resnetPlugin } from './plugin.js';
import { CIFAR_RESNET_VARIANTS, RESNET_VARIANTS, resnetOptionsSchema, type ResnetOptions, type ResnetVariant } from './resnet.options.js';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ResnetVariant,
  Record<'10' | '100', number>
>;

const options = (variant: ResnetVariant = 'resnet8'): ResnetOptions => ({ name: 'resnet', variant });
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

describe('ResnetNetwork', () => {
  it('offers exactly the reference variants in its options schema', () => {
    expect(resnetOptionsSchema.properties.variant.enum).toEqual(Object.keys(RESNET_VARIANTS));
    expect(Object.keys(referenceCounts).sort()).toEqual(Object.keys(RESNET_VARIANTS).sort());
    expect(referenceCounts.resnet20['100']).toBe(278_324);
  });

  it('validates options with strict Ajv: default variant resnet20, unknown variants and properties rejected', () => {
    const validate = compilePluginSchema(resnetPlugin.manifest);
    const o: Record<string, unknown> = { name: 'resnet' };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ name: 'resnet', variant: 'resnet20' });
    expect(validate({ name: 'resnet', variant: 'resnet101' })).toBe(false);
    expect(validate({ name: 'resnet', variant: 'cifar_resnet50' })).toBe(true);
    expect(validate({ name: 'resnet', depth: 20 })).toBe(false);
  });

  it.each(Object.keys(CIFAR_RESNET_VARIANTS) as ResnetVariant[])(
    '%s has the PyTorch reference parameter count (10 and 100 classes)',
    (variant) => {
      for (const classes of [10, 100] as const) {
        const n = new ResnetNetwork(options(variant), context(`p${classes}`, 1, [32, 32, 3], classes));
        expect(n.countParams()).toBe(referenceCounts[variant][classes]);
        n.dispose();
      }
    },
  );

  it('counts the FLOPs of convolutions, shortcuts and classifier', () => {
    const n = new ResnetNetwork(options('resnet8'), context('f'));
    const conv = (hw: number, k: number, cin: number, cout: number) => 2 * hw * hw * k * k * cin * cout;
    const expected =
      conv(32, 3, 3, 16) +
      conv(32, 3, 16, 16) * 2 +
      (conv(16, 3, 16, 32) + conv(16, 3, 32, 32) + conv(16, 1, 16, 32)) +
      (conv(8, 3, 32, 64) + conv(8, 3, 64, 64) + conv(8, 1, 32, 64)) +
      2 * 64 * 10;
    expect(n.countFlops()).toBe(expected);
    n.dispose();
  });

  it('exposes stem, stage and pre-activation features, embedding and logits for 32×32×3', () => {
    const n = new ResnetNetwork(options('resnet8x4'), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [32, 32, 64] },
      { name: 'stage2', outputShape: [16, 16, 128] },
      { name: 'stage3', outputShape: [8, 8, 256] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 32],
        stage1_preact: [1, 32, 32, 64],
        stage1: [1, 32, 32, 64],
        stage2_preact: [1, 16, 16, 128],
        stage2: [1, 16, 16, 128],
        stage3_preact: [1, 8, 8, 256],
        stage3: [1, 8, 8, 256],
      });
      expect(Object.keys(out.features)).toEqual(['stem', 'stage1_preact', 'stage1', 'stage2_preact', 'stage2', 'stage3_preact', 'stage3']);
      expect(out.embedding.shape).toEqual([1, 256]);
      expect(out.logits.shape).toEqual([1, 10]);
      // Stage outputs are the ReLU of the pre-activations, which do go negative.
      const pre = out.features['stage3_preact']!;
      expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
      expect(Array.from(out.features['stage3']!.dataSync())).toEqual(Array.from(tf.relu(pre).dataSync()));
    });
    n.dispose();
  });

  it('handles 28×28×1 inputs (odd 7×7 last stage, 1-channel stem)', () => {
    const n = new ResnetNetwork(options('resnet8'), context('m', 1, [28, 28, 1]));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [28, 28, 16],
      [14, 14, 32],
      [7, 7, 64],
    ]);
    // The stem sees one channel: 3·3·1·16 instead of 3·3·3·16 weights.
    expect(n.countParams()).toBe(referenceCounts.resnet8['10'] - 9 * 2 * 16);
    tf.tidy(() => {
      const out = n.apply(tf.zeros([2, 28, 28, 1]) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [2, 28, 28, 16],
        stage1_preact: [2, 28, 28, 16],
        stage1: [2, 28, 28, 16],
        stage2_preact: [2, 14, 14, 32],
        stage2: [2, 14, 14, 32],
        stage3_preact: [2, 7, 7, 64],
        stage3: [2, 7, 7, 64],
      });
      expect(out.embedding.shape).toEqual([2, 64]);
      expect(out.logits.shape).toEqual([2, 10]);
    });
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; PyTorch init statistics', () => {
    const a = new ResnetNetwork(options(), context('s1', 5));
    const b = new ResnetNetwork(options(), context('s2', 5));
    const c = new ResnetNetwork(options(), context('s3', 6));
    const values = (n: ResnetNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const byName = new Map(a.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['stem_conv/kernel', 'stage2_block1_down_conv/kernel', 'classifier/bias']));
    expect(a.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    // kaiming_normal_(fan_out, relu) of a 3×3, 32→64 kernel: std = sqrt(2 / (9·64)) = 0.0589 (18,432 samples).
    expect(std(byName.get('stage3_block1_2_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    // Linear: U(±1/√64) for weight and bias.
    expect(Math.max(...byName.get('classifier/kernel')!.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...byName.get('classifier/bias')!.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(byName.get('classifier/bias')!.some((v) => v !== 0)).toBe(true);
    expect(byName.get('stem_bn/gamma')!.every((v) => v === 1)).toBe(true);
    expect(byName.get('stem_bn/beta')!.every((v) => v === 0)).toBe(true);
    expect(byName.get('stem_bn/moving_variance')!.every((v) => v === 1)).toBe(true);
    for (const n of [a, b, c]) n.dispose();
  });

  it('updates batch-norm running statistics in training mode only', () => {
    const n = new ResnetNetwork(options(), context('d', 1, [8, 8, 3]));
    const mean = n.stateVariables().find((v) => v.name === 'stage3_block1_down_bn/moving_mean')!.variable;
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    tf.tidy(() => {
      n.apply(x, { training: false });
    });
    expect(Array.from(mean.dataSync()).every((v) => v === 0)).toBe(true);
    tf.tidy(() => {
      n.apply(x, { training: true });
    });
    expect(Array.from(mean.dataSync()).some((v) => v !== 0)).toBe(true);
    x.dispose();
    n.dispose();
  });

  it('trains a step on resnet8 without leaking tensors, and changes the weights', () => {
    const n = new ResnetNetwork(options(), context('t', 1, [8, 8, 3]));
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

  it('exports a classifier with the same logits', () => {
    const n = new ResnetNetwork(options(), context('e', 1, [8, 8, 3]));
    const x = tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const model = n.toLayersModel();
    const exported = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    const logits = tf.tidy(() => Array.from(n.apply(x, { training: false }).logits.dataSync()));
    expect(exported).toHaveLength(30);
    exported.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
    x.dispose();
    n.dispose();
  });

  it('is created through the plugin factory', async () => {
    const n = await resnetPlugin.create(options('resnet14'), {
      ...context('g', 1, [8, 8, 3]),
      container: createKdContainer(),
      baseDir: '.',
    });
    expect(n.spec).toEqual({ name: 'resnet', options: options('resnet14') });
    expect(n.countParams()).toBe(referenceCounts.resnet14['10']);
    n.dispose();
  });
});
