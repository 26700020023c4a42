import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { metricsLines, runConfig, runtimeWith, TEACHER_BACKBONE, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

const tinyRunConfig = (outDir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(outDir, overrides, { testLimit: 128, epochs: 2, seed: 3 });

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then NST. */
describe('nst trains end to end from a config', () => {
  const work = tempDir('kd-distiller-nst-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerAccuracy, register);

  beforeAll(async () => {
    await runConfig(
      runtime,
      tinyRunConfig('teacher', {
        student: { backbone: TEACHER_BACKBONE },
        training: { ...(tinyRunConfig('').training as object), epochs: 1 },
      }),
      work,
    );
  });

  it('logs ce and nst, lowers the loss and the NST term, keeps numTensors constant', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('nst', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'nst' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'nst', 'total']);
    for (const l of lines) expect(Math.abs(l.loss['total']! - (l.loss['ce']! + 50 * l.loss['nst']!))).toBeLessThan(1e-4 * l.loss['total']!);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['nst']).toBeLessThan(lines[0]!.loss['nst']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(existsSync(join(runDir, 'final', 'network.json'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({
      name: 'nst',
      beta: 50,
      ceWeight: 1,
      degree: 2,
      c: 0,
      stages: [],
      teacherStages: [],
      feature: 'output',
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
