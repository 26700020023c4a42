import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { metricsLines, runConfig, runtimeWith, TEACHER_BACKBONE, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

const tinyRunConfig = (outDir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(outDir, overrides, { testLimit: 128, epochs: 2, seed: 3 });

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then RKD. */
describe('rkd trains end to end from a config', () => {
  const work = tempDir('kd-distiller-rkd-');
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

  it('logs ce, distance and angle, lowers the loss and keeps numTensors constant', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('rkd', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'rkd' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['angle', 'ce', 'distance', 'total']);
    for (const l of lines) {
      const sum = l.loss['ce']! + 25 * l.loss['distance']! + 50 * l.loss['angle']!;
      expect(Math.abs(l.loss['total']! - sum)).toBeLessThan(1e-4 * l.loss['total']!);
      expect(l.loss['distance']).toBeGreaterThan(0);
      expect(l.loss['angle']).toBeGreaterThan(0);
    }
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({ name: 'rkd', distanceWeight: 25, angleWeight: 50, ceWeight: 1, squared: false, eps: 1e-12 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
