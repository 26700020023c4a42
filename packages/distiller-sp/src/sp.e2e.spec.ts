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

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then SP. */
describe('sp trains end to end from a config', () => {
  const work = tempDir('kd-distiller-sp-');
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

  it('logs ce and sp, lowers both, keeps numTensors constant and exports only the student', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('sp', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'sp' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'sp', 'total']);
    for (const l of lines)
      expect(Math.abs(l.loss['total']! - (l.loss['ce']! + 3000 * l.loss['sp']!))).toBeLessThan(1e-4 * l.loss['total']!);
    expect(lines[0]!.loss['sp']).toBeGreaterThan(0);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['sp']).toBeLessThan(lines[0]!.loss['sp']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(existsSync(join(runDir, 'final', 'network.json'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({ name: 'sp', ceWeight: 1, beta: 3000, stages: [], teacherStages: [], feature: 'output' });
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it('reports a bad stage name before anything is written (KdInputError with the JSON pointer)', async () => {
    await expect(
      runConfig(
        runtime,
        tinyRunConfig('sp-bad', {
          teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' },
          distiller: { name: 'sp', stages: ['stage9'] },
        }),
        work,
      ),
    ).rejects.toThrow('/distiller/stages/0: "stage9" is not a stage of the student (cnn); expected one of stage1, stage2');
    await expect(
      runConfig(
        runtime,
        tinyRunConfig('sp-bad2', {
          teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' },
          distiller: { name: 'sp', teacherStages: ['stage1'] },
        }),
        work,
      ),
    ).rejects.toThrow('/distiller/teacherStages: set only together with /distiller/stages');
    expect(existsSync(join(work, 'sp-bad', 'metrics.jsonl'))).toBe(false);
  });
});
