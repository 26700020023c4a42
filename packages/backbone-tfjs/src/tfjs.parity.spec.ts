import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { tempDir } from '@kd/testing';
import { randomizeWeights, saveModel } from '../test/save-model.js';
import { tfjsNetwork } from '../test/networks.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

interface Shape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly widths: readonly [number, number];
  readonly classes: number;
  readonly batch: number;
}

/**
 * A Keras-style functional CNN with the layer names Keras gives (conv2d_1, batch_normalization_1, re_lu_1, …), its
 * classifier ending in softmax as Keras classifiers usually do.
 */
function kerasStyleCnn(s: Shape, softmax: boolean): tfl.LayersModel {
  const input = tfl.input({ shape: [s.h, s.w, s.c], name: 'input_1' });
  let x: tfl.SymbolicTensor = input;
  s.widths.forEach((f, i) => {
    const n = i + 1;
    x = tfl.layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, name: `conv2d_${n}` })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ epsilon: 1e-3, name: `batch_normalization_${n}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `re_lu_${n}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2, name: `max_pooling2d_${n}` }).apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: s.classes, activation: softmax ? 'softmax' : 'linear', name: 'dense_1' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'model_1' });
}

const SHAPES: readonly Shape[] = [
  { h: 8, w: 8, c: 3, widths: [4, 6], classes: 5, batch: 3 },
  { h: 12, w: 10, c: 1, widths: [3, 5], classes: 10, batch: 7 },
  { h: 6, w: 6, c: 2, widths: [8, 2], classes: 4, batch: 1 },
];

describe('a saved TensorFlow.js layers model loads as a teacher that computes what the model computes', () => {
  const work = tempDir('kd-tfjs-parity-');

  it.each(SHAPES.map((s, i) => [i, s] as const))('shape %i: logits and every tapped stage equal the source model exactly', async (i, s) => {
    const source = kerasStyleCnn(s, false);
    randomizeWeights(source, 100 + i);
    // Small shards, so that the model is read back from several files.
    const file = await saveModel(source, join(work, `plain-${i}`), 256);
    const net = tfjsNetwork(
      { stages: { stage1: 're_lu_1', stage2: 'max_pooling2d_2' } },
      { numClasses: s.classes, inputShape: [s.h, s.w, s.c] },
    );
    await net.loadWeights(file, '/teacher/weights');
    expect(net.stages).toEqual([
      { name: 'stage1', outputShape: [s.h, s.w, s.widths[0]] },
      { name: 'stage2', outputShape: [Math.floor(s.h / 4), Math.floor(s.w / 4), s.widths[1]] },
    ]);
    const reference = tfl.model({
      inputs: source.inputs,
      outputs: ['re_lu_1', 'max_pooling2d_2', 'global_average_pooling2d_1'].map((n) => source.getLayer(n).output as tfl.SymbolicTensor),
    });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([s.batch, s.h, s.w, s.c], 0, 1, 'float32', 7 + i) as tf.Tensor4D;
      const out = net.apply(x, { training: false });
      const [relu1, pool2, gap] = reference.predict(x) as tf.Tensor[];
      expect(out.logits.shape).toEqual([s.batch, s.classes]);
      expect(out.logits.dataSync()).toEqual((source.predict(x) as tf.Tensor).dataSync());
      expect(out.features['stage1']!.dataSync()).toEqual(relu1!.dataSync());
      expect(out.features['stage2']!.dataSync()).toEqual(pool2!.dataSync());
      // No embedding option: the input of the Dense classifier, the pooled vector.
      expect(out.embedding.dataSync()).toEqual(gap!.dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(net.countParams()).toBe(source.countParams() - 2 * (s.widths[0] + s.widths[1]));
    net.dispose();
    source.dispose();
  });

  it('a classifier ending in softmax gives the logits before it: their softmax is the model output', async () => {
    const s = SHAPES[0]!;
    const withSoftmax = kerasStyleCnn(s, true);
    randomizeWeights(withSoftmax, 3);
    const file = await saveModel(withSoftmax, join(work, 'softmax'));
    const net = tfjsNetwork({}, { numClasses: s.classes, inputShape: [s.h, s.w, s.c] });
    await net.loadWeights(file, '/teacher/weights');
    // The same weights in a model without the softmax give the logits themselves.
    const linear = kerasStyleCnn(s, false);
    linear.setWeights(withSoftmax.getWeights());
    tf.tidy(() => {
      const x = tf.randomNormal([4, s.h, s.w, s.c], 0, 1, 'float32', 11) as tf.Tensor4D;
      const logits = net.apply(x, { training: false }).logits;
      expect(logits.dataSync()).toEqual((linear.predict(x) as tf.Tensor).dataSync());
      const probs = (withSoftmax.predict(x) as tf.Tensor).dataSync();
      tf.softmax(logits)
        .dataSync()
        .forEach((p, j) => expect(Math.abs(p - probs[j]!)).toBeLessThanOrEqual(1e-6));
    });
    net.dispose();
    withSoftmax.dispose();
    linear.dispose();
  });

  it('a Sequential model with a Softmax layer and channels-first convolutions, read with layout NCHW', async () => {
    const s = { h: 6, w: 8, c: 2, classes: 3 };
    const source = tfl.sequential({
      name: 'sequential',
      layers: [
        tfl.layers.conv2d({ inputShape: [s.c, s.h, s.w], filters: 4, kernelSize: 3, dataFormat: 'channelsFirst', name: 'conv2d' }),
        tfl.layers.activation({ activation: 'relu', name: 'activation' }),
        tfl.layers.flatten({ dataFormat: 'channelsFirst', name: 'flatten' }),
        tfl.layers.dense({ units: 6, activation: 'relu', name: 'dense' }),
        tfl.layers.dense({ units: s.classes, name: 'dense_1' }),
        tfl.layers.softmax({ name: 'softmax' }),
      ],
    });
    randomizeWeights(source, 5);
    const file = await saveModel(source, join(work, 'nchw'));
    const net = tfjsNetwork(
      { layout: 'NCHW', stages: { stage1: 'activation' }, embedding: 'dense' },
      { numClasses: s.classes, inputShape: [s.h, s.w, s.c] },
    );
    // The directory works as well as its model.json.
    await net.loadWeights(join(work, 'nchw'), '/teacher/weights');
    expect(file).toBe(join(work, 'nchw', 'model.json'));
    expect(net.stages).toEqual([{ name: 'stage1', outputShape: [s.h - 2, s.w - 2, 4] }]);
    const reference = tfl.model({
      inputs: source.inputs,
      outputs: ['activation', 'dense', 'dense_1'].map((n) => source.getLayer(n).output as tfl.SymbolicTensor),
    });
    tf.tidy(() => {
      const nhwc = tf.randomNormal([5, s.h, s.w, s.c], 0, 1, 'float32', 13) as tf.Tensor4D;
      const out = net.apply(nhwc, { training: false });
      const [act, dense, logits] = reference.predict(tf.transpose(nhwc, [0, 3, 1, 2])) as tf.Tensor[];
      expect(out.logits.dataSync()).toEqual(logits!.dataSync());
      expect(out.embedding.dataSync()).toEqual(dense!.dataSync());
      expect(out.features['stage1']!.shape).toEqual([5, s.h - 2, s.w - 2, 4]);
      expect(out.features['stage1']!.dataSync()).toEqual(tf.transpose(act!, [0, 2, 3, 1]).dataSync());
    });
    net.dispose();
    source.dispose();
  });
});
