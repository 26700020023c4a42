import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@kd/core/host';
import { loadNetwork, Rng } from '@kd/core';
import { relErr, sourceImporter, tempDir } from '@kd/testing';
import { main } from '../src/main.js';
import { backboneOptions, buildBackbone } from '../src/commands/backbone.js';
import { createRuntime } from '../src/runtime.js';
import { captureIo } from './helpers.js';

const INPUT: [number, number, number] = [12, 12, 1];
const CHANNELS = [4, 8];

/** kd's cnn [4, 8] as a Keras user builds it: Keras's layer names, a softmax on the classifier. */
function kerasCnn(): tfl.LayersModel {
  const input = tfl.input({ shape: INPUT, name: 'input_1' });
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
  const model = tfl.model({
    inputs: input,
    outputs: tfl.layers.dense({ units: 10, activation: 'softmax', name: 'dense' }).apply(x) as tfl.SymbolicTensor,
  });
  // Seeded weights; moving variances positive.
  const rng = new Rng(7);
  for (const w of model.weights) {
    const size = w.shape.reduce((a: number, d) => a * (d ?? 1), 1);
    const variance = w.originalName.endsWith('/moving_variance');
    w.write(
      tf.tensor(
        Float32Array.from({ length: size }, () => (variance ? 0.5 + rng.next() : 0.5 * rng.normal())),
        w.shape as number[],
      ),
    );
  }
  return model;
}

/** model.json + one weight shard, as tf.LayersModel.save and tensorflowjs_converter write them. */
async function save(model: tfl.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

const KERAS_NAMES = {
  stage1_conv1: 'conv2d_1',
  stage1_bn1: 'batch_normalization_1',
  stage2_conv1: 'conv2d_2',
  stage2_bn1: 'batch_normalization_2',
  classifier: 'dense',
};

describe('kd import tfjs', () => {
  const work = tempDir('kd-import-tfjs-');
  const modelDir = join(work, 'keras');
  const names = join(work, 'names.json');
  let keras: tfl.LayersModel;
  const run = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(
      [
        'import',
        'tfjs',
        modelDir,
        ...args,
        '--backbone',
        'cnn',
        '--options',
        `{"channels":[${CHANNELS.join(',')}]}`,
        '--num-classes',
        '10',
        '--input',
        INPUT.join(','),
      ],
      io,
      { importer: sourceImporter },
    );
    return { code, io };
  };

  beforeAll(async () => {
    await selectBackend('cpu');
    keras = kerasCnn();
    await save(keras, modelDir);
    writeFileSync(names, JSON.stringify(KERAS_NAMES));
  });
  afterAll(() => keras.dispose());

  it("maps a Keras-named model onto kd's cnn by layer name; the network directory computes the model's logits", async () => {
    const rng = new Rng(3);
    const x = tf.tensor4d(
      Float32Array.from({ length: 5 * 144 }, () => rng.normal()),
      [5, ...INPUT],
    );
    // The user's reference: Keras's pre-softmax scores (the model without its softmax computes the same as log p + c;
    // kd compares logits, so take them from the dense layer's linear output).
    // A second model over the same layers (not disposed: that would dispose the shared layers).
    const linear = tfl.model({ inputs: keras.inputs, outputs: keras.getLayer('global_average_pooling2d').output as tfl.SymbolicTensor });
    const dense = keras.getLayer('dense').getWeights();
    const refLogits = tf.tidy(() => tf.add(tf.matMul(linear.predict(x) as tf.Tensor2D, dense[0] as tf.Tensor2D), dense[1]!));
    const ref = join(work, 'ref.json');
    writeFileSync(
      ref,
      JSON.stringify({
        layout: 'NHWC',
        input: { shape: x.shape, data: Array.from(x.dataSync()) },
        logits: { shape: refLogits.shape, data: Array.from(refLogits.dataSync()) },
      }),
    );

    const out = join(work, 'teacher');
    const { code, io } = await run(out, '--names', names, '--reference', ref, '--json');
    expect(code, io.stderr).toBe(0);
    const report = JSON.parse(io.stdout);
    expect(report.variables).toBe(2 * 5 + 2);
    expect(report.parity.source).toMatchObject({ samples: 5, top1Agreement: 1 });
    expect(report.parity.source.maxRelError).toBeLessThan(1e-5);
    expect(report.parity.reference).toMatchObject({ samples: 5, top1Agreement: 1 });
    expect(report.parity.reference.maxRelError).toBeLessThan(1e-5);
    expect(readdirSync(out)).toEqual(['final']);
    expect(readdirSync(join(out, 'final')).sort()).toEqual(['network.bin', 'network.json']);

    // What teacher.weights / student.init.weights do with it: a fresh cnn loads it and computes Keras's logits.
    const rt = createRuntime(captureIo(), { importer: sourceImporter });
    const options = await backboneOptions(rt, 'cnn', { channels: CHANNELS }, 'test');
    const net = await buildBackbone(rt, { name: 'cnn', options }, 10, INPUT, 'test');
    try {
      loadNetwork(out, net);
      const logits = tf.tidy(() => net.apply(x, { training: false }).logits);
      expect(relErr(logits.dataSync(), refLogits.dataSync())).toBeLessThan(1e-5);
      logits.dispose();
    } finally {
      net.dispose();
      tf.dispose([x, refLogits]);
    }
  });

  it('without the name map, exit 2 lists the unmatched weights on both sides; nothing is written', async () => {
    const out = join(work, 'unmapped', 'teacher');
    const { code, io } = await run(out);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/do not match by name/);
    expect(io.stderr).toMatch(/network weights without a file weight: stage1_conv1\/kernel/);
    expect(io.stderr).toMatch(/file weights no network weight takes: conv2d_1\/kernel/);
    expect(existsSync(join(work, 'unmapped'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('kd-import'))).toEqual([]);
  });

  it('a name map that is not a JSON object of strings, or an ONNX flag, is exit 2', async () => {
    const bad = join(work, 'bad-names.json');
    writeFileSync(bad, '{"stage1_conv1": 3}');
    const a = await run(join(work, 'a'), '--names', bad);
    expect(a.code).toBe(2);
    expect(a.io.stderr).toContain('expected a JSON object of kd layer name → source layer name');
    const b = await run(join(work, 'b'), '--input-name', 'x');
    expect(b.code).toBe(2);
    expect(b.io.stderr).toContain('--input-name does not apply to this format');
    const c = await run(join(work, 'c'), '--stages', '{}');
    expect(c.code).toBe(2);
    expect(c.io.stderr).toContain('--stages apply to graph models');
    expect(existsSync(join(work, 'a')) || existsSync(join(work, 'b')) || existsSync(join(work, 'c'))).toBe(false);
  });
});
