import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../backend/select-backend.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { gitSha } from '../engine/run-directory.js';

/** What produced a run: package versions, code revision, backend and why, seed, Node and platform. */
export function provenance(
  config: PipelineConfig,
  backend: BackendChoice,
  registry: PluginRegistry,
  root: string,
): Record<string, unknown> {
  const packages: Record<string, string> = { '@kd/core': coreVersion() };
  for (const m of registry.manifests) packages[`@kd/${m.kind}-${m.name}`] = m.version;
  packages['@tensorflow/tfjs-core'] = tf.version_core;
  const distiller = config.distiller ? registry.find('distiller', config.distiller.name)?.manifest : undefined;
  return {
    startedAt: new Date().toISOString(),
    seed: config.training.seed,
    backend: {
      name: backend.name,
      reason: backend.reason,
      kernels: backend.kernels,
      ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
      ...(backend.oneDnn !== undefined ? { oneDnn: backend.oneDnn } : {}),
    },
    packages,
    ...(distiller?.reconstruction ? { reconstruction: { distiller: distiller.name, what: distiller.reconstruction } } : {}),
    gitSha: gitSha(root),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

let cachedVersion: string | undefined;

/** The version of @kd/core that is running (plugins declare the core range they need). */
export function coreVersion(): string {
  if (!cachedVersion) {
    try {
      cachedVersion = String(
        (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version,
      );
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}
