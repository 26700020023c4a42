import * as tf from '@tensorflow/tfjs-core';
import { API_VERSION, definePlugin, type EvaluationContext, type Evaluator, type EvaluatorPlugin, type Metrics } from '@kd/core';

/**
 * A test evaluator: streams the evaluation split through the student and reports how many images of each class it
 * saw and the student's top-1, so an end-to-end test can check what the trainer read from the dataset.
 */
class LabelCountEvaluator implements Evaluator {
  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const counts = new Array<number>(context.numClasses).fill(0);
    let correct = 0;
    for await (const { x, y } of context.split.batches({ batchSize: context.batchSize })) {
      const labels = y.dataSync();
      const predicted = tf.tidy(() => tf.argMax(context.student.apply(x, { training: false }).logits, -1).dataSync());
      labels.forEach((l, i) => {
        counts[l]!++;
        if (predicted[i] === l) correct++;
      });
      x.dispose();
      y.dispose();
    }
    const n = counts.reduce((a, b) => a + b, 0);
    return { images: n, top1: correct / n, ...Object.fromEntries(counts.map((c, i) => [`class${i}`, c])) };
  }
}

export const labelCountPlugin: EvaluatorPlugin = definePlugin<EvaluatorPlugin>({
  manifest: {
    kind: 'evaluator',
    name: 'label-count',
    version: '0.0.0',
    apiVersion: API_VERSION,
    title: 'Label count (test only)',
    optionsSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { const: 'label-count', description: 'Test evaluator.' } },
    },
  },
  create: () => new LabelCountEvaluator(),
});
