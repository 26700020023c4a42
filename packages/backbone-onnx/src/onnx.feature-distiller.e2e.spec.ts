import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAt } from '@kd/distiller-at';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { selectBackend } from '@kd/core/host';
import { metricsLines, runConfig, runtimeWith, tempDir, tinyConfig } from '@kd/testing';
import { register, ONNX_TEACHER_FILE, ONNX_TEACHER_FORMAT } from './index.js';
import { fixture } from '../test/fixtures.js';

/**
 * A feature distiller from an ONNX teacher, end to end: attention transfer reads the stage outputs the PyTorch model
 * exported (`layer1_out`, `layer2_out`, NCHW, transposed to kd's NHWC) and matches the student's attention maps to them.
 * The teacher is given as the directory `kd import onnx` writes (the model and its descriptor).
 */
describe('an ONNX teacher distils a kd student through its stage features (attention transfer)', () => {
  const work = tempDir('kd-onnx-at-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerAt, registerAccuracy, register);

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('trains 2 epochs: the AT term is present and falls, the total falls, tensors stay constant', async () => {
    const teacherDir = join(work, 'teacher');
    mkdirSync(teacherDir);
    copyFileSync(fixture('cnn.onnx'), join(teacherDir, 'model.onnx'));
    const backbone = { name: 'onnx', stages: { stage1: 'layer1_out', stage2: 'layer2_out' }, threads: 1 };
    writeFileSync(
      join(teacherDir, ONNX_TEACHER_FILE),
      JSON.stringify({ format: ONNX_TEACHER_FORMAT, version: 1, model: 'model.onnx', backbone, numClasses: 10, inputShape: [28, 28, 1] }),
    );
    const before = tf.memory().numTensors;
    const config = tinyConfig(
      'kd-onnx-at',
      { teacher: { backbone, weights: teacherDir }, distiller: { name: 'at' } },
      { epochs: 2, trainLimit: 1024 },
    );
    const { summary, runDir } = await runConfig(runtime, config, work);
    expect(summary.status).toBe('finished');
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['at', 'ce', 'total']);
    // The teacher's stages reach the loss: a non-zero attention term (teacher and student maps differ at the start).
    expect(lines[0]!.loss['at']).toBeGreaterThan(0);
    expect(lines[1]!.loss['at']).toBeLessThan(lines[0]!.loss['at']!);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
