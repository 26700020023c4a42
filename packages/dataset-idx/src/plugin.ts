import { API_VERSION, definePlugin, registerPlugin, type DatasetPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { createIdxDataset } from './dataset.js';
import { idxOptionsSchema, type IdxOptions } from './schema.js';

/** The `idx` dataset plugin: Fashion-MNIST (bundled subset or Debian's full set), MNIST or custom IDX files. */
export const idxPlugin: DatasetPlugin<IdxOptions> = definePlugin<DatasetPlugin<IdxOptions>>({
  manifest: {
    kind: 'dataset',
    name: 'idx',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'IDX images (Fashion-MNIST, MNIST)',
    description:
      '28×28 greyscale images with 10 classes from IDX files, plain or gzip. Fashion-MNIST works out of the box: ' +
      "Debian's full set when installed, else a 10,000/2,000-image class-balanced subset bundled with the package.",
    paper: {
      title: 'Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms',
      authors: 'Han Xiao, Kashif Rasul, Roland Vollgraf',
      year: 2017,
      url: 'https://arxiv.org/abs/1708.07747',
    },
    optionsSchema: idxOptionsSchema,
  },
  create: (options, context) => createIdxDataset(options, { baseDir: context.baseDir, seed: context.seed }),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, idxPlugin);
}
