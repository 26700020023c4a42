import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { metricsLines, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, trainTeacher, writeConfig } from '@kd/testing';

describe('ft trains end to end from a config', () => {
  const work = tempDir('kd-ft-');
  let teacher: string;

  beforeAll(async () => {
    teacher = await trainTeacher(work);
  });

  it('paraphraser stage, then student stage; a second run reuses the cached paraphraser through KD_CACHE_DIR; no tensor leaks', async () => {
    const shared = join(work, 'shared-cache');
    process.env['KD_CACHE_DIR'] = shared;
    onTestFinished(() => void delete process.env['KD_CACHE_DIR']);
    const config = (out: string) =>
      tinyConfig(out, {
        teacher: { backbone: TEACHER_BACKBONE, weights: teacher },
        distiller: { name: 'ft', beta: 10, autoEncoderEpochs: 2, teacherFeature: 'stage2', studentFeature: 'stage2' },
        training: { epochs: 4, batchSize: 32, seed: 7, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
      });
    const before = tf.memory().numTensors;
    await sourceRuntime().run(writeConfig(work, 'ft.json', config('ft')));
    const lines = metricsLines(join(work, 'ft'));
    expect(lines.map((l) => l.stage)).toEqual(['teacher-ae', 'teacher-ae', 'student', 'student', 'student', 'student']);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['reconstruction', 'total']);
    expect(Object.keys(lines[2]!.loss).sort()).toEqual(['ce', 'ft', 'total']);
    // The paraphraser learns to reconstruct the teacher's feature; the student's loss falls.
    expect(lines[1]!.loss['reconstruction']).toBeLessThan(lines[0]!.loss['reconstruction']!);
    expect(lines[5]!.loss['total']).toBeLessThan(lines[2]!.loss['total']!);
    expect(lines[5]!.metrics['student.top1']).toBeGreaterThan(0.2);
    for (const stage of ['teacher-ae', 'student'])
      expect(new Set(lines.filter((l) => l.stage === stage).map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);

    // Nothing is written beside the run directory: the cache is where KD_CACHE_DIR says.
    expect(existsSync(join(work, '.kd-cache'))).toBe(false);
    expect(readdirSync(join(shared, 'teacher-factor'))).toHaveLength(1);
    await sourceRuntime().run(writeConfig(work, 'ft-again.json', config('ft-again')));
    const again = metricsLines(join(work, 'ft-again'));
    expect(again.map((l) => l.stage)).toEqual(['student', 'student', 'student', 'student']);
    // Same cached paraphraser, same seed: the student stage is identical.
    expect(again[3]!.loss['total']).toBeCloseTo(lines[5]!.loss['total']!, 5);
    expect(existsSync(join(work, 'ft-again', 'final', 'network.json'))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without KD_CACHE_DIR the cache lives inside the run directory', async () => {
    const config = tinyConfig('ft-own-cache', {
      teacher: { backbone: TEACHER_BACKBONE, weights: teacher },
      distiller: { name: 'ft', autoEncoderEpochs: 1, teacherFeature: 'stage2', studentFeature: 'stage2' },
      training: { epochs: 1, batchSize: 32 },
    });
    await sourceRuntime().run(writeConfig(work, 'ft-own-cache.json', config));
    expect(readdirSync(join(work, 'ft-own-cache', 'cache', 'teacher-factor'))).toHaveLength(1);
    expect(existsSync(join(work, '.kd-cache'))).toBe(false);
  });

  it('a feature name the teacher does not have is an input error naming the option', async () => {
    const file = writeConfig(
      work,
      'ft-bad.json',
      tinyConfig('ft-bad', {
        teacher: { backbone: TEACHER_BACKBONE, weights: teacher },
        distiller: { name: 'ft', teacherFeature: 'stage9' },
      }),
    );
    await expect(sourceRuntime().run(file)).rejects.toThrow(
      /\/distiller\/teacherFeature: "stage9" is not a feature of the cnn network; expected "last" or one of .*"stage2"/,
    );
  });
});
