import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { metricsLines, runConfig, runtimeWith, TEACHER_BACKBONE, tempDir, tinyConfig } from '@kd/testing';
import { register } from './index.js';

const tinyRunConfig = (outDir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(outDir, overrides, { trainLimit: 256, testLimit: 128, epochs: 2, seed: 3 });

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then OFD. */
describe('ofd trains end to end from a config', () => {
  const work = tempDir('kd-distiller-ofd-');
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

  it('logs ce and ofd, lowers both, keeps numTensors constant, checkpoints the connectors, exports only the student', async () => {
    const before = tf.memory().numTensors;
    const { runDir } = await runConfig(
      runtime,
      tinyRunConfig('ofd', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'ofd' } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'ofd', 'total']);
    expect(lines[1]!.loss['ofd']).toBeLessThan(lines[0]!.loss['ofd']!);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    const { checkpoint } = JSON.parse(readFileSync(join(runDir, 'checkpoints', 'latest.json'), 'utf8')) as { checkpoint: string };
    const state = readFileSync(join(runDir, 'checkpoints', checkpoint, 'state.json'), 'utf8');
    for (const name of ['connector::stage1/kernel', 'connector::stage2/gamma', 'connector::stage2/beta']) expect(state).toContain(name);
    expect(readFileSync(join(runDir, 'final', 'network.json'), 'utf8')).not.toContain('connector');
    expect(tf.memory().numTensors).toBe(before);
  });
});
