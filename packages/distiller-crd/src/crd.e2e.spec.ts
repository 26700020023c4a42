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

const size = { trainLimit: 256, testLimit: 128, epochs: 4, seed: 3 };

/** End to end through KdRuntime: bundled Fashion-MNIST subset, a tiny cnn teacher trained first, then CRD. */
describe('crd trains end to end from a config', () => {
  const work = tempDir('kd-distiller-crd-');
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

  it('logs ce, crd and kd, lowers the loss, keeps numTensors constant, checkpoints the banks and Z, exports only the student', async () => {
    const before = tf.memory().numTensors;
    const runDir = await run('crd', {
      teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' },
      distiller: { name: 'crd', negatives: 64, kdWeight: 1 },
    });
    const lines = metricsLines(runDir);
    expect(lines).toHaveLength(4);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'crd', 'kd', 'total']);
    // In the first epoch the banks still hold their random initial rows, which score low against any embedding; once
    // every row holds a real embedding (epoch 2) the negatives score higher against the Z fixed at step 1, so the
    // contrastive term rises once and falls from then on (here 11.5, 14.0, 13.8, 12.7).
    expect(lines[3]!.loss['crd']).toBeLessThan(lines[1]!.loss['crd']!);
    expect(lines[3]!.loss['total']).toBeLessThan(lines[1]!.loss['total']!);
    for (let e = 1; e < 4; e++) expect(lines[e]!.loss['ce']).toBeLessThan(lines[e - 1]!.loss['ce']!);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);

    const tensors = checkpointTensors(latestCheckpoint(runDir));
    // 256 training samples × 128 dimensions per bank; an epoch visits every row (8 whole batches of 32), which its update leaves unit length
    const bank = tensors.get('crd::memoryStudent')!;
    expect(bank).toHaveLength(256 * 128);
    const norms = Array.from({ length: 256 }, (_, r) => Math.hypot(...bank.subarray(r * 128, (r + 1) * 128)));
    expect(norms.filter((n) => Math.abs(n - 1) < 1e-5)).toHaveLength(256);
    expect(tensors.get('crd::memoryTeacher')).toHaveLength(256 * 128);
    const z = Array.from(tensors.get('crd::normalizer')!);
    expect(z.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    expect(readFileSync(join(runDir, 'final', 'network.json'), 'utf8')).not.toContain('memory');
    expect(tf.memory().numTensors).toBe(before);
  });
});
