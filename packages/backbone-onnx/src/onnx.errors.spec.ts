import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KdInputError, Rng } from '@kd/core';
import { tempDir } from '@kd/testing';
import { onnxPlugin } from './plugin.js';
import { factoryContext, fixture, onnxNetwork, options, type NetworkSetup } from '../test/fixtures.js';

const POINTER = '/teacher/weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** The error loading `file` gives, checked to be a KdInputError naming the pointer and the file. */
function loadError(file: string, config: Record<string, unknown> = {}, setup: NetworkSetup = {}): string {
  const net = onnxNetwork(config, setup);
  try {
    net.loadWeights(file, POINTER);
  } catch (e) {
    expect(e).toBeInstanceOf(KdInputError);
    const message = (e as Error).message;
    expect(message).toContain(`${POINTER}: ${file}`);
    return message;
  } finally {
    net.dispose();
  }
  throw new Error(`loading ${file} did not fail`);
}

describe('an ONNX file is untrusted input: every mismatch is a KdInputError naming the pointer, the file and what was expected', () => {
  const work = tempDir('kd-onnx-errors-');

  it('a missing file, a directory, an empty file, a file over maxFileBytes', () => {
    expect(loadError(join(work, 'missing.onnx'))).toMatch(/cannot be read \(ENOENT\); expected an ONNX model file/);
    expect(loadError(work)).toMatch(
      /is a directory without kd-onnx-teacher.json; the "onnx" backbone reads an ONNX model file \(.onnx\) or a directory/,
    );
    writeFileSync(join(work, 'empty.onnx'), '');
    expect(loadError(join(work, 'empty.onnx'))).toMatch(/is empty/);
    expect(loadError(fixture('cnn.onnx'), { maxFileBytes: 1000 })).toMatch(/has 7\d{3} bytes, more than maxFileBytes \(1000\)/);
  });

  it('a teacher directory whose descriptor is not JSON, of another format, or names a file outside the directory', () => {
    const dir = (name: string, descriptor: string): string => {
      const d = join(work, name);
      mkdirSync(d, { recursive: true });
      copyFileSync(fixture('cnn.onnx'), join(d, 'model.onnx'));
      writeFileSync(join(d, 'kd-onnx-teacher.json'), descriptor);
      return d;
    };
    const good = {
      format: 'kd-onnx-teacher',
      version: 1,
      model: 'model.onnx',
      backbone: { name: 'onnx' },
      numClasses: 10,
      inputShape: [28, 28, 1],
    };
    expect(loadError(dir('not-json', '{ "format": '))).toMatch(/kd-onnx-teacher.json is not valid JSON/);
    expect(loadError(dir('other-format', JSON.stringify({ ...good, format: 'kd-network' })))).toMatch(
      /is not a kd ONNX teacher descriptor/,
    );
    expect(loadError(dir('escapes', JSON.stringify({ ...good, model: '../../cnn.onnx' })))).toMatch(/is not a kd ONNX teacher descriptor/);
    expect(loadError(dir('absolute', JSON.stringify({ ...good, model: fixture('cnn.onnx') })))).toMatch(
      /is not a kd ONNX teacher descriptor/,
    );
    // The same directory with a well-formed descriptor loads: the refusals above are the descriptor's, not the model's.
    const net = onnxNetwork({ stages: { stage1: 'layer1_out' } });
    net.loadWeights(dir('good', JSON.stringify(good)), POINTER);
    expect(net.stages).toEqual([{ name: 'stage1', outputShape: [14, 14, 8] }]);
    net.dispose();
  });

  it('bytes that are not an ONNX model', () => {
    writeFileSync(join(work, 'garbage.onnx'), Buffer.from('this is not a protobuf model, just text pretending to be one'.repeat(20)));
    expect(loadError(join(work, 'garbage.onnx'))).toMatch(
      /could not be opened by ONNX Runtime \(execution providers: cpu\): ONNX Runtime says: /,
    );
  });

  it('an output name the model lacks, listing the outputs it has', () => {
    const message = loadError(fixture('cnn.onnx'), { stages: { stage1: 'layer1_out', stage2: 'layer9_out' } });
    expect(message).toContain('no output "layer9_out" (/teacher/backbone/stages/stage2)');
    expect(message).toContain('"logits", "layer1_out", "layer2_out", "pooled"');
    expect(loadError(fixture('resnet.onnx'), { logits: 'fc' })).toContain('no output "fc" (/teacher/backbone/logits)');
    expect(loadError(fixture('cnn.onnx'), { input: 'image' })).toContain(
      'no input "image" (/teacher/backbone/input); its inputs are "input"',
    );
  });

  it("an input that does not fit the dataset's images, or the wrong layout", () => {
    expect(loadError(fixture('cnn.onnx'), {}, { inputShape: [32, 32, 3] })).toContain(
      'input "input" is float32 [batch, 1, 28, 28]; expected float32 [batch, 3, 32, 32] (NCHW, /teacher/backbone/layout, for the dataset\'s 32×32×3 images)',
    );
    expect(loadError(fixture('cnn-nhwc.onnx'))).toContain('expected float32 [batch, 1, 28, 28] (NCHW');
    expect(loadError(fixture('cnn.onnx'), { layout: 'NHWC' })).toContain('expected float32 [batch, 28, 28, 1] (NHWC');
  });

  it('logits for another number of classes', () => {
    expect(loadError(fixture('cnn.onnx'), {}, { numClasses: 100 })).toContain(
      'output "logits" (/teacher/backbone/logits) has shape [1, 10] for one image; expected [1, 100], the dataset\'s 100 classes',
    );
  });

  it('a model exported with a fixed batch size', () => {
    expect(loadError(fixture('fixed-batch.onnx'))).toContain('the batch dimension must be dynamic');
  });

  it('an ONNX network as the student (or any network kd would train)', async () => {
    const context = { ...factoryContext, numClasses: 10, inputShape: [28, 28, 1] as const, rng: Rng.derive(0, 'init', 'student') };
    await expect(Promise.resolve().then(() => onnxPlugin.create(options(), { ...context, scope: 'student' }))).rejects.toThrow(
      /^\/student\/backbone\/name: the "onnx" backbone is a frozen teacher run in ONNX Runtime and cannot be trained/,
    );
    await expect(Promise.resolve().then(() => onnxPlugin.create(options(), { ...context, scope: 'peer' }))).rejects.toBeInstanceOf(
      KdInputError,
    );
  });

  it('apply before the model is loaded says so', () => {
    const net = onnxNetwork();
    expect(net.stages).toEqual([]);
    tf.tidy(() => {
      expect(() => net.apply(tf.zeros([1, 28, 28, 1]) as tf.Tensor4D, { training: false })).toThrow(/before loadWeights/);
    });
  });
});
