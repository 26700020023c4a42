import { API_VERSION, definePlugin, LOGGER, registerPlugin, type DatasetPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { createCifarDataset } from './cifar.dataset.js';
import { cifarOptionsSchema, type CifarOptions } from './schema.js';

/** The `cifar` dataset plugin: CIFAR-10 / CIFAR-100 binary version from a directory, archive or verified download. */
export const cifarPlugin: DatasetPlugin<CifarOptions> = definePlugin<DatasetPlugin<CifarOptions>>({
  manifest: {
    kind: 'dataset',
    name: 'cifar',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR-10 / CIFAR-100',
    description:
      '32×32 colour images, 10 or 100 (20 coarse) classes, from the binary version: an extracted directory, the official .tar.gz, ' +
      'or an MD5-verified, resumable download into a cache directory. Standard crop/flip/normalise augmentation from @kd/transforms.',
    paper: {
      title: 'Learning Multiple Layers of Features from Tiny Images',
      authors: 'Alex Krizhevsky',
      year: 2009,
      url: 'https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf',
    },
    optionsSchema: cifarOptionsSchema,
  },
  create: (options, context) => {
    const logger = context.container.isRegistered(LOGGER, true) ? context.container.resolve(LOGGER) : undefined;
    return createCifarDataset(options, {
      baseDir: context.baseDir,
      seed: context.seed,
      ...(logger ? { log: (line: string) => logger.info(`dataset "cifar": ${line}`) } : {}),
    });
  },
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, cifarPlugin);
}
