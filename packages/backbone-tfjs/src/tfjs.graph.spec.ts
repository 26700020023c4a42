import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModelSync } from '@tensorflow/tfjs-converter';
import { tfjsNetwork } from '../test/networks.js';

/**
 * test/fixtures/graph-cnn: a graph model written by make-graph-fixture.py (Conv2D/2 SAME → BiasAdd → FusedBatchNormV3
 * → Relu → Conv2D/2 SAME → BiasAdd → Mul → AddV2 → Relu → Mean → MatMul → BiasAdd → Softmax → Identity), with
 * PyTorch's float64 outputs on three fixed images, computed without TensorFlow.js.
 */
const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'graph-cnn');
const POINTER = '/teacher/weights';
const STAGES = { stage1: 'stage1/relu', stage2: 'stage2/relu' };
interface Expected {
  readonly shape: number[];
  readonly values: number[];
}
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** max |got − want| / max |want|, with the shapes equal. */
function relativeError(got: tf.Tensor, want: Expected): number {
  expect(got.shape).toEqual(want.shape);
  const a = got.dataSync();
  let diff = 0;
  let scale = 0;
  want.values.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(a[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / scale;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('a TensorFlow.js graph model as a frozen teacher', () => {
  const input = () => tf.tensor4d(expected['input']!.values, expected['input']!.shape as [number, number, number, number]);

  it('gives the logits before the softmax, both tapped stages (NHWC) and the pooled embedding, equal to PyTorch within 1e-4', async () => {
    const net = tfjsNetwork({ stages: STAGES });
    await net.loadWeights(FIXTURE, POINTER);
    expect(net.stages).toEqual([
      { name: 'stage1', outputShape: [14, 14, 4] },
      { name: 'stage2', outputShape: [7, 7, 8] },
    ]);
    // 36 + 4 conv1, 4 × 4 batch norm, 288 + 8 conv2, 8 + 8 folded batch norm, 80 + 10 dense.
    expect(net.countParams()).toBe(36 + 4 + 16 + 288 + 8 + 16 + 80 + 10);
    const x = input();
    const out = net.apply(x, { training: false });
    expect(relativeError(out.logits, expected['logits']!)).toBeLessThan(1e-4);
    expect(relativeError(out.features['stage1']!, expected['stage1']!)).toBeLessThan(1e-4);
    expect(relativeError(out.features['stage2']!, expected['stage2']!)).toBeLessThan(1e-4);
    expect(relativeError(out.embedding, expected['embedding']!)).toBeLessThan(1e-4);
    tf.dispose([x, out.logits, out.embedding, ...Object.values(out.features)]);
    net.dispose();
  });

  it("logits equal the converter's own model.execute of the logits node bit for bit; their softmax is the model's output", async () => {
    const net = tfjsNetwork({ stages: STAGES });
    await net.loadWeights(join(FIXTURE, 'model.json'), POINTER);
    const json = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
    const bin = readFileSync(join(FIXTURE, 'group1-shard1of1.bin'));
    const reference = loadGraphModelSync({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      format: 'graph-model',
    });
    const x = input();
    const out = net.apply(x, { training: false });
    const [logits, probabilities] = reference.execute(x, ['head/dense/BiasAdd', 'Identity']) as tf.Tensor[];
    expect(Array.from(out.logits.dataSync())).toEqual(Array.from(logits!.dataSync()));
    expect(relativeError(probabilities!, expected['probabilities']!)).toBeLessThan(1e-5);
    expect(relativeError(out.logits, expected['probabilities']!)).toBeGreaterThan(0.5);
    tf.dispose([x, logits!, probabilities!, out.logits, out.embedding, ...Object.values(out.features)]);
    reference.dispose();
    net.dispose();
  });

  it('takes the logits, embedding and stages from named nodes; NCHW features come back NHWC; a node tapped twice is cloned', async () => {
    const net = tfjsNetwork({ logits: 'head/softmax', embedding: 'head/mean', stages: { stage1: 'stage1/relu', stage2: 'head/mean' } });
    await net.loadWeights(FIXTURE, POINTER);
    expect(net.stages.map((s) => s.outputShape)).toEqual([[14, 14, 4], [8]]);
    const x = input();
    const out = net.apply(x, { training: false });
    expect(relativeError(out.logits, expected['logits']!)).toBeLessThan(1e-4);
    expect(relativeError(out.features['stage2']!, expected['embedding']!)).toBeLessThan(1e-4);
    expect(out.features['stage2']).not.toBe(out.embedding);
    tf.dispose([x, out.logits, out.embedding, ...Object.values(out.features)]);
    net.dispose();
  });

  it('keeps the tensor count constant across forward passes and frees everything on dispose', async () => {
    const before = tf.memory().numTensors;
    const net = tfjsNetwork({ stages: STAGES });
    await net.loadWeights(FIXTURE, POINTER);
    const x = input();
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        net.apply(x, { training: false });
      });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    x.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
