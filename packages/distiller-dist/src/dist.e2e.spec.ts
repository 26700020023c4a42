import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { metricsLines, runConfig, runtimeWith, TEACHER_BACKBONE, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

const tinyRunConfig = (outDir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(outDir, overrides, { trainLimit: 256, testLimit: 128, epochs: 2, seed: 3 });

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then DIST. */
describe('dist trains end to end from a config', () => {
  const work = tempDir('kd-distiller-dist-');
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
  }, 120_000);

  it('logs ce, inter and intra, lowers the total and the relation terms, keeps numTensors constant', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('dist', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'dist' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'inter', 'intra', 'total']);
    // defaults: CE 1, β = γ = 2, τ = 4 with τ²
    for (const l of lines)
      expect(Math.abs(l.loss['total']! - (l.loss['ce']! + 32 * (l.loss['inter']! + l.loss['intra']!)))).toBeLessThan(
        1e-4 * l.loss['total']!,
      );
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['inter']! + lines[1]!.loss['intra']!).toBeLessThan(lines[0]!.loss['inter']! + lines[0]!.loss['intra']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(existsSync(join(runDir, 'final', 'network.json'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({ name: 'dist', ceWeight: 1, beta: 2, gamma: 2, temperature: 4, scaleByTemperatureSquared: true });
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);
});
