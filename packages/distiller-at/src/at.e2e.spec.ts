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

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then AT. */
describe('at trains end to end from a config', () => {
  const work = tempDir('kd-distiller-test-');
  const runtime = runtimeWith(registerIdx, registerCnn, registerAccuracy, register);
  const teacherBackbone = { name: 'cnn', channels: [8, 16] };

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

  it('logs ce and at, lowers the loss, keeps numTensors constant and exports only the student', async () => {
    const before = tf.memory().numTensors;
    const { runDir, summary } = await runConfig(
      runtime,
      tinyRunConfig('at', { teacher: { backbone: teacherBackbone, weights: 'teacher' }, distiller: { name: 'at', kdWeight: 0.5 } }),
      work,
    );
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['at', 'ce', 'kd', 'total']);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['at']).toBeLessThan(lines[0]!.loss['at']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);
    expect(summary['studentParams']).toBeGreaterThan(0);
    expect(existsSync(join(runDir, 'final', 'network.json'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(cfg.distiller).toEqual({
      name: 'at',
      beta: 1000,
      p: 2,
      ceWeight: 1,
      kdWeight: 0.5,
      temperature: 4,
      stages: [],
      teacherStages: [],
      feature: 'output',
    });
    // everything the run built is freed when it ends
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a bad stage name before anything is written (KdInputError with the JSON pointer)', async () => {
    await expect(
      runConfig(
        runtime,
        tinyRunConfig('at-bad', {
          teacher: { backbone: teacherBackbone, weights: 'teacher' },
          distiller: { name: 'at', stages: ['stage7'] },
        }),
        work,
      ),
    ).rejects.toThrow('/distiller/stages/0: "stage7" is not a stage of the student (cnn); expected one of stage1, stage2');
    expect(existsSync(join(work, 'at-bad', 'metrics.jsonl'))).toBe(false);
  });
});
