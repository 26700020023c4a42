import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { KdInputError, type Network } from '@kd/core';
import { tempDir } from '@kd/testing';
import { initializeFromLayersModel } from './index.js';
import { randomizeWeights, saveModel } from '../test/save-model.js';
import { kdCnn } from '../test/kd-cnn.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const CHANNELS = [4, 8];

/** kd's cnn backbone as core builds it, initialised from `seed`. */
const cnn = async (scope: string, seed: number): Promise<Network> => kdCnn([12, 12, 1], seed, scope, CHANNELS);

/** The same architecture as a Keras user builds it, with Keras's layer names. */
function kerasCnn(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 1], name: 'input_1' });
  let x: tfl.SymbolicTensor = input;
  CHANNELS.forEach((f, i) => {
    x = tfl.layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, name: `conv2d_${i + 1}` })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ epsilon: 1e-5, name: `batch_normalization_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `re_lu_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2, name: `max_pooling2d_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({
    inputs: input,
    outputs: tfl.layers.dense({ units: 10, name: 'dense' }).apply(x) as tfl.SymbolicTensor,
    name: 'model',
  });
}

const KERAS_NAMES = {
  stage1_conv1: 'conv2d_1',
  stage1_bn1: 'batch_normalization_1',
  stage2_conv1: 'conv2d_2',
  stage2_bn1: 'batch_normalization_2',
  classifier: 'dense',
};

const state = (n: Network) => new Map(n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));

describe('a kd network initialised from a TensorFlow.js layers model, matched by layer and weight name', () => {
  const work = tempDir('kd-tfjs-init-');

  it('a model exported from a kd network loads back into another of the same architecture exactly', async () => {
    const source = await cnn('student', 1);
    const file = await saveModel(source.toLayersModel!() as tfl.LayersModel, join(work, 'kd'), 300);
    const target = await cnn('teacher', 2);
    expect(state(target)).not.toEqual(state(source));
    initializeFromLayersModel(target, file);
    // Every state variable, batch-norm statistics included, bit for bit.
    expect(state(target)).toEqual(state(source));
    expect(state(target).size).toBe(2 * 5 + 2);
    source.dispose();
    target.dispose();
  });

  it('a Keras-named model initialises kd layers through the name map: the network then computes what the model computes', async () => {
    const keras = kerasCnn();
    randomizeWeights(keras, 9);
    const file = await saveModel(keras, join(work, 'keras'));
    const net = await cnn('student', 3);
    initializeFromLayersModel(net, file, { names: KERAS_NAMES });
    const taps = tfl.model({
      inputs: keras.inputs,
      outputs: ['re_lu_1', 'max_pooling2d_2'].map((n) => keras.getLayer(n).output as tfl.SymbolicTensor),
    });
    tf.tidy(() => {
      const x = tf.randomNormal([6, 12, 12, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
      const out = net.apply(x, { training: false });
      const [relu1, pool2] = taps.predict(x) as tf.Tensor[];
      const close = (a: tf.Tensor, b: tf.Tensor) =>
        expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThanOrEqual(1e-6 * tf.max(tf.abs(b)).dataSync()[0]!);
      close(out.logits, keras.predict(x) as tf.Tensor);
      close(tf.relu(out.features['stage1_preact']!), relu1!);
      close(out.features['stage2']!, pool2!);
    });
    net.dispose();
    keras.dispose();
  });

  it('names that do not match, on either side, are an error listing both sides; nothing is assigned', async () => {
    const keras = kerasCnn();
    const file = await saveModel(keras, join(work, 'unmapped'));
    const net = await cnn('student', 4);
    const before = state(net);
    const tensors = tf.memory().numTensors;
    const error = (names?: Record<string, string>): string => {
      try {
        initializeFromLayersModel(net, file, names ? { names } : {});
      } catch (e) {
        expect(e).toBeInstanceOf(KdInputError);
        return (e as Error).message;
      }
      throw new Error('did not fail');
    };
    const unmapped = error();
    expect(unmapped).toContain(`/student/init/weights: ${file}: the file's weights and the cnn network's do not match by name`);
    expect(unmapped).toContain('network weights without a file weight: stage1_conv1/kernel (looked for stage1_conv1/kernel)');
    expect(unmapped).toContain('file weights no network weight takes: conv2d_1/kernel, batch_normalization_1/gamma');
    const partial = error({ ...KERAS_NAMES, classifier: 'dense_9' });
    expect(partial).toContain('not layers with weights in the file: dense_9');
    expect(error({ ...KERAS_NAMES, stage3_conv1: 'conv2d_2' })).toContain('not layers of the cnn network: stage3_conv1');
    const swapped = error({ ...KERAS_NAMES, stage1_conv1: 'conv2d_2', stage2_conv1: 'conv2d_1' });
    expect(swapped).toContain(
      'weight "conv2d_2/kernel" is float32 [3, 3, 4, 8]; the network\'s "stage1_conv1/kernel" is float32 [3, 3, 1, 4]',
    );
    expect(state(net)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    net.dispose();
    keras.dispose();
  });
});
