import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { container } from 'tsyringe';
import { cnnOptionsSchema, cnnPlugin, register as registerCnn, type CnnOptions } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerKd } from '@kd/distiller-kd';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { loadNetwork, Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { metricsLines, runConfig, runtimeWith, strictAjv, TEACHER_BACKBONE, tempDir, tinyConfig, trainTeacher } from '@kd/testing';
import { register } from './index.js';
import { saveModel } from '../test/save-model.js';

/**
 * End to end through KdRuntime: a teacher trained by kd is exported as a plain TensorFlow.js layers model (model.json
 * + shards, layer names and all), read back through the "tfjs" backbone, and distils a kd cnn student.
 */
describe('a TensorFlow.js layers model teaches a kd student from a config', () => {
  const work = tempDir('kd-tfjs-e2e-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerKd, registerAccuracy, register);

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('finishes; the teacher scores exactly what the kd teacher it was exported from scored; KD loss falls; memory is constant', async () => {
    const teacherRun = join(work, await trainTeacher(work));
    const kdTop1 = metricsLines(teacherRun).at(-1)!.metrics['student.top1']!;
    const options: Record<string, unknown> = { ...TEACHER_BACKBONE };
    strictAjv().compile(cnnOptionsSchema)(options);
    const kdTeacher = await cnnPlugin.create(options as CnnOptions, {
      container,
      baseDir: work,
      numClasses: 10,
      inputShape: [28, 28, 1],
      rng: Rng.derive(0, 'init', 'kd'),
      scope: 'kd',
    });
    loadNetwork(teacherRun, kdTeacher);
    const exported = join(work, 'exported');
    await saveModel(kdTeacher.toLayersModel!() as tfl.LayersModel, exported, 2048);
    kdTeacher.dispose();

    const before = tf.memory().numTensors;
    const teacher = {
      backbone: { name: 'tfjs', stages: { stage1: 'kd_stage1_pool', stage2: 'kd_stage2_pool' } },
      weights: join(exported, 'model.json'),
    };
    const config = tinyConfig('distilled', { teacher, distiller: { name: 'kd' } }, { epochs: 2 });
    const { runDir, summary } = await runConfig(runtime, config, work);
    expect(summary.status).toBe('finished');
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'kd', 'total']);
    expect(lines[1]!.loss['kd']).toBeLessThan(lines[0]!.loss['kd']!);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(kdTop1).toBeGreaterThan(0.5);
    for (const line of lines) expect(line.metrics['teacher.top1']).toBe(kdTop1);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
