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

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then PKT. */
describe('pkt trains end to end from a config', () => {
  const work = tempDir('kd-distiller-pkt-');
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

  it('logs ce and pkt, lowers both, keeps numTensors constant and exports only the student', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('pkt', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'pkt' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'pkt', 'total']);
    for (const l of lines)
      expect(Math.abs(l.loss['total']! - (l.loss['ce']! + 30000 * l.loss['pkt']!))).toBeLessThan(1e-4 * l.loss['total']!);
    expect(lines[0]!.loss['pkt']).toBeGreaterThan(0);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['pkt']).toBeLessThan(lines[0]!.loss['pkt']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(existsSync(join(runDir, 'final', 'network.json'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({ name: 'pkt', ceWeight: 1, beta: 30000, excludeSelf: false });
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);
});
