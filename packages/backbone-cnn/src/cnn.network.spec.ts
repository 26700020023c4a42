import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng, createKdContainer } from '@kd/core';
import { CnnNetwork } from './cnn.network.js';
import { cnnPlugin } from './plugin.js';
import type { CnnOptions } from './cnn.options.js';

const options = (o: Partial<CnnOptions> = {}): CnnOptions => ({
  name: 'cnn',
  channels: [4, 8],
  convsPerStage: 1,
  batchNorm: true,
  hidden: 0,
  head: 'gap',
  ...o,
});
const context = (scope: string, seed = 1) => ({
  numClasses: 10,
  inputShape: [28, 28, 1] as [number, number, number],
  rng: new Rng(seed),
  scope,
});

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('CnnNetwork', () => {
  it('has the hand-counted parameters and FLOPs', () => {
    const n = new CnnNetwork(options(), context('a'));
    // conv 3·3·1·4 + BN 2·4, conv 3·3·4·8 + BN 2·8, classifier 8·10 + 10
    expect(n.countParams()).toBe(36 + 8 + 288 + 16 + 80 + 10);
    expect(n.countFlops()).toBe(2 * 28 * 28 * 9 * 4 + 2 * 14 * 14 * 9 * 4 * 8 + 2 * 8 * 10);
    const f = new CnnNetwork(options({ head: 'flatten', hidden: 16, batchNorm: false }), context('b'));
    // conv with bias 36+4, 288+8; flatten 7·7·8 = 392 → 16 (+16) → 10 (+10)
    expect(f.countParams()).toBe(40 + 296 + 392 * 16 + 16 + 160 + 10);
    n.dispose();
    f.dispose();
  });

  it('exposes every stage feature with its shape, the embedding and the logits', () => {
    const n = new CnnNetwork(options(), context('c'));
    expect(n.stages).toEqual([
      { name: 'stage1', outputShape: [14, 14, 4] },
      { name: 'stage2', outputShape: [7, 7, 8] },
    ]);
    tf.tidy(() => {
      const out = n.apply(tf.zeros([2, 28, 28, 1]) as tf.Tensor4D, { training: false });
      expect(Object.fromEntries(Object.entries(out.features).map(([k, v]) => [k, v.shape]))).toEqual({
        stage1_preact: [2, 28, 28, 4],
        stage1: [2, 14, 14, 4],
        stage2_preact: [2, 14, 14, 8],
        stage2: [2, 7, 7, 8],
      });
      expect(out.embedding.shape).toEqual([2, 8]);
      expect(out.logits.shape).toEqual([2, 10]);
    });
    n.dispose();
  });

  it('initialises from the run RNG: same seed, same weights, whatever the scope; Kaiming std for convs', () => {
    const a = new CnnNetwork(options({ channels: [32] }), context('s1', 5));
    const b = new CnnNetwork(options({ channels: [32] }), context('s2', 5));
    const c = new CnnNetwork(options({ channels: [32] }), context('s3', 6));
    const values = (n: CnnNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    expect(a.stateVariables().map((v) => v.name)).toContain('stage1_conv1/kernel');
    const kernel = Array.from(
      a
        .stateVariables()
        .find((v) => v.name === 'stage1_conv1/kernel')!
        .variable.dataSync(),
    );
    const std = Math.sqrt(kernel.reduce((s, x) => s + x * x, 0) / kernel.length);
    // kaiming_normal_(mode='fan_out') of a 3×3, 1→32 kernel: std = sqrt(2 / (3·3·32)) = 0.0833 (288 samples: ±~0.0035)
    expect(std).toBeGreaterThan(0.074);
    expect(std).toBeLessThan(0.093);
    for (const n of [a, b, c]) n.dispose();
  });

  it('updates batch-norm running statistics in training mode only', () => {
    const n = new CnnNetwork(options(), context('d'));
    const mean = n.stateVariables().find((v) => v.name === 'stage1_bn1/moving_mean')!.variable;
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
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

  it('leaks no tensor per forward pass and exports a classifier with the same logits', () => {
    const n = new CnnNetwork(options(), context('e'));
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (const training of [true, false, true])
      tf.tidy(() => {
        n.apply(x, { training });
      });
    expect(tf.memory().numTensors).toBe(before);
    const model = n.toLayersModel();
    const exported = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const logits = tf.tidy(() => Array.from(n.apply(x, { training: false }).logits.dataSync()));
    exported.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
    x.dispose();
    n.dispose();
  });

  it('is created through the plugin factory with validated options', async () => {
    const n = await cnnPlugin.create(options({ channels: [2] }), { ...context('f'), container: createKdContainer(), baseDir: '.' });
    expect(n.spec).toEqual({ name: 'cnn', options: options({ channels: [2] }) });
    n.dispose();
  });
});
