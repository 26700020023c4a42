import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KdRuntime, type ModuleImporter } from '@kd/core';

/** The repository root: its package.json lists the workspace packages that discovery finds. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Imports plugin packages through vite, so tests use their sources (the `@kd/source` condition). */
export const sourceImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A small real pipeline: a few hundred bundled Fashion-MNIST images and a tiny CNN. */
export function tinyConfig(outDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specVersion: 1,
    backend: 'wasm',
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 384, testLimit: 200 },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'accuracy' }],
    training: { epochs: 3, batchSize: 32, seed: 7, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
    output: { dir: outDir },
    ...overrides,
  };
}

export const TEACHER_BACKBONE = { name: 'cnn', channels: [8, 16] };

export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export function runtime(): KdRuntime {
  return new KdRuntime({ root: repoRoot, importer: sourceImporter });
}

/** Trains the tiny teacher every end-to-end test distils from; returns its run directory name. */
export async function trainTeacher(work: string): Promise<string> {
  const training = { epochs: 8, batchSize: 32, seed: 7, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { type: 'cosine' } };
  const file = writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE }, training }));
  await runtime().run(file);
  return 'teacher';
}

export interface MetricsLine {
  stage: string;
  epoch: number;
  loss: Record<string, number>;
  metrics: Record<string, number>;
  memory: { numTensors: number };
}

export function metricsLines(runDir: string): MetricsLine[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}
