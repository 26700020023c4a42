import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@kd/core/host';
import {
  metricsLines,
  sourceRuntime,
  TEACHER_BACKBONE,
  tempDir,
  tinyConfig,
  trainTeacher,
  writeConfig,
  type MetricsLine,
} from '@kd/testing';

const training = (epochs: number) => ({
  epochs,
  batchSize: 32,
  seed: 7,
  optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
  schedule: { type: 'cosine' },
});
const taps = { teacherFeature: 'stage2', studentFeature: 'stage2' };
const student = (lines: MetricsLine[]) => lines.filter((l) => l.stage === 'student');

describe('ie-kd trains end to end from a config', () => {
  const work = tempDir('kd-ie-kd-');
  let teacher: string;
  const run = async (name: string, distiller: Record<string, unknown>, epochs: number) => {
    const file = writeConfig(
      work,
      `${name}.json`,
      tinyConfig(name, { teacher: { backbone: TEACHER_BACKBONE, weights: teacher }, distiller, training: training(epochs) }),
    );
    await sourceRuntime().run(file);
    return metricsLines(join(work, name));
  };

  beforeAll(async () => {
    teacher = await trainTeacher(work);
  });

  it('exploration loss keeps decreasing, accuracy holds, exploration CKA ends below inheritance CKA; no leaks', async () => {
    const before = tf.memory().numTensors;
    // The cache defaults to each run's own directory; a shared cacheDir lets the second run find the first one's.
    const base = { name: 'ie-kd', inheritanceWeight: 10, autoEncoderEpochs: 3, cacheDir: 'ae-cache', ...taps };
    const without = await run('ie-kd-exp0', { ...base, explorationWeight: 0 }, 5);
    const lines = await run('ie-kd-exp10', { ...base, explorationWeight: 10 }, 5);
    // The second run reused the first one's cached teacher auto-encoder.
    expect(without.map((l) => l.stage)).toEqual([
      'teacher-ae',
      'teacher-ae',
      'teacher-ae',
      'student',
      'student',
      'student',
      'student',
      'student',
    ]);
    expect(lines.map((l) => l.stage)).toEqual(['student', 'student', 'student', 'student', 'student']);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'exploration', 'inheritance', 'total']);
    const exploration = student(lines).map((l) => l.loss['exploration']!);
    for (let i = 1; i < exploration.length; i++) expect(exploration[i]).toBeLessThan(exploration[i - 1]!);
    const last = lines[lines.length - 1]!.metrics;
    const lastWithout = without[without.length - 1]!.metrics;
    expect(last['student.top1']).toBeGreaterThan(0.2);
    expect(last['student.top1']).toBeGreaterThanOrEqual(lastWithout['student.top1']! - 0.05);
    expect(last['ie-kd.cka.exploration']).toBeLessThan(last['ie-kd.cka.inheritance']!);
    for (const l of [...without, ...lines])
      expect(new Set([...without, ...lines].filter((m) => m.stage === l.stage).map((m) => m.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with no split and exploration weight 0 it equals FT, step for step', async () => {
    const common = { autoEncoderEpochs: 1, cache: false, ...taps };
    const ft = await run('ft', { name: 'ft', beta: 10, ...common }, 2);
    const ie = await run(
      'ie-kd-as-ft',
      { name: 'ie-kd', split: 'none', inheritanceWeight: 10, explorationWeight: 0, ckaSamples: 0, ...common },
      2,
    );
    expect(ie.map((l) => l.stage)).toEqual(ft.map((l) => l.stage));
    ft.forEach((f, i) => {
      const e = ie[i]!;
      expect(e.loss['total']).toBeCloseTo(f.loss['total']!, 6);
      if (f.stage === 'student') {
        expect(e.loss['inheritance']).toBeCloseTo(f.loss['ft']!, 7);
        expect(e.loss['ce']).toBeCloseTo(f.loss['ce']!, 6);
      }
      expect(e.metrics['student.top1']).toBe(f.metrics['student.top1']);
    });
    const bin = (d: string) => readFileSync(join(work, d, 'final', 'network.bin'));
    expect(Buffer.compare(bin('ie-kd-as-ft'), bin('ft'))).toBe(0);
  });

  it('a random split is drawn from the run RNG and kept in the checkpoint', async () => {
    const lines = await run(
      'ie-kd-random',
      {
        name: 'ie-kd',
        split: 'random',
        inheritanceWeight: 10,
        explorationWeight: 10,
        explorationLoss: 'cosine',
        autoEncoderEpochs: 1,
        ...taps,
      },
      1,
    );
    expect(lines.at(-1)!.metrics['ie-kd.cka.exploration']).toBeGreaterThanOrEqual(0);
    const ckDir = join(work, 'ie-kd-random', 'checkpoints');
    const latest = JSON.parse(readFileSync(join(ckDir, 'latest.json'), 'utf8')).checkpoint as string;
    const state = JSON.parse(readFileSync(join(ckDir, latest, 'state.json'), 'utf8')) as { modules: string[]; tensors: { name: string }[] };
    expect(state.modules).toEqual(['student', 'teacher-ae', 'ie-kd.split', 'ie-kd.inheritance', 'ie-kd.exploration']);
    expect(state.tensors.map((t) => t.name)).toContain('ie-kd.split::order');
  });

  it('an exploration weight without an exploration part is an input error naming the option', async () => {
    await expect(run('ie-kd-bad', { name: 'ie-kd', split: 'none', explorationWeight: 5 }, 1)).rejects.toThrow(
      /\/distiller\/explorationWeight: 5 with split "none", which has no exploration part/,
    );
  });
});

describe('ie-kd mutual form trains a student and a peer end to end from a config', () => {
  const work = tempDir('kd-ie-kd-mutual-');

  it('no teacher; both networks learn; peer accuracy and CKA are metrics; no tensor leaks', async () => {
    const file = writeConfig(
      work,
      'mutual.json',
      tinyConfig('mutual', {
        distiller: { name: 'ie-kd', mode: 'mutual', split: 'random', inheritanceWeight: 10, explorationWeight: 10, ...taps },
        training: training(4),
      }),
    );
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    await sourceRuntime().run(file);
    const lines = metricsLines(join(work, 'mutual'));
    expect(lines.map((l) => l.stage)).toEqual(['train', 'train', 'train', 'train']);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(
      ['ce', 'exploration', 'inheritance', 'kl', 'reconstruction', 'total'].flatMap((k) => (k === 'total' ? [k] : [k, `peer.${k}`])).sort(),
    );
    const [first, last] = [lines[0]!, lines[3]!];
    expect(last.loss['ce']).toBeLessThan(first.loss['ce']!);
    expect(last.loss['peer.ce']).toBeLessThan(first.loss['peer.ce']!);
    expect(last.loss['reconstruction']).toBeLessThan(first.loss['reconstruction']!);
    expect(last.metrics['student.top1']).toBeGreaterThan(0.15);
    expect(last.metrics['peer.top1']).toBeGreaterThan(0.15);
    expect(last.metrics['ie-kd.cka.inheritance']).toBeGreaterThan(0);
    expect(last.metrics['ie-kd.cka.exploration']).toBeGreaterThan(0);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
