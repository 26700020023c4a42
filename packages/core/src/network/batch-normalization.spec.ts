import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerTrainingKernels, unregisterTrainingKernels, hasBatchNormTraining } from '@kd/tfjs-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng.js';
import { batchNormalization, setRunningVariance, type RunningVariance } from './batch-normalization.js';

const SHAPE = [6, 5, 5, 7];
const ARGS = { momentum: 0.9, epsilon: 1e-5 };
/** tfjs-layers' own rule, for the comparisons with the stock layer. */
const BIASED = { ...ARGS, runningVariance: 'biased' as const };

/** A conv → BN → ReLU → pool → dense model with either BN layer; the same weights from one seed. */
function model(bn: tfl.layers.Layer, seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: SHAPE.slice(1) });
  const conv = tfl.layers.conv2d({ filters: 7, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tfl.SymbolicTensor;
  const h = tfl.layers.reLU().apply(bn.apply(conv)) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3 }).apply(tfl.layers.globalAveragePooling2d({}).apply(h)) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: input, outputs: out });
  const rng = new Rng(seed);
  for (const w of m.weights) {
    if (/moving|gamma|beta/.test(w.originalName)) continue;
    w.write(
      tf.tensor(
        Float32Array.from({ length: (w.shape as number[]).reduce((p, q) => p * q, 1) }, () => rng.normal() * 0.5),
        w.shape as number[],
      ),
    );
  }
  return m;
}

function maxRelative(p: Float32Array | Int32Array | Uint8Array, q: Float32Array | Int32Array | Uint8Array): number {
  let num = 0;
  let den = 0;
  p.forEach((v, i) => {
    num = Math.max(num, Math.abs(v - q[i]!));
    den = Math.max(den, Math.abs(q[i]!));
  });
  return num / den;
}

/** Output, parameter gradients and the moving statistics after two training-mode steps of `m` on `x`. */
function trainTwice(m: tfl.LayersModel, x: tf.Tensor): { outputs: Float32Array[]; grads: Float32Array[]; moving: Float32Array[] } {
  const outputs: Float32Array[] = [];
  const grads: Float32Array[] = [];
  for (let step = 0; step < 2; step++) {
    tf.tidy(() => {
      const vars = m.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { value, grads: g } = tf.variableGrads(() => {
        const y = m.apply(tf.mul(x, step + 1), { training: true }) as tf.Tensor;
        outputs.push(y.dataSync() as Float32Array);
        return tf.sum(tf.square(y));
      }, vars);
      value.dispose();
      for (const v of vars) grads.push(g[v.name]!.dataSync() as Float32Array);
    });
  }
  const moving = m.weights.filter((w) => /moving/.test(w.originalName)).map((w) => w.read().dataSync() as Float32Array);
  return { outputs, grads, moving };
}

