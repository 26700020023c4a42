import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeOnBackends } from '@kd/testing';
import { tfjsNetwork } from '../test/networks.js';

/**
 * The graph teacher on kd's production backend too: the converter runs the graph's ops with whatever kernels the
 * active backend registered (on wasm, XNNPACK's and kd's own), so parity on cpu alone would not cover a run.
 */
const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'graph-cnn');
interface Expected {
  readonly shape: number[];
  readonly values: number[];
}
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Record<string, Expected>;

describeOnBackends('graph-cnn teacher (PyTorch float64)', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  it('gives PyTorch’s logits, stages and embedding', async () => {
    const net = tfjsNetwork({ stages: { stage1: 'stage1/relu', stage2: 'stage2/relu' } });
    await net.loadWeights(FIXTURE, '/teacher/weights');
    const x = tf.tensor4d(expected['input']!.values, expected['input']!.shape as [number, number, number, number]);
    const out = net.apply(x, { training: false });
    for (const [name, t] of [
      ['logits', out.logits],
      ['stage1', out.features['stage1']!],
      ['stage2', out.features['stage2']!],
      ['embedding', out.embedding],
    ] as const) {
      expect(t.shape, name).toEqual(expected[name]!.shape);
      b.value(t.dataSync(), expected[name]!.values, name);
    }
    tf.dispose([x, out.logits, out.embedding, ...Object.values(out.features)]);
    net.dispose();
  });
});
