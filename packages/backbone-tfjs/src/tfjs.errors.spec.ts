import { cpSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KdInputError, Rng } from '@kd/core';
import { tempDir } from '@kd/testing';
import { tfjsPlugin } from './plugin.js';
import { factoryContext, options, tfjsNetwork, type NetworkSetup, loadError as teacherLoadError } from '../test/networks.js';

const POINTER = '/teacher/weights';
const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'keras-cnn');
const SETUP: NetworkSetup = { numClasses: 3, inputShape: [4, 4, 1] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const loadError = (location: string, config: Record<string, unknown> = {}, setup: NetworkSetup = SETUP) =>
  teacherLoadError(location, POINTER, config, setup);

describe('TensorFlow.js model files are untrusted input: every problem is a KdInputError naming the pointer, the file and what was expected', () => {
  const work = tempDir('kd-tfjs-errors-');
  let n = 0;
  /** A copy of the Keras fixture with model.json changed by `edit`; returns its model.json. */
  const variant = (edit: (json: Record<string, any>) => unknown = (j) => j): string => {
    const dir = join(work, `m${n++}`);
    cpSync(FIXTURE, dir, { recursive: true });
    const file = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    writeFileSync(file, JSON.stringify(edit(json) ?? json));
    return file;
  };
  const layers = (j: Record<string, any>) => j['modelTopology']['model_config']['config']['layers'] as Record<string, any>[];
  const manifest = (j: Record<string, any>) => j['weightsManifest'][0] as { paths: string[]; weights: Record<string, unknown>[] };

  it('a missing location, a directory without model.json, a model.json over maxJsonBytes', async () => {
    expect(await loadError(join(work, 'nowhere'))).toMatch(/cannot be read \(ENOENT\); expected a TensorFlow.js layers model/);
    mkdirSync(join(work, 'empty'));
    expect(await loadError(join(work, 'empty'))).toMatch(/is a directory without model.json/);
    expect(await loadError(variant(), { maxJsonBytes: 100 })).toMatch(/has \d+ bytes, more than maxJsonBytes \(100\)/);
  });

  it('a model.json that is not JSON, not an object, or not a layers model', async () => {
    const file = variant();
    writeFileSync(file, '{"modelTopology": ');
    expect(await loadError(file)).toMatch(/is not valid JSON/);
    expect(await loadError(variant(() => [1, 2, 3]))).toContain('expected a JSON object with "modelTopology" and "weightsManifest"');
    expect(await loadError(variant(() => 'model'))).toContain('found string');
    // Read as what it claims to be: a graph model, which it is not.
    expect(await loadError(variant((j) => ({ ...j, format: 'graph-model' })))).toContain('has no "modelTopology" with a "node" list');
    expect(await loadError(variant((j) => ({ ...j, format: 'saved-model' })))).toContain(
      'has format "saved-model"; expected "layers-model"',
    );
    expect(await loadError(variant((j) => ({ ...j, modelTopology: undefined })))).toContain('has no "modelTopology" object');
    expect(await loadError(variant((j) => ({ ...j, weightsManifest: undefined })))).toContain('has no "weightsManifest" list');
  });

  it('a custom layer class, at the top level or nested in a wrapper', async () => {
    const message = await loadError(
      variant((j) => {
        layers(j)[3]!['class_name'] = 'MyFancyActivation';
      }),
    );
    expect(message).toContain(
      'modelTopology/config/layers/3 ("re_lu") has class "MyFancyActivation", which is not a built-in TensorFlow.js layer; kd loads no custom layer classes',
    );
    const nested = await loadError(
      variant((j) => {
        layers(j)[3] = { class_name: 'TimeDistributed', config: { name: 'td', layer: { class_name: 'Lambda', config: { name: 'code' } } } };
      }),
    );
    expect(nested).toContain('modelTopology/config/layers/3/config/layer ("code") has class "Lambda"');
  });

  it('a missing shard, a shard of the wrong size, a shard path leaving the directory', async () => {
    const missing = variant();
    truncateSync(missing.replace('model.json', 'group1-shard1of1.bin'), 0);
    expect(await loadError(missing)).toContain('(group1-shard1of1.bin: 0 bytes) hold 0 bytes; its 8 weights declare 148');
    const gone = variant((j) => {
      manifest(j).paths = ['group1-shard1of2.bin'];
    });
    expect(await loadError(gone)).toMatch(/weight shard .*group1-shard1of2.bin \(weightsManifest\/0\/paths\/0\) cannot be read \(ENOENT\)/);
    const short = variant((j) => {
      manifest(j).weights[6]!['shape'] = [2, 4];
    });
    expect(await loadError(short)).toContain('hold 148 bytes; its 8 weights declare 156');
    const outside = variant((j) => {
      manifest(j).paths = ['../m0/group1-shard1of1.bin'];
    });
    expect(await loadError(outside)).toContain('("../m0/group1-shard1of1.bin") points outside the model\'s directory');
    expect(await loadError(variant(), { maxWeightBytes: 100 })).toContain('more than maxWeightBytes (100)');
  });

  it('weights the layers do not have, or lack, or of another shape: both sides listed', async () => {
    const renamed = await loadError(
      variant((j) => {
        manifest(j).weights[7]!['name'] = 'dense/bias_1';
      }),
    );
    expect(renamed).toContain("the weights manifest does not match the model's layers");
    expect(renamed).toContain('weights the layers have and the manifest lacks: dense/bias');
    expect(renamed).toContain('weights the manifest has and no layer uses: dense/bias_1');
    const reshaped = await loadError(
      variant((j) => {
        manifest(j).weights[6]!['shape'] = [3, 2];
      }),
    );
    expect(reshaped).toContain('weight "dense/kernel" is [3, 2] in the manifest; the layer expects [2, 3]');
  });

  it('a stage, logits or embedding naming an unknown layer, listing the layers; logits of another number of classes; another input size', async () => {
    const stage = await loadError(variant(), { stages: { stage1: 're_lu', stage2: 'conv2d_7' } });
    expect(stage).toContain('the model has no layer "conv2d_7" (/teacher/backbone/stages/stage2)');
    expect(stage).toContain('"conv2d", "batch_normalization", "re_lu", "max_pooling2d", "global_average_pooling2d", "dense"');
    expect(await loadError(variant(), { logits: 'classifier' })).toContain('no layer "classifier" (/teacher/backbone/logits)');
    expect(await loadError(variant(), { embedding: 'conv2d' })).toContain(
      'layer "conv2d" (/teacher/backbone/embedding) gives [batch, 4, 4, 2]; expected [batch, features]',
    );
    expect(await loadError(variant(), {}, { numClasses: 10, inputShape: [4, 4, 1] })).toContain(
      'layer "dense" (/teacher/backbone/logits) gives [batch, 3]; expected [batch, 10], the dataset\'s 10 classes',
    );
    expect(await loadError(variant(), {}, { numClasses: 3, inputShape: [28, 28, 1] })).toContain(
      "the model's input is [batch, 4, 4, 1]; expected [batch, 28, 28, 1] (NHWC, /teacher/backbone/layout, for the dataset's 28×28×1 images)",
    );
  });

  it('a tfjs network as the student (or any network kd would train)', async () => {
    const context = { ...factoryContext, numClasses: 10, inputShape: [28, 28, 1] as const, rng: Rng.derive(0, 'init', 'student') };
    await expect(Promise.resolve().then(() => tfjsPlugin.create(options(), { ...context, scope: 'student' }))).rejects.toThrow(
      /^\/student\/backbone\/name: the "tfjs" backbone is a frozen teacher/,
    );
    await expect(Promise.resolve().then(() => tfjsPlugin.create(options(), { ...context, scope: 'peer' }))).rejects.toBeInstanceOf(
      KdInputError,
    );
  });

  it('apply before loading, or in training mode, says so', async () => {
    const net = tfjsNetwork({}, SETUP);
    expect(net.stages).toEqual([]);
    tf.tidy(() => {
      expect(() => net.apply(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, { training: false })).toThrow(/before loadWeights/);
    });
    await net.loadWeights(FIXTURE, POINTER);
    tf.tidy(() => {
      expect(() => net.apply(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, { training: true })).toThrow(/inference only/);
    });
    net.dispose();
  });
});
