import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  checkpointTensors,
  latestCheckpoint,
  metricsLines,
  sourceRuntime,
  TEACHER_BACKBONE,
  tempDir,
  tinyConfig,
  writeConfig,
} from '@kd/testing';

const size = { trainLimit: 256, testLimit: 128, epochs: 2, seed: 3 };

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then ReviewKD. */
describe('reviewkd trains end to end from a config', () => {
  const work = tempDir('kd-distiller-reviewkd-');
  const run = async (name: string, overrides: Record<string, unknown>) => {
    await sourceRuntime().run(writeConfig(work, `${name}.json`, tinyConfig(name, overrides, size)));
    return join(work, name);
  };

  beforeAll(async () => {
    await run('teacher', {
      student: { backbone: TEACHER_BACKBONE },
      training: { ...(tinyConfig('', {}, size).training as object), epochs: 1 },
    });
  });

  it('logs ce and reviewkd, lowers them, keeps numTensors constant, checkpoints the ABF modules, exports only the student', async () => {
    const before = tf.memory().numTensors;
    const runDir = await run('reviewkd', {
      teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' },
      distiller: { name: 'reviewkd', warmupEpochs: 1 },
    });
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'reviewkd', 'total']);
    expect(lines[1]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    expect(lines[1]!.loss['reviewkd']).toBeLessThan(lines[0]!.loss['reviewkd']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);
    const tensors = checkpointTensors(latestCheckpoint(runDir));
    // two cnn stages and the pooled embedding: three ABF modules, the deepest without attention
    expect(tensors.has('reviewkd::abf0.attention')).toBe(true);
    expect(tensors.has('reviewkd::abf1.attention')).toBe(true);
    expect(tensors.has('reviewkd::abf2.conv2')).toBe(true);
    expect(tensors.has('reviewkd::abf2.attention')).toBe(false);
    expect(readFileSync(join(runDir, 'final', 'network.json'), 'utf8')).not.toContain('abf');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a teacher with fewer stages than the student, naming the config value', async () => {
    await expect(
      run('reviewkd-bad', {
        teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' },
        student: { backbone: { name: 'cnn', channels: [4, 8, 8] } },
        distiller: { name: 'reviewkd' },
      }),
    ).rejects.toThrow('/teacher/backbone: ReviewKD pairs every student stage with a teacher stage');
  });
});
