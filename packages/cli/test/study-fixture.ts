import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEACHER_BACKBONE, tinyConfig, writeConfig } from '@kd/testing';
import { runKd, type Exited } from './spawn-kd.js';

/**
 * The small study the sweep specs run, locally or through a queue: KD and DKD × seeds 0 and 1 of tiny runs distilled
 * from a tiny teacher, so every executor's results can be compared byte for byte.
 */
export const STUDY_SIZE = { trainLimit: 256, testLimit: 100, epochs: 2 };
export const STUDY_CELLS = ['kd-s0', 'kd-s1', 'dkd-s0', 'dkd-s1'];

export function ok(e: Exited): Exited {
  expect(e.code, `${e.stderr}\n${e.stdout}`).toBe(0);
  return e;
}

/** Trains the teacher into `work/teacher` and writes `work/base.json`, the config every cell overrides. */
export async function prepareStudyBase(work: string): Promise<void> {
  ok(
    await runKd([
      'run',
      writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...STUDY_SIZE, epochs: 1 })),
    ]),
  );
  writeConfig(
    work,
    'base.json',
    tinyConfig('unused', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'kd' } }, STUDY_SIZE),
  );
}

/** Writes the study file `work/name` with its output root, and returns its path. */
export function writeStudy(work: string, name: string, output: string, extra: Record<string, unknown> = {}): string {
  return writeConfig(work, name, {
    base: 'base.json',
    axes: { method: [{ 'distiller.name': 'kd' }, { 'distiller.name': 'dkd' }] },
    seeds: [0, 1],
    output,
    ...extra,
  });
}

export const cellWeights = (runDir: string): Buffer => readFileSync(join(runDir, 'final', 'network.bin'));
