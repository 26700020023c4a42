import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAt } from '@kd/distiller-at';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { selectBackend } from '@kd/core/host';
import { metricsLines, runConfig, runtimeWith, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

/**
 * End to end through KdRuntime: the graph-model fixture (random weights, 28×28×1 → 10 classes, stages of 14×14×4 and
 * 7×7×8, the shapes of the student's) teaches a kd cnn student with attention transfer on both tapped stages.
 */
describe('a TensorFlow.js graph model teaches a kd student with a feature distiller from a config', () => {
  const work = tempDir('kd-tfjs-graph-e2e-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerAt, registerAccuracy, register);

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('finishes 2 epochs; the attention term is logged and positive, the total falls; the tensor count is constant', async () => {
    const before = tf.memory().numTensors;
    const teacher = {
      backbone: { name: 'tfjs', stages: { stage1: 'stage1/relu', stage2: 'stage2/relu' } },
      weights: join(import.meta.dirname, '..', 'test', 'fixtures', 'graph-cnn'),
    };
    const config = tinyConfig('distilled', { teacher, distiller: { name: 'at' } }, { epochs: 2 });
    const { runDir, summary } = await runConfig(runtime, config, work);
    expect(summary.status).toBe('finished');
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['at', 'ce', 'total']);
    for (const line of lines) expect(line.loss['at']).toBeGreaterThan(0);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    // The frozen teacher's accuracy on the test split is the same every epoch.
    expect(lines[1]!.metrics['teacher.top1']).toBe(lines[0]!.metrics['teacher.top1']);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
