import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { Rng, compilePluginSchema, createKdContainer } from '@kd/core';
import { WrnNetwork } from './wrn.network.js';
import { wrnPlugin } from './plugin.js';
import { WRN_PRESETS, wrnOptionsSchema, type WrnOptions, type WrnPreset } from './wrn.options.js';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  WrnPreset,
  Record<'10' | '100', number>
>;

const options = (depth = 16, widen = 1): WrnOptions => ({ name: 'wrn', depth, widen });
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

describe('WrnNetwork', () => {
  it('has a reference count for exactly the named presets', () => {
    expect(Object.keys(referenceCounts).sort()).toEqual(Object.keys(WRN_PRESETS).sort());
    // RepDistiller's table: WRN-40-2 has 2.26 M parameters on CIFAR-100.
    expect(referenceCounts.wrn_40_2['100']).toBe(2_255_156);
  });

  it('validates options with strict Ajv: defaults depth 40 and widen 2, bad values and unknown properties rejected', () => {
    const validate = compilePluginSchema(wrnPlugin.manifest);
    const o: Record<string, unknown> = { name: 'wrn' };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ name: 'wrn', depth: 40, widen: 2 });
    expect(validate({ name: 'wrn', depth: 16, widen: 1 })).toBe(true);
    expect(validate({ name: 'wrn', depth: 16.5 })).toBe(false);
    expect(validate({ name: 'wrn', widen: 0 })).toBe(false);
    expect(validate({ name: 'wrn', depth: 4 })).toBe(false);
    expect(validate({ name: 'wrn', variant: 'wrn_40_2' })).toBe(false);
    expect(wrnOptionsSchema.properties.depth.default).toBe(40);
  });

  it('rejects a depth that is not 6n + 4', () => {
    expect(() => new WrnNetwork(options(18, 1), context('x'))).toThrow(/6n \+ 4/);
    expect(() => new WrnNetwork(options(16, 0), context('x'))).toThrow(/widen/);
  });

  it.each(Object.keys(WRN_PRESETS) as WrnPreset[])('%s has the PyTorch reference parameter count (10 and 100 classes)', (preset) => {
    const { depth, widen } = WRN_PRESETS[preset];
    for (const classes of [10, 100] as const) {
      const n = new WrnNetwork(options(depth, widen), context(`p${classes}`, 1, [32, 32, 3], classes));
      expect(n.countParams()).toBe(referenceCounts[preset][classes]);
      n.dispose();
    }
  });

  it('counts the FLOPs of convolutions, shortcuts and classifier', () => {
    const n = new WrnNetwork(options(10, 2), context('f'));
    const conv = (hw: number, k: number, cin: number, cout: number) => 2 * hw * hw * k * k * cin * cout;
    const expected =
      conv(32, 3, 3, 16) +
      (conv(32, 3, 16, 32) + conv(32, 3, 32, 32) + conv(32, 1, 16, 32)) +
      (conv(16, 3, 32, 64) + conv(16, 3, 64, 64) + conv(16, 1, 32, 64)) +
      (conv(8, 3, 64, 128) + conv(8, 3, 128, 128) + conv(8, 1, 64, 128)) +
      2 * 128 * 10;
    expect(n.countFlops()).toBe(expected);
    n.dispose();
  });

  it('exposes stem, stage and pre-activation features, embedding and logits for 32×32×3', () => {
    const n = new WrnNetwork(options(16, 2), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [32, 32, 32] },
      { name: 'stage2', outputShape: [16, 16, 64] },
      { name: 'stage3', outputShape: [8, 8, 128] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 16],
        stage1: [1, 32, 32, 32],
        stage1_preact: [1, 32, 32, 32],
        stage2: [1, 16, 16, 64],
        stage2_preact: [1, 16, 16, 64],
        stage3: [1, 8, 8, 128],
        stage3_preact: [1, 8, 8, 128],
        stage3_relu: [1, 8, 8, 128],
      });
      expect(Object.keys(out.features)).toEqual([
        'stem',
        'stage1',
        'stage1_preact',
        'stage2',
        'stage2_preact',
        'stage3',
        'stage3_preact',
        'stage3_relu',
      ]);
      expect(out.embedding.shape).toEqual([1, 128]);
      expect(out.logits.shape).toEqual([1, 10]);
      // Fresh eval-mode BN is x / √(1 + ε): the preact is the stage output scaled, and the embedding is the pooled ReLU.
      const s3 = out.features['stage3']!;
      const pre = out.features['stage3_preact']!;
      expect(tf.max(tf.abs(tf.sub(pre, tf.div(s3, Math.sqrt(1 + 1e-5))))).dataSync()[0]).toBeLessThan(1e-5);
      expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
      const pooled = tf.mean(tf.relu(pre), [1, 2]);
      expect(tf.max(tf.abs(tf.sub(pooled, out.embedding))).dataSync()[0]).toBeLessThan(1e-5);
    });
    n.dispose();
  });

  it('handles 28×28×1 inputs (odd 7×7 last stage, 1-channel stem)', () => {
    const n = new WrnNetwork(options(16, 1), context('m', 1, [28, 28, 1]));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [28, 28, 16],
      [14, 14, 32],
      [7, 7, 64],
    ]);
    expect(n.countParams()).toBe(referenceCounts.wrn_16_1['10'] - 9 * 2 * 16);
    tf.tidy(() => {
      const out = n.apply(tf.zeros([2, 28, 28, 1]) as tf.Tensor4D, { training: false });
      expect(out.features['stage3']!.shape).toEqual([2, 7, 7, 64]);
      expect(out.logits.shape).toEqual([2, 10]);
    });
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; reference init statistics', () => {
    const a = new WrnNetwork(options(), context('s1', 5));
    const b = new WrnNetwork(options(), context('s2', 5));
    const c = new WrnNetwork(options(), context('s3', 6));
    const values = (n: WrnNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const byName = new Map(a.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'stem_conv/kernel',
        'stage2_block1_short_conv/kernel',
        'stage1_block1_1_bn/gamma',
        'final_bn/moving_variance',
        'classifier/bias',
      ]),
    );
    // WRN-16-1: group 1 keeps 16 channels, so its first block has the identity shortcut.
    expect(byName.has('stage1_block1_short_conv/kernel')).toBe(false);
    expect(a.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    // normal(0, √(2 / (k²·out))) of a 3×3, 64→64 kernel: 0.0589 (36,864 samples).
    expect(std(byName.get('stage3_block2_2_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    // Linear weight at PyTorch's default U(±1/√64), bias zeroed as in the reference.
    const fc = byName.get('classifier/kernel')!;
    expect(Math.max(...fc.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(fc.some((v) => v !== 0)).toBe(true);
    expect(byName.get('classifier/bias')!.every((v) => v === 0)).toBe(true);
    expect(byName.get('final_bn/gamma')!.every((v) => v === 1)).toBe(true);
    expect(byName.get('final_bn/beta')!.every((v) => v === 0)).toBe(true);
    for (const n of [a, b, c]) n.dispose();
  });

  it('updates batch-norm running statistics in training mode only', () => {
    const n = new WrnNetwork(options(), context('d', 1, [8, 8, 3]));
    const mean = n.stateVariables().find((v) => v.name === 'final_bn/moving_mean')!.variable;
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

  it('trains a step on WRN-16-2 without leaking tensors, and changes the weights', () => {
    const n = new WrnNetwork(options(16, 2), context('t', 1, [8, 8, 3]));
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
    const n = new WrnNetwork(options(), context('e', 1, [8, 8, 3]));
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
    const n = await wrnPlugin.create(options(16, 1), { ...context('g', 1, [8, 8, 3]), container: createKdContainer(), baseDir: '.' });
    expect(n.spec).toEqual({ name: 'wrn', options: options(16, 1) });
    expect(n.countParams()).toBe(referenceCounts.wrn_16_1['10']);
    n.dispose();
  });
});
