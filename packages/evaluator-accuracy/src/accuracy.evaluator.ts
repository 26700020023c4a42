import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationContext, Evaluator, Metrics, Network } from '@kd/core';
import type { AccuracyOptions } from './accuracy.options.js';
import { countTopK } from './top-k.js';

/** Top-k accuracy over a split, in inference mode. */
export async function topKAccuracy(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  ks: readonly number[],
): Promise<Record<number, number>> {
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  let n = 0;
  for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
    try {
      // apply() returns every stage output: tidy frees them all, not only the logits.
      tf.tidy(() => {
        const logits = network.apply(batch.x, { training: false }).logits;
        for (const k of ks) hits.set(k, hits.get(k)! + countTopK(logits, batch.y, k));
      });
      n += batch.y.shape[0];
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
  return Object.fromEntries(ks.map((k) => [k, n === 0 ? 0 : hits.get(k)! / n]));
}

export class AccuracyEvaluator implements Evaluator {
  private teacherMetrics: Metrics | undefined;

  constructor(private readonly options: AccuracyOptions) {}

  private async measure(prefix: string, network: Network, context: EvaluationContext): Promise<Metrics> {
    const ks = this.options.topK.map((k) => Math.min(k, context.numClasses));
    const acc = await topKAccuracy(network, context, ks);
    return Object.fromEntries(this.options.topK.map((k, i) => [`${prefix}.top${k}`, acc[ks[i]!]!]));
  }

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const out: Record<string, number> = { ...(await this.measure('student', context.student, context)) };
    if (this.options.teacher && context.teacher) {
      this.teacherMetrics ??= await this.measure('teacher', context.teacher, context);
      Object.assign(out, this.teacherMetrics);
    }
    return out;
  }
}
