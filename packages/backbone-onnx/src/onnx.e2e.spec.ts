import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerKd } from '@kd/distiller-kd';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { selectBackend } from '@kd/core/host';
import { metricsLines, runConfig, runtimeWith, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';
import { expected, fixture } from '../test/fixtures.js';

/**
 * End to end through KdRuntime: the CNN that make-fixtures.py trained in PyTorch on the bundled Fashion-MNIST subset
 * teaches a kd student with the `kd` distiller; the teacher runs in ONNX Runtime, the student in tfjs (wasm).
 */
describe('an ONNX teacher distils a kd student from a config', () => {
  const work = tempDir('kd-onnx-e2e-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerKd, registerAccuracy, register);

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('finishes, and the accuracy evaluator scores the teacher exactly as PyTorch did on the same test images', async () => {
    const before = tf.memory().numTensors;
    const teacher = {
      backbone: { name: 'onnx', stages: { stage1: 'layer1_out', stage2: 'layer2_out' }, embedding: 'pooled', threads: 1 },
      weights: fixture('cnn.onnx'),
    };
    const config = tinyConfig(
      'kd-onnx',
      { teacher, distiller: { name: 'kd' } },
      { epochs: 3, trainLimit: 1024, testLimit: expected.test.limit },
    );
    const { runDir, summary } = await runConfig(runtime, config, work);
    expect(summary.status).toBe('finished');
    // unknown (NaN in memory), written as null
    expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'))).toMatchObject({ status: 'finished', teacherParams: null });
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'kd', 'total']);
    expect(lines[2]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    for (const line of lines) expect(line.metrics['teacher.top1']).toBe(expected.test.top1);
    expect(expected.test.top1).toBeGreaterThan(0.5);
    expect(lines[2]!.metrics['student.top1']).toBeGreaterThan(0.3);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
