import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetInfo } from '@kd/core';
import { readProvenance, RUN_FILES, type KdRuntime } from '@kd/core/host';

/**
 * The description of the dataset a run trained on (class names, evaluation transforms), asked of the dataset plugin
 * with the run's recorded config — the run directory keeps the config, not the dataset's derived values. Undefined,
 * with the reason, when the run directory has no config (a network saved by hand) or the data can no longer be read.
 */
export async function runDatasetInfo(
  runtime: KdRuntime,
  runDir: string,
): Promise<{ readonly info: DatasetInfo; readonly reason?: undefined } | { readonly info?: undefined; readonly reason: string }> {
  const configFile = join(runDir, RUN_FILES.config);
  if (!existsSync(configFile)) return { reason: `${configFile} is missing` };
  try {
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as {
      dataset: { name: string } & Record<string, unknown>;
      training?: { seed?: number };
    };
    const baseDir = readProvenance(runDir).baseDir ?? runDir;
    await runtime.loadFor({ dataset: config.dataset }, baseDir, configFile);
    const plugin = runtime.registry.get('dataset', config.dataset.name, `${configFile}: /dataset/name`);
    const dataset = await plugin.create(config.dataset, {
      container: runtime.container.createChildContainer(),
      baseDir,
      seed: config.training?.seed ?? 0,
    });
    try {
      return { info: dataset.info };
    } finally {
      dataset.dispose?.();
    }
  } catch (e) {
    return { reason: `the run's dataset could not be loaded: ${(e as Error).message}` };
  }
}
