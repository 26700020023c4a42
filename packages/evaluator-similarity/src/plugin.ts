import { API_VERSION, checkRunHasTeacher, definePlugin, registerPlugin, type EvaluatorPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { similarityOptionsSchema, type SimilarityOptions } from './similarity.options.js';
import { SimilarityEvaluator } from './similarity.evaluator.js';

export const similarityPlugin: EvaluatorPlugin<SimilarityOptions> = definePlugin({
  manifest: {
    kind: 'evaluator',
    name: 'similarity',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Teacher–student representation similarity (linear CKA)',
    description: 'Linear CKA between chosen teacher and student features on a fixed subset of the evaluation split.',
    paper: {
      title: 'Similarity of Neural Network Representations Revisited',
      authors: 'Kornblith, Norouzi, Lee, Hinton',
      year: 2019,
      url: 'https://arxiv.org/abs/1905.00414',
    },
    optionsSchema: similarityOptionsSchema,
  },
  create: (options, context) => {
    checkRunHasTeacher(context, 'similarity');
    return new SimilarityEvaluator(options);
  },
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, similarityPlugin);
}
