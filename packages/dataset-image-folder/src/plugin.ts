import { API_VERSION, definePlugin, registerPlugin, type DatasetPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { createImageFolderDataset } from './image-folder.dataset.js';
import { imageFolderOptionsSchema, type ImageFolderOptions } from './image-folder.options.js';

/** The `image-folder` dataset plugin: ImageNet-style class-per-folder JPEG/PNG trees, streamed from disk. */
export const imageFolderPlugin: DatasetPlugin<ImageFolderOptions> = definePlugin<DatasetPlugin<ImageFolderOptions>>({
  manifest: {
    kind: 'dataset',
    name: 'image-folder',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Image folder (ImageNet layout)',
    description:
      'JPEG and PNG images in one folder per class (root/train/<class>/…, root/val/<class>/…), class index = sorted folder name as ' +
      'torchvision ImageFolder; decoded and augmented a few batches ahead of training, never all in memory.',
    paper: {
      title: 'ImageNet Large Scale Visual Recognition Challenge',
      authors: 'Olga Russakovsky, Jia Deng, Hao Su, et al.',
      year: 2015,
      url: 'https://arxiv.org/abs/1409.0575',
    },
    optionsSchema: imageFolderOptionsSchema,
  },
  create: (options, context) => createImageFolderDataset(options, { baseDir: context.baseDir, seed: context.seed }),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, imageFolderPlugin);
}
