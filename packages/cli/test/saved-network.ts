import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, type Network } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { repoRoot, sourceImporter } from '@kd/testing';

/** The parts of a run's final/network.json these tests read. */
export interface SavedSpec {
  readonly backbone: { readonly name: string; readonly options: Record<string, unknown> };
  readonly numClasses: number;
  readonly inputShape: [number, number, number];
  readonly [key: string]: unknown;
}

/**
 * A fresh network of the architecture a run saved in `runDir/final/network.json`, built through the plugin registry
 * as kd builds any backbone (weights seeded by `seed`, to be replaced with loadNetwork): the independent reference an
 * exported model is compared with.
 */
export async function networkLike(runDir: string, seed: number, numClasses?: number): Promise<{ saved: SavedSpec; network: Network }> {
  const saved = JSON.parse(readFileSync(join(runDir, 'final', 'network.json'), 'utf8')) as SavedSpec;
  const runtime = new KdRuntime({ root: repoRoot, importer: sourceImporter });
  await runtime.loadFor({ student: { backbone: { name: saved.backbone.name } } }, repoRoot);
  const network = await runtime.registry.get('backbone', saved.backbone.name, 'test').create(saved.backbone.options, {
    container: runtime.container,
    baseDir: repoRoot,
    numClasses: numClasses ?? saved.numClasses,
    inputShape: saved.inputShape,
    rng: new Rng(seed),
    scope: 'reference',
  });
  return { saved, network };
}
