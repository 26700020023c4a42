import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ModuleImporter } from '@kd/core';
import type { CliIo } from '../src/io.js';

/** The repository root: its package.json lists the workspace packages that discovery finds. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Imports plugin packages through vite, so tests use their sources (the `@kd/source` condition). */
export const sourceImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

export interface Captured extends CliIo {
  readonly stdout: string;
  readonly stderr: string;
}

export function captureIo(cwd = repoRoot): Captured {
  let stdout = '';
  let stderr = '';
  return {
    cwd,
    interactive: false,
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

export function tempDir(prefix = 'kd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A small but real pipeline: bundled Fashion-MNIST subset, tiny CNN. */
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

export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
