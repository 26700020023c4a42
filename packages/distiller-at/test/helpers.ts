import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import { KdRuntime, RunEvents, Rng, type Network, type PipelineConfig } from '@kd/core';
import { cnnOptionsSchema, cnnPlugin, register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import type { DependencyContainer } from 'tsyringe';

/** A tiny cnn backbone (28×28×1 input, 10 classes) built with its schema defaults, initialised from `Rng`. */
export async function tinyCnn(channels: number[], scope: string, extra: Record<string, unknown> = {}): Promise<Network> {
  const options: Record<string, unknown> = { name: 'cnn', channels, ...extra };
  const validate = new Ajv2020({ strict: true, useDefaults: true }).compile(cnnOptionsSchema);
  if (!validate(options)) throw new Error(JSON.stringify(validate.errors));
  return cnnPlugin.create(options as never, {
    container: container.createChildContainer(),
    baseDir: '.',
    numClasses: 10,
    inputShape: [28, 28, 1],
    rng: Rng.derive(1, 'init', scope),
    scope,
  });
}

export function tempDir(prefix = 'kd-distiller-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Bundled Fashion-MNIST subset, tiny CNNs, cpu backend: a real run in a few seconds. */
export function tinyRunConfig(outDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specVersion: 1,
    backend: 'wasm',
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 384, testLimit: 128 },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'accuracy' }],
    training: { epochs: 2, batchSize: 32, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
    output: { dir: outDir },
    ...overrides,
  };
}

/** A runtime holding the workspace plugins a tiny run needs plus the package's own `register`. */
export function runtimeWith(register: (c: DependencyContainer) => void): KdRuntime {
  const runtime = new KdRuntime({ discover: false });
  for (const r of [registerIdx, registerCnn, registerAccuracy, register]) r(runtime.container);
  return runtime;
}

export async function runConfig(runtime: KdRuntime, raw: Record<string, unknown>, baseDir: string, events = new RunEvents()) {
  const config = runtime.validator().validate<PipelineConfig>(raw, 'test config');
  return runtime.runConfig(config, baseDir, { events });
}

export type MetricsLine = { stage: string; epoch: number; loss: Record<string, number>; metrics: Record<string, number>; memory: { numTensors: number } };

export function metricsLines(runDir: string): MetricsLine[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}
