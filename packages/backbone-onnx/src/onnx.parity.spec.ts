import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { relErr } from '@kd/testing';
import { expected, fixture, onnxNetwork, values } from '../test/fixtures.js';

const CNN_STAGES = { stage1: 'layer1_out', stage2: 'layer2_out' };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function batch(): tf.Tensor4D {
  return tf.tensor4d(values(expected.input), expected.input.shape as [number, number, number, number]);
}

describe('an ONNX teacher reproduces PyTorch', () => {
  it.each([
    ['cnn.onnx (NCHW in, NCHW stages)', 'cnn.onnx', {}],
    ['cnn-nhwc.onnx (NHWC in, NHWC stages)', 'cnn-nhwc.onnx', { layout: 'NHWC', featureLayout: 'NHWC' }],
  ])('%s: logits, embedding and stage features within 1e-4 relative, features in NHWC', (_, file, layouts) => {
    const net = onnxNetwork({ ...layouts, stages: CNN_STAGES, embedding: 'pooled' });
    net.loadWeights(fixture(file), '/teacher/weights');
    expect(net.stages).toEqual([
      { name: 'stage1', outputShape: [14, 14, 8] },
      { name: 'stage2', outputShape: [7, 7, 16] },
    ]);
    tf.tidy(() => {
      const out = net.apply(batch(), { training: false });
      expect(out.logits.shape).toEqual(expected.cnn.logits.shape);
      expect(relErr(out.logits.dataSync(), values(expected.cnn.logits))).toBeLessThan(1e-4);
      expect(relErr(out.embedding.dataSync(), values(expected.cnn.pooled))).toBeLessThan(1e-4);
      expect(out.features['stage1']!.shape).toEqual(expected.cnn.layer1_out.shape);
      expect(relErr(out.features['stage1']!.dataSync(), values(expected.cnn.layer1_out))).toBeLessThan(1e-4);
      expect(out.features['stage2']!.shape).toEqual(expected.cnn.layer2_out.shape);
      expect(relErr(out.features['stage2']!.dataSync(), values(expected.cnn.layer2_out))).toBeLessThan(1e-4);
    });
    net.dispose();
  });

  it('a residual network too; without an embedding output, the embedding is the last stage averaged over positions', () => {
    const net = onnxNetwork({ stages: { stage1: 'block1', stage2: 'block2' } });
    net.loadWeights(fixture('resnet.onnx'), '/teacher/weights');
    tf.tidy(() => {
      const out = net.apply(batch(), { training: false });
      expect(relErr(out.logits.dataSync(), values(expected.resnet.logits))).toBeLessThan(1e-4);
      expect(out.features['stage1']!.shape).toEqual(expected.resnet.block1.shape);
      expect(relErr(out.features['stage1']!.dataSync(), values(expected.resnet.block1))).toBeLessThan(1e-4);
      expect(relErr(out.features['stage2']!.dataSync(), values(expected.resnet.block2))).toBeLessThan(1e-4);
      // the mean over H and W of PyTorch's block2 (NHWC), in doubles
      const [n, h, w, c] = expected.resnet.block2.shape as [number, number, number, number];
      const b2 = values(expected.resnet.block2);
      const mean = Array.from({ length: n * c }, (_, k) => {
        const [i, ch] = [Math.floor(k / c), k % c];
        let s = 0;
        for (let p = 0; p < h * w; p++) s += b2[(i * h * w + p) * c + ch]!;
        return s / (h * w);
      });
      expect(out.embedding.shape).toEqual([n, c]);
      expect(relErr(out.embedding.dataSync(), mean)).toBeLessThan(1e-5);
    });
    net.dispose();
  });

  it('answers each image alike whatever the batch (the shared buffers grow and are reused)', () => {
    const net = onnxNetwork({ stages: CNN_STAGES });
    net.loadWeights(fixture('cnn.onnx'), '/teacher/weights');
    const all = values(expected.cnn.logits);
    const classes = expected.cnn.logits.shape[1]!;
    tf.tidy(() => {
      const x = batch();
      const second = tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1]);
      const big = tf.concat([x, x, x, x]);
      const one = net.apply(second, { training: false }).logits.dataSync();
      expect(relErr(one, all.slice(classes, 2 * classes))).toBeLessThan(1e-4);
      const eight = net.apply(big, { training: false }).logits.dataSync();
      for (let k = 0; k < 4; k++) expect(relErr(eight.slice(2 * k * classes, 2 * (k + 1) * classes), all)).toBeLessThan(1e-4);
      const again = net.apply(second, { training: false }).logits.dataSync();
      expect(Array.from(again)).toEqual(Array.from(one));
    });
    net.dispose();
  });

  it('keeps tf.memory().numTensors constant across calls, and is frozen: no variables, no training mode', () => {
    const net = onnxNetwork({ stages: CNN_STAGES });
    net.loadWeights(fixture('cnn.onnx'), '/teacher/weights');
    const x = batch();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        net.apply(x, { training: false });
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    const out = net.apply(x, { training: false });
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose([out.logits, out.embedding, ...Object.values(out.features)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(net.trainableVariables()).toEqual([]);
    expect(net.stateVariables()).toEqual([]);
    expect(net.countParams()).toBeNaN();
    expect(() => net.apply(x, { training: true })).toThrow(/inference only/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
