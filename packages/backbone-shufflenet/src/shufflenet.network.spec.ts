import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { Rng, compilePluginSchema, createKdContainer } from '@kd/core';
import { ChannelSlice } from './channel-slice.layer.js';
import { ShufflenetNetwork } from './shufflenet.network.js';
import { shufflenetPlugin } from './plugin.js';
import { SHUFFLENET_VARIANTS, shufflenetOptionsSchema, type ShufflenetOptions, type ShufflenetVariant } from './shufflenet.options.js';
import { expectBatchNormModes } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ShufflenetVariant,
  Record<'10' | '100', number>
>;

const VARIANTS = Object.keys(SHUFFLENET_VARIANTS) as ShufflenetVariant[];
const options = (variant: ShufflenetVariant = 'shufflenetv2'): ShufflenetOptions => ({ name: 'shufflenet', variant });
const context = (scope: string, seed = 1, inputShape: [number, number, number] = [32, 32, 3], numClasses = 10) => ({
  numClasses,
  inputShape,
  rng: new Rng(seed),
  scope,
});
const shapes = (r: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.shape]));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ShufflenetNetwork', () => {
  it('offers exactly the reference variants in its options schema', () => {
    expect(shufflenetOptionsSchema.properties.variant.enum).toEqual(VARIANTS);
    expect(Object.keys(referenceCounts).sort()).toEqual([...VARIANTS].sort());
  });

  it('validates options with strict Ajv 2020: default variant shufflenetv2, unknown variants and properties rejected', () => {
    const validate = compilePluginSchema(shufflenetPlugin.manifest);
    const o: Record<string, unknown> = { name: 'shufflenet' };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ name: 'shufflenet', variant: 'shufflenetv2' });
    expect(validate({ name: 'shufflenet', variant: 'shufflenetv1' })).toBe(true);
    expect(validate({ name: 'shufflenet', variant: 'shufflenetv3' })).toBe(false);
    expect(validate({ name: 'shufflenet', groups: 3 })).toBe(false);
  });

  it.each(VARIANTS)('%s has the PyTorch reference parameter count (10 and 100 classes)', (variant) => {
    for (const classes of [10, 100] as const) {
      const n = new ShufflenetNetwork(options(variant), context(`p${classes}`, 1, [32, 32, 3], classes));
      expect(n.countParams()).toBe(referenceCounts[variant][classes]);
      n.dispose();
    }
  });

  it('shuffles channels as the reference (channel j·g + i ← i·C/g + j) and splits them exactly', () => {
    // 2 groups of 3 channels: [0 1 2 | 3 4 5] → [0 3 1 4 2 5]; through the network's own shuffle path.
    const x = tfl.input({ shape: [1, 1, 6] });
    const a = tfl.layers.reshape({ targetShape: [1, 1, 2, 3] }).apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers.permute({ dims: [1, 2, 4, 3] }).apply(a) as tfl.SymbolicTensor;
    const y = tfl.layers.reshape({ targetShape: [1, 1, 6] }).apply(b) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: [y, new ChannelSlice({ start: 2, size: 3 }).apply(x) as tfl.SymbolicTensor] });
    tf.tidy(() => {
      const [shuffled, sliced] = m.predict(tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 1, 6])) as tf.Tensor[];
      expect(Array.from(shuffled!.dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
      expect(Array.from(sliced!.dataSync())).toEqual([2, 3, 4]);
    });
    m.dispose();
  });

  it('exposes stem, stage (pre-activation first), embedding and logit outputs for 32×32×3 (shufflenetv2)', () => {
    const n = new ShufflenetNetwork(options(), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [16, 16, 116] },
      { name: 'stage2', outputShape: [8, 8, 232] },
      { name: 'stage3', outputShape: [4, 4, 464] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [2, 32, 32, 24],
        stage1_preact: [2, 16, 16, 116],
        stage1: [2, 16, 16, 116],
        stage2_preact: [2, 8, 8, 232],
        stage2: [2, 8, 8, 232],
        stage3_preact: [2, 4, 4, 464],
        stage3: [2, 4, 4, 464],
      });
      expect(Object.keys(out.features)).toEqual(['stem', 'stage1_preact', 'stage1', 'stage2_preact', 'stage2', 'stage3_preact', 'stage3']);
      expect(out.embedding.shape).toEqual([2, 1024]);
      expect(out.logits.shape).toEqual([2, 10]);
      expect(tf.min(out.features['stage3_preact']!).dataSync()[0]).toBeLessThan(0);
      expect(tf.min(out.features['stage3']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
    });
    n.dispose();
  });

  it('exposes the shufflenetv1 shapes for 32×32×3', () => {
    const n = new ShufflenetNetwork(options('shufflenetv1'), context('v1'));
    expect(n.stages.map((s) => s.outputShape)).toEqual([
      [16, 16, 240],
      [8, 8, 480],
      [4, 4, 960],
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D, { training: false });
      expect(shapes(out.features)).toEqual({
        stem: [1, 32, 32, 24],
        stage1_preact: [1, 16, 16, 240],
        stage1: [1, 16, 16, 240],
        stage2_preact: [1, 8, 8, 480],
        stage2: [1, 8, 8, 480],
        stage3_preact: [1, 4, 4, 960],
        stage3: [1, 4, 4, 960],
      });
      expect(out.embedding.shape).toEqual([1, 960]);
      expect(out.logits.shape).toEqual([1, 10]);
      expect(tf.min(out.features['stage3_preact']!).dataSync()[0]).toBeLessThan(0);
    });
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; PyTorch default bounds', () => {
    const a = new ShufflenetNetwork(options(), context('s1', 5));
    const b = new ShufflenetNetwork(options(), context('s2', 5));
    const c = new ShufflenetNetwork(options(), context('s3', 6));
    const values = (n: ShufflenetNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    expect(a.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
    const byName = new Map(a.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
    const maxAbs = (xs: number[]) => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    // Depthwise 3×3: PyTorch fan_in = 9 → U(±1/3).
    const dw = byName.get('stage3_unit1_dw_conv/depthwise_kernel')!;
    expect(dw).toHaveLength(9 * 232);
    expect(maxAbs(dw)).toBeLessThanOrEqual(1 / 3);
    expect(maxAbs(dw)).toBeGreaterThan(0.3);
    // 1×1, 232 → 232: U(±1/√232).
    const pw = byName.get('stage3_unit1_conv1_conv/kernel')!;
    expect(maxAbs(pw)).toBeLessThanOrEqual(1 / Math.sqrt(232));
    expect(maxAbs(pw)).toBeGreaterThan(0.9 / Math.sqrt(232));
    expect(maxAbs(byName.get('classifier/kernel')!)).toBeLessThanOrEqual(1 / Math.sqrt(1024));
    expect(byName.get('stem_bn/gamma')!.every((v) => v === 1)).toBe(true);
    for (const n of [a, b, c]) n.dispose();
  });

  // Written from the reference definitions (mdistiller cifar/ShuffleNetv1.py, ShuffleNetv2.py), for one 32×32 image:
  // a multiply-add counts 2, a grouped 1×1 conv in·out/g per pixel, a depthwise 3×3 9·C per output pixel.
  const referenceFlops = (variant: ShufflenetVariant, classes: number): number => {
    let hw = 32;
    let cin = 24;
    let flops = 2 * hw * hw * 3 * 24; // 1×1 stem, stride 1
    if (variant === 'shufflenetv1') {
      for (const [out, units] of [
        [240, 4],
        [480, 8],
        [960, 4],
      ] as const) {
        for (let u = 0; u < units; u++) {
          const stride = u === 0 ? 2 : 1;
          const o = out - (u === 0 ? cin : 0); // the stride-2 unit is concatenated with its pooled input
          const mid = Math.floor(o / 4);
          const g1 = cin === 24 ? 1 : 3;
          const h = hw / stride;
          flops += (2 * hw * hw * cin * mid) / g1 + 2 * h * h * 9 * mid + (2 * h * h * mid * o) / 3;
          cin = out;
          hw = h;
        }
      }
      return flops + 2 * 960 * classes;
    }
    for (const [out, basic] of [
      [116, 3],
      [232, 7],
      [464, 3],
    ] as const) {
      const h = hw / 2;
      const mid = out / 2;
      // Down unit: left dw3×3/2 + 1×1; right 1×1 (at the input size) + dw3×3/2 + 1×1.
      flops += 2 * h * h * 9 * cin + 2 * h * h * cin * mid + 2 * hw * hw * cin * mid + 2 * h * h * 9 * mid + 2 * h * h * mid * mid;
      // Basic units on half the channels: 1×1, dw3×3, 1×1.
      flops += basic * 2 * h * h * (mid * mid + 9 * mid + mid * mid);
      cin = out;
      hw = h;
    }
    return flops + 2 * hw * hw * 464 * 1024 + 2 * 1024 * classes;
  };

  it.each([
    ['shufflenetv1', 77.4],
    ['shufflenetv2', 89.0],
  ] as const)(
    '%s counts the FLOPs of every convolution (grouped, depthwise) and the classifier; README: %f M at 100 classes',
    (variant, readmeMflops) => {
      const n = new ShufflenetNetwork(options(variant), context('f', 1, [32, 32, 3], 100));
      expect(n.countFlops()).toBe(referenceFlops(variant, 100));
      expect(Math.round(n.countFlops() / 1e5) / 10).toBe(readmeMflops);
      n.dispose();
    },
  );

  it.each(VARIANTS)(
    '%s uses batch statistics in training mode (updating the running ones, momentum 0.1) and running statistics in inference mode',
    (variant) => {
      const n = new ShufflenetNetwork(options(variant), context('d', 1, [8, 8, 3]));
      const kernel = n.stateVariables().find((v) => v.name === 'stem_conv/kernel')!.variable as tf.Tensor4D;
      const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      expectBatchNormModes(n, x, {
        bn: 'stem_bn',
        // The first norm's input: the 1×1 stride-1 stem conv.
        bnInput: (input) => tf.conv2d(input, kernel, 1, 'valid'),
        deepBn: variant === 'shufflenetv2' ? 'head_bn' : 'stage3_unit4_conv3_bn',
      });
      x.dispose();
      n.dispose();
    },
  );

  // 16×16 inputs keep the cpu-backend step short (maps 16 → 8 → 4 → 2; the weights do not depend on the size).
  it.each(VARIANTS)('%s trains a step without leaking tensors, and changes the weights', (variant) => {
    const n = new ShufflenetNetwork(options(variant), context('t', 1, [16, 16, 3]));
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
    const vars = n.trainableVariables();
    const dw = n.stateVariables().find((v) => v.name.endsWith('dw_conv/depthwise_kernel'))!.variable;
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

  it.each(VARIANTS)(
    '%s exports a classifier with the same logits, which round-trips through JSON (ChannelSlice registered)',
    async (variant) => {
      const n = new ShufflenetNetwork(options(variant), context('e', 1, [16, 16, 3]));
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const model = n.toLayersModel();
      const exported = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
      const logits = tf.tidy(() => Array.from(n.apply(x, { training: false }).logits.dataSync()));
      expect(exported).toHaveLength(20);
      exported.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
      const reloaded = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
      reloaded.setWeights(model.getWeights());
      const again = tf.tidy(() => Array.from((reloaded.predict(x) as tf.Tensor).dataSync()));
      again.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
      reloaded.dispose();
      x.dispose();
      n.dispose();
    },
  );

  it('is created through the plugin factory', async () => {
    const n = await shufflenetPlugin.create(options(), { ...context('g'), container: createKdContainer(), baseDir: '.' });
    expect(n.spec).toEqual({ name: 'shufflenet', options: options() });
    expect(n.countParams()).toBe(referenceCounts.shufflenetv2['10']);
    n.dispose();
  });
});
