import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { metricsLines, runConfig, runtimeWith, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

const tinyRunConfig = (outDir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(outDir, overrides, { testLimit: 128, epochs: 2, seed: 3 });

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then FitNet. */
describe('fitnet trains end to end from a config', () => {
  const work = tempDir('kd-distiller-test-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerAccuracy, register);
  const teacherBackbone = { name: 'cnn', channels: [8, 16] };
  const teacher = { backbone: teacherBackbone, weights: 'teacher' };

  beforeAll(async () => {
    await runConfig(
      runtime,
      tinyRunConfig('teacher', {
        student: { backbone: teacherBackbone },
        training: { ...(tinyRunConfig('').training as object), epochs: 1 },
      }),
      work,
    );
  });

  it('single stage (mdistiller): logs ce and hint, lowers them, checkpoints the regressor, exports only the student', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(runtime, tinyRunConfig('fitnet', { teacher, distiller: { name: 'fitnet', hintWeight: 10 } }), work);
    const lines = metricsLines(runDir);
    expect(lines.map((l) => l.stage)).toEqual(['train', 'train']);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'hint', 'total']);
    expect(lines[1]!.loss['hint']).toBeLessThan(lines[0]!.loss['hint']!);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    const { checkpoint } = JSON.parse(readFileSync(join(runDir, 'checkpoints', 'latest.json'), 'utf8')) as { checkpoint: string };
    expect(readFileSync(join(runDir, 'checkpoints', checkpoint, 'state.json'), 'utf8')).toContain('regressor');
    const exported = readFileSync(join(runDir, 'final', 'network.json'), 'utf8');
    expect(exported).not.toContain('regressor');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('two stages (the paper): a hint stage then a distill stage with KD', async () => {
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('fitnet-2', { teacher, distiller: { name: 'fitnet', hintWeight: 10, hintEpochs: 1, ceWeight: 0.1, kdWeight: 0.9 } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines.map((l) => l.stage)).toEqual(['hint', 'distill', 'distill']);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['hint', 'total']);
    expect(Object.keys(lines[1]!.loss).sort()).toEqual(['ce', 'kd', 'total']);
    expect(lines[2]!.loss['total']).toBeLessThan(lines[1]!.loss['total']!);
    // constant within a stage (each stage's optimiser holds slots for the modules it trains: the hint stage has more)
    expect(lines[2]!.memory.numTensors).toBe(lines[1]!.memory.numTensors);
    expect(lines[0]!.memory.numTensors).toBeGreaterThan(lines[1]!.memory.numTensors);
    expect(existsSync(join(runDir, 'summary.json'))).toBe(true);
  });
});
