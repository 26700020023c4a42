import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { ReviewkdDistiller } from './reviewkd.distiller.js';
import { reviewkdOptionsSchema, type ReviewkdOptions } from './reviewkd.options.js';

export const reviewkdPlugin: DistillerPlugin<ReviewkdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'reviewkd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'ReviewKD',
    description:
      'Knowledge review: attention-based fusion of every student stage, deepest first, matched to the teacher stages by a hierarchical context loss',
    paper: {
      title: 'Distilling Knowledge via Knowledge Review',
      authors: 'Chen, Liu, Zhao, Jia',
      year: 2021,
      url: 'https://arxiv.org/abs/2104.09044',
    },
    optionsSchema: reviewkdOptionsSchema,
  },
  create: (options) => new ReviewkdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, reviewkdPlugin);
}