describe('batchNormalization: tfjs-layers BatchNormalization with a one-kernel training step', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerTrainingKernels('cpu');
  });
  afterAll(() => unregisterTrainingKernels('cpu'));

  const x = tf.tensor(
    Float32Array.from({ length: SHAPE.reduce((p, q) => p * q) }, (_, i) => Math.sin(i * 0.37) * 2 + 0.3),
    SHAPE,
  );

  it('trains like the stock layer: outputs, every gradient and the moving statistics to 1e-5', () => {
    expect(hasBatchNormTraining()).toBe(true);
    const before = tf.memory().numTensors;
    const ours = trainTwice(model(batchNormalization(BIASED), 11), x);
    const stock = trainTwice(model(tfl.layers.batchNormalization(ARGS), 11), x);
    expect(ours.grads).toHaveLength(stock.grads.length);
    ours.outputs.forEach((o, i) => expect(maxRelative(o, stock.outputs[i]!)).toBeLessThan(1e-5));
    ours.grads.forEach((g, i) => expect(maxRelative(g, stock.grads[i]!)).toBeLessThan(1e-5));
    expect(ours.moving).toHaveLength(2);
    ours.moving.forEach((s, i) => expect(maxRelative(s, stock.moving[i]!)).toBeLessThan(1e-6));
    // The moving statistics moved (the update ran): mean off zero, variance off one.
    expect(Math.max(...ours.moving[0]!.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors - before).toBeLessThan(60); // the two models' weights, nothing per step
  });

  it('uses the kernel in training and the stock path in inference', async () => {
    const m = model(batchNormalization(ARGS), 3);
    const kernels = async (training: boolean) => {
      const info = await tf.profile(() => m.apply(x, { training }) as tf.Tensor);
      (info.result as tf.Tensor).dispose();
      return new Set(info.kernels.map((k) => k.name));
    };
    const train = await kernels(true);
    const infer = await kernels(false);
    expect(train.has('KdBatchNormTraining')).toBe(true);
    expect(train.has('FusedBatchNorm')).toBe(false);
    expect(infer.has('KdBatchNormTraining')).toBe(false);
    expect(infer.has('FusedBatchNorm')).toBe(true);
  });

  it('serialises as a stock BatchNormalization that stock TensorFlow.js loads with the same weights', async () => {
    const m = model(batchNormalization(ARGS), 5);
    const json = m.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } };
    const classes = json.config.layers.map((l) => l.class_name);
    expect(classes).toContain('BatchNormalization');
    const loaded = await tfl.models.modelFromJSON({ modelTopology: m.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    loaded.setWeights(m.getWeights());
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(loaded.layers.find((l) => l.getClassName() === 'BatchNormalization')!.constructor).toBe(
      tfl.layers.batchNormalization({}).constructor,
    );
  });

  it('falls back to the stock computation, bit for bit, where the backend has no such kernel', () => {
    unregisterTrainingKernels('cpu');
    try {
      expect(hasBatchNormTraining()).toBe(false);
      const ours = trainTwice(model(batchNormalization(BIASED), 9), x);
      const stock = trainTwice(model(tfl.layers.batchNormalization(ARGS), 9), x);
      expect(ours).toEqual(stock);
    } finally {
      registerTrainingKernels('cpu');
    }
  });

  /**
   * Running statistics after two training steps of a lone BN layer on x, then 2x, computed here in float64:
   * PyTorch's BatchNorm2d (momentum 0.1) folds var·n/(n−1) in, tfjs-layers the biased var.
   */
  function expectedRunning(values: Float32Array, channels: number, rule: RunningVariance): { mean: number[]; variance: number[] } {
    const n = values.length / channels;
    const mean = Array<number>(channels).fill(0);
    const variance = Array<number>(channels).fill(1);
    for (const scale of [1, 2]) {
      for (let c = 0; c < channels; c++) {
        let m = 0;
        for (let i = c; i < values.length; i += channels) m += values[i]! * scale;
        m /= n;
        let ss = 0;
        for (let i = c; i < values.length; i += channels) ss += (values[i]! * scale - m) ** 2;
        const batchVar = ss / (rule === 'unbiased' ? n - 1 : n);
        mean[c] = 0.9 * mean[c]! + 0.1 * m;
        variance[c] = 0.9 * variance[c]! + 0.1 * batchVar;
      }
    }
    return { mean, variance };
  }

  function loneLayerRunning(layer: tfl.layers.Layer): { mean: Float32Array; variance: Float32Array } {
    const input = tfl.input({ shape: SHAPE.slice(1) });
    const m = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    for (const scale of [1, 2]) tf.tidy(() => void m.apply(tf.mul(x, scale), { training: true }));
    const [mean, variance] = m.weights.filter((w) => /moving/.test(w.originalName)).map((w) => w.read().dataSync() as Float32Array);
    return { mean: mean!, variance: variance! };
  }

  describe.each([
    ['the one-kernel step', true],
    ['the stock fallback', false],
  ])('running variance, %s', (_, kernel) => {
    const run = <T>(fn: () => T): T => {
      if (kernel) return fn();
      unregisterTrainingKernels('cpu');
      try {
        return fn();
      } finally {
        registerTrainingKernels('cpu');
      }
    };
    const values = x.dataSync() as Float32Array;
    const channels = SHAPE[3]!;

    it.each(['unbiased', 'biased'] as const)('%s: the running mean and variance of two steps, to 1e-6 relative', (rule) => {
      const before = tf.memory().numTensors;
      const got = run(() => loneLayerRunning(batchNormalization(rule === 'unbiased' ? ARGS : BIASED)));
      const want = expectedRunning(values, channels, rule);
      expect(maxRelative(got.mean, Float32Array.from(want.mean))).toBeLessThan(1e-6);
      expect(maxRelative(got.variance, Float32Array.from(want.variance))).toBeLessThan(1e-6);
      // n = 6·5·5 = 150: the two rules differ by 0.1·var/149 ≈ 1e-3 of the variance, far above the tolerance.
      const other = expectedRunning(values, channels, rule === 'unbiased' ? 'biased' : 'unbiased');
      expect(maxRelative(got.variance, Float32Array.from(other.variance))).toBeGreaterThan(1e-4);
      expect(tf.memory().numTensors - before).toBeLessThan(10); // the layer's four weights, nothing per step
    });

    it('setRunningVariance switches the kd layers of a built model and skips stock ones', () => {
      const input = tfl.input({ shape: SHAPE.slice(1) });
      const h = batchNormalization(ARGS).apply(input) as tfl.SymbolicTensor;
      const m = tfl.model({ inputs: input, outputs: tfl.layers.batchNormalization(ARGS).apply(h) as tfl.SymbolicTensor });
      expect(setRunningVariance(m, 'biased')).toBe(1);
      run(() => {
        for (const scale of [1, 2]) tf.tidy(() => void m.apply(tf.mul(x, scale), { training: true }));
      });
      const variance = m.weights
        .find((w) => /moving_variance/.test(w.originalName))!
        .read()
        .dataSync() as Float32Array;
      expect(maxRelative(variance, Float32Array.from(expectedRunning(values, channels, 'biased').variance))).toBeLessThan(1e-6);
    });
  });
});
